package dev.fcnet.bench;

import dev.fcnet.netns.Netns;
import dev.fcnet.nft.Rule;
import java.util.List;
import java.util.Map;

/**
 * The kernel floor's timed steps beyond {@link Kernel#addSimpleBulk}: the same kernel work as a
 * network's Add or Delete with process start-up amortised over a batch.
 */
final class Floor {
    private Floor() {}

    /** {@code nft -f} text deleting {@code rules} by the handles found for them (all must be found). */
    static String deleteRulesText(Map<Rule, Long> handles, List<Rule> rules) {
        StringBuilder s = new StringBuilder(rules.size() * 48);
        for (Rule r : rules) {
            Long handle = handles.get(r);
            if (handle == null) throw new IllegalStateException("rule not found: " + r);
            s.append("delete rule ip fcnet ").append(r.chain()).append(" handle ").append(handle).append('\n');
        }
        return s.toString();
    }

    /** Batched deletion: {@code ip link del group G}, then one nft transaction deleting the rules. */
    static void deleteGroup(HostNetns h, int group, String deleteRules) {
        h.tools.run("ip", "link", "del", "group", Integer.toString(group));
        h.tools.feed(deleteRules, "nft", "-f", "-");
    }

    /**
     * Namespaced networks as close to the floor as the tools go: the host part in one
     * {@code ip -batch} and one {@code nft -f}; the inside of each netns needs an {@code ip -batch}
     * and an {@code nft -f} of its own, started in it (neither tool batches across namespaces),
     * so this is an upper bound of the floor by two processes per network.
     * Forwarding inside the netns is left off (one sysctl write; no tool batches it). With
     * {@code sets}, the host part is elements of §3b's sets, in one {@code nft -f} all the same.
     */
    static void addNamespaced(HostNetns h, List<NamespacedNet> nets, int group, boolean sets) {
        h.tools.feed(Kernel.namespacedHostIpBatch(nets, group), "ip", "-batch", "-");
        for (NamespacedNet n : nets) {
            try (Netns ns = Netns.open(n.netns())) {
                Tools inside = new Tools(ns);
                inside.feed(Kernel.namespacedInnerIpBatch(n), "ip", "-batch", "-");
                inside.feed(Kernel.namespacedInnerNft(n), "nft", "-f", "-");
            }
        }
        h.tools.feed(sets ? SetsText.namespaced("add", nets) : Kernel.namespacedHostNft(nets), "nft", "-f", "-");
    }

    /** Batched deletion: one {@code ip -batch} with {@code link del group G} and every {@code netns del}, one nft transaction. */
    static void deleteNamespaced(HostNetns h, List<NamespacedNet> nets, int group, String deleteRules) {
        StringBuilder s = new StringBuilder("link del group ").append(group).append('\n');
        for (NamespacedNet n : nets) s.append("netns del ").append(n.netns()).append('\n');
        h.tools.feed(s.toString(), "ip", "-batch", "-");
        h.tools.feed(deleteRules, "nft", "-f", "-");
    }
}
