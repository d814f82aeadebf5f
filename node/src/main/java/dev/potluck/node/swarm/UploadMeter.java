package dev.potluck.node.swarm;

/** This node's uploads to peers, as gossiped to the arbiters that rank holders by load. */
public interface UploadMeter {

  int activeUploads();

  long uploadBytesPerSecond();
}
