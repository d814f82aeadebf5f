package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonArray;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium: two nodes with a slow transfer between them, then a
 * third node joining. The page must show both members and the transfer, and then the third member,
 * without being reloaded. Screenshots are left at {@link #SCREENSHOT} (desktop) and
 * {@link #PHONE_SCREENSHOT} (a phone's width).
 */
class DashboardBrowserIT {

  static final Path SCREENSHOT = Path.of("target", "dashboard", "dashboard.png");
  static final Path PHONE_SCREENSHOT = Path.of("target", "dashboard", "dashboard-phone.png");
  private static final Path CHROMIUM = Path.of(System.getProperty("potluck.chromium", "/usr/bin/chromium"));
  private static final Path CHROMEDRIVER = Path.of(System.getProperty("potluck.chromedriver", "/usr/bin/chromedriver"));
  private static final long MB = 1 << 20;

  @Test
  void pageShowsMembersAndTransfer_thenAThirdNodeWithoutReload() throws Exception {
    List<String> missing = new ArrayList<>();
    if (!Files.isExecutable(CHROMIUM)) {
      missing.add(CHROMIUM + " (Debian package chromium)");
    }
    if (!Files.isExecutable(CHROMEDRIVER)) {
      missing.add(CHROMEDRIVER + " (Debian package chromium-driver)");
    }
    assumeTrue(missing.isEmpty(), "skipped: the dashboard's browser test needs " + String.join(" and ", missing));

    Path dir = Files.createTempDirectory("potluck-dashboard-");
    String cluster = "dash-" + Long.toHexString(System.nanoTime());
    int[] clusterPorts = {NodeProcess.freePort(), NodeProcess.freePort(), NodeProcess.freePort()};
    int[] httpPorts = {NodeProcess.freePort(), NodeProcess.freePort(), NodeProcess.freePort()};
    ExecutorService clients = Executors.newCachedThreadPool();
    List<NodeProcess> nodes = new ArrayList<>();
    ChromeDriver browser = null;
    try (OriginServer origin = OriginServer.start()) {
      // Slow enough to be still in flight while the page is checked and the third node joins.
      String path = "/debian/pool/main/b/big/big-package_2.0_amd64.deb";
      origin.route(path, OriginServer.body(160 * MB, 5).withRate(2 * MB));
      List<Future<NodeProcess>> starting = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        int n = i;
        starting.add(clients.submit(() -> NodeProcess.start(dir, httpPorts[n], List.of("-Xmx192m"),
            args(dir, n, cluster, clusterPorts))));
      }
      for (Future<NodeProcess> node : starting) {
        nodes.add(node.get(2, TimeUnit.MINUTES));
      }
      awaitMembers(nodes.get(0), 2);
      // A small object both nodes hold, for the objects table and its holders.
      String small = "/debian/pool/main/h/hello/hello_2.10-3_amd64.deb";
      origin.route(small, OriginServer.body(256 * 1024, 9));
      assertEquals(200, nodes.get(0).client().get(origin.url(small)).status());
      assertEquals(200, nodes.get(1).client().get(origin.url(small)).status());

      // Node 0 fetches from upstream; node 1 streams it from node 0 (or the other way round).
      clients.submit(() -> nodes.get(0).client().get(origin.url(path)));
      Thread.sleep(300);
      clients.submit(() -> nodes.get(1).client().get(origin.url(path)));

      browser = chromium();
      browser.get("http://127.0.0.1:" + nodes.get(0).port() + "/");
      ChromeDriver page = browser;
      ((JavascriptExecutor) page).executeScript("window.potluckSamePage = 'yes';");

      awaitPage(page, "both members listed", () -> memberRows(page).size() == 2);
      assertTrue(memberRows(page).stream().anyMatch(row -> row.getText().contains("this node")),
          "the local node is marked");
      awaitPage(page, "the transfer shown with a progress bar",
          () -> !page.findElements(By.cssSelector("#transfers .transfer .bar")).isEmpty());
      String transfer = page.findElement(By.cssSelector("#transfers")).getText();
      assertTrue(transfer.contains("big-package_2.0_amd64.deb"), transfer);
      awaitPage(page, "an edge in the relay tree", () -> !page.findElements(By.cssSelector("#tree path.edge")).isEmpty());
      awaitPage(page, "the small object with both holders",
          () -> page.findElements(By.cssSelector("#objects tbody tr[data-key] .chip")).size() == 2);

      nodes.add(NodeProcess.start(dir, httpPorts[2], List.of("-Xmx192m"), args(dir, 2, cluster, clusterPorts)));
      clients.submit(() -> nodes.get(2).client().get(origin.url(path)));
      awaitPage(page, "the third member, pushed without reload", () -> memberRows(page).size() == 3);
      assertEquals("yes", ((JavascriptExecutor) page).executeScript("return window.potluckSamePage;"),
          "the page was not reloaded");
      String third = nodeId(nodes.get(2));
      awaitPage(page, "the gossip of every member (uptime, and a transfer to the third node)", () ->
          page.findElements(By.cssSelector("#members tbody tr[data-reported='false']")).isEmpty() && page.findElements(
              By.cssSelector("#transfers .transfer[data-to='" + third + "']")).size() == 1);
      Thread.sleep(1_500); // a second more of the savings chart and progress
      screenshot(page, 1280, SCREENSHOT);
      screenshot(page, 400, PHONE_SCREENSHOT);
    } finally {
      if (browser != null) {
        browser.quit();
      }
      for (NodeProcess node : nodes) {
        node.close();
      }
      clients.shutdownNow();
    }
  }

  /** Saves the whole page as it looks in a window {@code width} pixels wide. */
  private static void screenshot(ChromeDriver page, int width, Path to) throws Exception {
    page.manage().window().setSize(new Dimension(width, 800));
    Thread.sleep(300);
    // The window's height includes what the browser itself takes above the page.
    long height = (Long) ((JavascriptExecutor) page).executeScript("return Math.ceil("
        + "document.documentElement.scrollHeight + window.outerHeight - window.innerHeight);");
    page.manage().window().setSize(new Dimension(width, (int) Math.min(height + 10, 6000)));
    Thread.sleep(1_200); // the next event redraws the chart at the new width
    Files.createDirectories(to.getParent());
    File shot = page.getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
    System.out.println("[artifact] dashboard screenshot (" + width + " px wide): " + to.toAbsolutePath());
  }

  private static String[] args(Path dir, int i, String cluster, int[] clusterPorts) throws java.io.IOException {
    List<String> args = new ArrayList<>(List.of("--cache-dir", dir.resolve("node" + i).toString(), "--bind", "127.0.0.1",
        "--cluster-port", Integer.toString(clusterPorts[i]), "--peer-port", "0", "--cluster", cluster, "--no-mdns"));
    args.addAll(NodeProcess.secretArgs(dir));
    for (int j = 0; j < clusterPorts.length; j++) {
      if (j != i) {
        args.addAll(List.of("--seed", "127.0.0.1:" + clusterPorts[j]));
      }
    }
    return args.toArray(String[]::new);
  }

  private static ChromeDriver chromium() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,2000", "--hide-scrollbars", "--no-first-run", "--disable-extensions");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    return driver;
  }

  private static List<WebElement> memberRows(ChromeDriver page) {
    return page.findElements(By.cssSelector("#members tbody tr"));
  }

  private static String nodeId(NodeProcess node) throws Exception {
    return node.status().getString("nodeId");
  }

  private static void awaitMembers(NodeProcess node, int count) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      io.vertx.core.json.JsonObject cluster = node.status().getJsonObject("cluster");
      JsonArray members = cluster == null ? null : cluster.getJsonArray("members");
      if (members != null && members.size() == count) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the cluster did not reach " + count + " members in 60 s: " + node.status());
  }

  private static void awaitPage(ChromeDriver page, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the page did not show " + what + " within 60 s; it shows:\n"
        + page.findElement(By.tagName("body")).getText());
  }
}
