package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import java.util.List;
import java.util.Objects;

/**
 * A network deleted.
 *
 * @param network the network
 * @param removed the objects removed, in order, e.g. {@code rule ip fcnet filter handle 5 (host netns)},
 *     {@code link tap0 (host netns)}
 * @param absent the objects that were already missing (only with {@link DeleteMode#IDEMPOTENT})
 */
public record DeleteResult(FirecrackerNetwork network, List<String> removed, List<String> absent)
        implements OperationResult {
    /** Requires the network; copies the lists. */
    public DeleteResult {
        Objects.requireNonNull(network, "network");
        removed = List.copyOf(removed);
        absent = List.copyOf(absent);
    }
}
