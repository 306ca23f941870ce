package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import java.util.List;
import java.util.Objects;

/**
 * A network added in full.
 *
 * @param network the network
 * @param rules its rules in the order they were added, with the handles the kernel gave them
 * @param warnings what may keep its traffic from flowing (host forwarding turned off, under
 *     {@link ForwardingPolicy#WARN}); empty when none
 */
public record AddResult(FirecrackerNetwork network, List<RuleHandle> rules, List<String> warnings)
        implements OperationResult {
    /** Requires the network; copies the lists. */
    public AddResult {
        Objects.requireNonNull(network, "network");
        rules = List.copyOf(rules);
        warnings = List.copyOf(warnings);
    }
}
