/** When a stored object may be served as it is, and when it must be confirmed upstream first. */
package dev.potluck.scheduler.freshness;
