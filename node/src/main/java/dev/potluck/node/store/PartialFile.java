package dev.potluck.node.store;

import dev.potluck.protocol.ObjectKey;
import java.nio.file.Path;

/**
 * A body being written. It lives in the store's {@code partial/} folder, which start-up empties: a
 * partial file is never mistaken for a complete one.
 *
 * @param reservedBytes quota set aside for it when this value was made (the store keeps the running
 *     figure, {@link FileStore#reservationOf}), released on commit or discard
 */
public record PartialFile(ObjectKey key, Path path, long reservedBytes) {}
