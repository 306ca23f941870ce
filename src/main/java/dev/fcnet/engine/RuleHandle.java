package dev.fcnet.engine;

import java.util.Objects;
import java.util.Optional;

/**
 * A rule of a network as the kernel holds it.
 *
 * @param netns the named netns holding it; empty for the engine's host netns
 * @param family the nftables family: {@code ip}, {@code ip6} or {@code inet}
 * @param table the table, {@code fcnet}
 * @param chain the chain: {@code postrouting}, {@code filter} or {@code prerouting}
 * @param handle the handle the kernel assigned
 * @param rule the rule as {@code nft list ruleset} prints it, e.g.
 *     {@code ip saddr 172.16.0.2 oifname "eth0" masquerade}
 * @param added false when Add found the rule already present and did not add it again (the
 *     Simple masquerade rule)
 */
public record RuleHandle(Optional<String> netns, String family, String table, String chain, long handle, String rule,
        boolean added) {
    /** Requires every component. */
    public RuleHandle {
        Objects.requireNonNull(netns, "netns");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(rule, "rule");
    }

    /** e.g. {@code ip fcnet postrouting handle 4: ip saddr 172.16.0.2 oifname "eth0" masquerade (host netns)}. */
    @Override
    public String toString() {
        return family + " " + table + " " + chain + " handle " + Long.toUnsignedString(handle) + ": " + rule + " ("
                + netns.map(n -> "netns " + n).orElse("host netns") + (added ? "" : ", already present") + ")";
    }
}
