package dev.fcnet.engine;

import dev.fcnet.FirecrackerIpStack;
import java.util.Objects;
import java.util.Optional;

/**
 * A rule of a network as the kernel holds it.
 *
 * @param netns the named netns holding it; empty for the engine's host netns
 * @param family the table's nftables family, by the network's ip stack: {@code ip} for V4,
 *     {@code ip6} for V6, {@code inet} for Dual
 * @param table the table, {@code fcnet}
 * @param chain the chain: {@code postrouting}, {@code filter} or {@code prerouting}
 * @param handle the handle the kernel assigned
 * @param rule the rule as {@code nft list ruleset} prints it, e.g.
 *     {@code ip saddr 172.16.0.2 oifname "eth0" masquerade}
 */
public record RuleHandle(Optional<String> netns, FirecrackerIpStack family, String table, String chain, long handle, String rule) {
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
        String keyword = switch (family) {
            case V4 -> "ip";
            case V6 -> "ip6";
            case Dual -> "inet";
        };
        return keyword + " " + table + " " + chain + " handle " + Long.toUnsignedString(handle) + ": " + rule + " ("
                + netns.map(n -> "netns " + n).orElse("host netns") + ")";
    }
}
