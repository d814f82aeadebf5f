package dev.potluck.node.swarm;

/** This node's uploads to peers, as gossiped to the arbiters that rank holders by load. */
public interface UploadMeter {

  UploadMeter NONE = new UploadMeter() {
    @Override
    public int activeUploads() {
      return 0;
    }

    @Override
    public long uploadBytesPerSecond() {
      return 0;
    }
  };

  int activeUploads();

  long uploadBytesPerSecond();
}
