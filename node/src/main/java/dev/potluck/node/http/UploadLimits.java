package dev.potluck.node.http;

/**
 * How much this node uploads to other nodes, set per node ({@code --max-uploads}, {@code --upload-rate}).
 * Only the peer listener is limited; local clients never are.
 *
 * @param maxUploads how many bodies may go to peers at once; a further GET is answered 503 with
 *     {@code Retry-After}, so the requester can try again or take the object from another holder
 * @param bytesPerSecond the most body bytes per second sent to all peers together, or 0 for no cap
 */
public record UploadLimits(int maxUploads, long bytesPerSecond) {

  /** No cap on either: as many uploads as peers ask for, as fast as the network takes them. */
  public static final UploadLimits NONE = new UploadLimits(Integer.MAX_VALUE, 0);

  public UploadLimits {
    if (maxUploads < 1) {
      throw new IllegalArgumentException("the most uploads at once must be at least 1, not " + maxUploads);
    }
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("the upload rate must be 0 (no cap) or a positive number of bytes per second, not "
          + bytesPerSecond);
    }
  }

  /** {@link #NONE}. */
  public static UploadLimits unlimited() {
    return NONE;
  }

  /** True when {@link #bytesPerSecond} caps the rate. */
  public boolean rateCapped() {
    return bytesPerSecond > 0;
  }
}
