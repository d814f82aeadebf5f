package dev.potluck.node.store;

/** A snapshot of the store's occupancy, for the status API and metrics. */
public record StoreStats(int objects, long usedBytes, long reservedBytes, long quotaBytes, long evictions) {}
