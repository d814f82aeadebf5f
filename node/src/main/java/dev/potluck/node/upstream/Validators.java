package dev.potluck.node.upstream;

/** What a cached copy is identified by upstream, sent back as {@code If-None-Match} / {@code If-Modified-Since}. */
public record Validators(String etag, String lastModified) {
  public static final Validators NONE = new Validators(null, null);

  public boolean isEmpty() {
    return etag == null && lastModified == null;
  }
}
