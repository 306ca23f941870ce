package dev.fcnet.bench;

import java.util.List;
import java.util.function.Function;

/**
 * The sets ruleset (DESIGN §3b) as {@code nft -f} text, for networks made and removed in bulk:
 * the sets and fixed rules of table ip fcnet, and networks' elements. Elements go in statements
 * of {@link #PER_STATEMENT} (one transaction all the same), so that nft parses no 50,000-element line.
 */
final class SetsText {
    static final int PER_STATEMENT = 1_000;

    private SetsText() {}

    /** The sets and their two rules, made once per host before any element. */
    static String fixed() {
        return """
                add set ip fcnet masq_v4 { type ipv4_addr . ifname; }
                add set ip fcnet fwd_pairs { type ifname . ifname; }
                add rule ip fcnet postrouting ip saddr . oifname @masq_v4 masquerade
                add rule ip fcnet filter iifname . oifname @fwd_pairs accept
                """;
    }

    /** {@code verb} ("add" or "delete") the elements of Simple networks: masq_v4 guest . eth0, fwd_pairs tap . eth0. */
    static String simple(String verb, List<SimpleNet> nets) {
        return statements(verb, "masq_v4", nets, n -> List.of(n.guest() + " . \"" + SimpleNet.IFACE + "\""))
                + statements(verb, "fwd_pairs", nets, n -> List.of("\"" + n.tap() + "\" . \"" + SimpleNet.IFACE + "\""));
    }

    /** {@code verb} the host elements of Namespaced networks: masq_v4 veth2 addr . eth0, fwd_pairs eth0 . veth1 and veth1 . eth0. */
    static String namespaced(String verb, List<NamespacedNet> nets) {
        String iface = "\"" + NamespacedNet.IFACE + "\"";
        return statements(verb, "masq_v4", nets, n -> List.of(n.veth2Ip().getHostAddress() + " . " + iface))
                + statements(verb, "fwd_pairs", nets, n -> List.of(iface + " . \"" + n.veth1() + "\"", "\"" + n.veth1() + "\" . " + iface));
    }

    private static <N> String statements(String verb, String set, List<N> nets, Function<N, List<String>> elements) {
        StringBuilder s = new StringBuilder(nets.size() * 64);
        int inStatement = 0;
        for (N n : nets) {
            for (String e : elements.apply(n)) {
                if (inStatement == 0) s.append(verb).append(" element ip fcnet ").append(set).append(" { ");
                else s.append(", ");
                s.append(e);
                if (++inStatement == PER_STATEMENT) {
                    s.append(" }\n");
                    inStatement = 0;
                }
            }
        }
        if (inStatement > 0) s.append(" }\n");
        return s.toString();
    }
}
