package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import java.util.List;
import java.util.Objects;

/**
 * A network deleted.
 *
 * @param network the network
 * @param removed the objects removed, in order (every copy of a rule that was there more than once)
 * @param absent the objects that were already missing (only with {@link DeleteMode#IDEMPOTENT})
 */
public record DeleteResult(FirecrackerNetwork network, List<NetworkObject> removed, List<NetworkObject> absent)
        implements OperationResult {
    /** Requires the network; copies the lists. */
    public DeleteResult {
        Objects.requireNonNull(network, "network");
        removed = List.copyOf(removed);
        absent = List.copyOf(absent);
    }
}
