package dev.potluck.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.potluck.testkit.apt.Sha256;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A file as the origin serves it: its URL path, the file name a client saves it under, its digest and size. */
record ServedFile(String urlPath, String fileName, String sha256, long size) {

  /** The file at {@code urlPath} under the origin's {@code root}, saved by clients as {@code fileName}. */
  static ServedFile of(Path root, String urlPath, String fileName) throws Exception {
    Path file = root.resolve(urlPath.substring(1));
    return new ServedFile(urlPath, fileName, Sha256.of(file), Files.size(file));
  }

  /** Each of {@code files} is in {@code dir}, with the origin's SHA-256. */
  static void assertDownloaded(String tool, List<ServedFile> files, Path dir) throws Exception {
    for (ServedFile f : files) {
      Path file = dir.resolve(f.fileName());
      assertTrue(Files.isRegularFile(file), tool + " left no " + file);
      assertEquals(f.sha256(), Sha256.of(file), f.fileName());
    }
  }
}
