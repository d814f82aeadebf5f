package dev.potluck.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeApiTest {

  @ParameterizedTest
  @CsvSource({
      "http://127.0.0.1:7878, http://127.0.0.1:7878",
      "http://127.0.0.1:7878/, http://127.0.0.1:7878",
      "'  HTTP://localhost:7878// ', http://localhost:7878",
      "https://[::1]:7878/potluck/, https://[::1]:7878/potluck",
  })
  void parse_acceptsNodeAddresses(String given, String expected) {
    assertEquals(URI.create(expected), NodeApi.parse(given));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "127.0.0.1:7878 | --node: '127.0.0.1:7878' is not a URL; did you mean http://127.0.0.1:7878 ?",
      "'' | --node: '' is not a URL; did you mean http:// ?",
      "ftp://host/ | --node: 'ftp://host/' is not an http:// URL; example: http://127.0.0.1:7878",
      "http://exa mple:1/ | --node: not a URL: 'http://exa mple:1/' (Illegal character in authority); example: http://127.0.0.1:7878",
      "http:/// | --node: 'http:///' names no host; example: http://127.0.0.1:7878",
      "http://under_score:7878 | --node: 'http://under_score:7878' names no host that can be reached (under_score:7878); example: http://127.0.0.1:7878",
      "http://h:1/?x=1 | --node: give the node's address only (scheme, host, port): 'http://h:1/?x=1'",
      "http://me@h:1 | --node: give the node's address only (scheme, host, port): 'http://me@h:1'",
  })
  void parse_refusesWhatIsNotANodeAddress_sayingWhy(String given, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeApi.parse(given));
    assertEquals(message, e.getMessage());
  }
}
