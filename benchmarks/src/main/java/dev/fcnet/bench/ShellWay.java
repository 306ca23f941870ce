package dev.fcnet.bench;

/**
 * The shell baseline: the Firecracker docs' way, a /bin/sh script per operation in which every
 * step is its own {@code ip} or {@code nft} process (the docs use iptables; these are the same
 * steps with the DESIGN §3 nft rules). Deleting a rule needs its handle, which a script finds with
 * {@code nft -a list chain} and sed.
 */
final class ShellWay {
    private ShellWay() {}

    static void addSimple(HostNetns h, SimpleNet n) {
        h.tools.sh("ip tuntap add dev " + n.tap() + " mode tap\n"
                + "ip addr add " + n.tapCidr() + " dev " + n.tap() + "\n"
                + "ip link set dev " + n.tap() + " up\n"
                + "nft add rule ip fcnet postrouting '" + n.masqueradeText() + "'\n"
                + "nft add rule ip fcnet filter '" + n.forwardText() + "'\n");
    }

    static void deleteSimple(HostNetns h, SimpleNet n) {
        h.tools.sh("ip link del dev " + n.tap() + "\n"
                + deleteRule("postrouting", n.masqueradeText())
                + deleteRule("filter", n.forwardText()));
    }

    /** The tap with its flags and address, and both rules, read back and compared in the script. */
    static void checkSimple(HostNetns h, SimpleNet n) {
        h.tools.sh("out=$(ip addr show dev " + n.tap() + ")\n"
                + expect("out", ",UP") + expect("out", "inet " + n.tapCidr() + " ")
                + "out=$(nft list chain ip fcnet postrouting)\n" + expect("out", n.masqueradeText())
                + "out=$(nft list chain ip fcnet filter)\n" + expect("out", n.forwardText()));
    }

    static void addNamespaced(HostNetns h, NamespacedNet n) {
        String ns = n.netns();
        String inNs = "ip -n " + ns + " ";
        String nftInNs = "ip netns exec " + ns + " nft ";
        h.tools.sh("ip netns add " + ns + "\n"
                + "ip link add " + n.veth1() + " type veth peer name " + NamespacedNet.VETH2 + " netns " + ns + "\n"
                + "ip addr add " + n.veth1Cidr() + " dev " + n.veth1() + "\n"
                + "ip link set dev " + n.veth1() + " up\n"
                + inNs + "addr add " + n.veth2Cidr() + " dev " + NamespacedNet.VETH2 + "\n"
                + inNs + "link set dev " + NamespacedNet.VETH2 + " up\n"
                + inNs + "tuntap add dev " + NamespacedNet.TAP + " mode tap\n"
                + inNs + "addr add " + NamespacedNet.TAP_IP + " dev " + NamespacedNet.TAP + "\n"
                + inNs + "link set dev " + NamespacedNet.TAP + " up\n"
                + inNs + "route add default via " + n.veth1Ip().getHostAddress() + "\n"
                + "ip netns exec " + ns + " sysctl -q -w net.ipv4.ip_forward=1\n"
                + nftInNs + "add table ip fcnet\n"
                + nftInNs + "add chain ip fcnet postrouting '{ type nat hook postrouting priority 100; policy accept; }'\n"
                + nftInNs + "add rule ip fcnet postrouting '" + n.snatText() + "'\n"
                + "nft add rule ip fcnet postrouting '" + n.masqueradeText() + "'\n"
                + "nft add rule ip fcnet filter '" + n.ingressText() + "'\n"
                + "nft add rule ip fcnet filter '" + n.egressText() + "'\n");
    }

    /** The netns goes with everything in it (the veth pair with it); then the three host rules by handle. */
    static void deleteNamespaced(HostNetns h, NamespacedNet n) {
        h.tools.sh("ip netns del " + n.netns() + "\n"
                + deleteRule("postrouting", n.masqueradeText())
                + deleteRule("filter", n.ingressText())
                + deleteRule("filter", n.egressText()));
    }

    static void checkNamespaced(HostNetns h, NamespacedNet n) {
        String inNs = "ip -n " + n.netns() + " ";
        h.tools.sh("out=$(ip addr show dev " + n.veth1() + ")\n"
                + expect("out", ",UP") + expect("out", "inet " + n.veth1Cidr() + " ")
                + "out=$(" + inNs + "addr show dev " + NamespacedNet.VETH2 + ")\n"
                + expect("out", ",UP") + expect("out", "inet " + n.veth2Cidr() + " ")
                + "out=$(" + inNs + "addr show dev " + NamespacedNet.TAP + ")\n"
                + expect("out", ",UP") + expect("out", "inet " + NamespacedNet.TAP_IP + " ")
                + "out=$(" + inNs + "route show default)\n"
                + expect("out", "default via " + n.veth1Ip().getHostAddress() + " ")
                + "out=$(ip netns exec " + n.netns() + " nft list chain ip fcnet postrouting)\n"
                + expect("out", n.snatText())
                + "out=$(nft list chain ip fcnet postrouting)\n" + expect("out", n.masqueradeText())
                + "out=$(nft list chain ip fcnet filter)\n" + expect("out", n.ingressText())
                + expect("out", n.egressText()));
    }

    /** Script lines finding the rule's handle ({@code nft -a list chain | sed}) and deleting it. */
    private static String deleteRule(String chain, String ruleText) {
        String pattern = ruleText.replace(".", "\\.") + " # handle ";
        return "h=$(nft -a list chain ip fcnet " + chain + " | sed -n 's/^.*" + pattern + "\\([0-9]*\\)$/\\1/p')\n"
                + "[ -n \"$h\" ]\n"
                + "nft delete rule ip fcnet " + chain + " handle $h\n";
    }

    /** A shell test (no process) that fails the script unless {@code $var} contains {@code text}. */
    private static String expect(String var, String text) {
        return "case \"$" + var + "\" in *'" + text + "'*) ;; *) echo 'missing: " + text.replace("'", "")
                + "' >&2; exit 1;; esac\n";
    }
}
