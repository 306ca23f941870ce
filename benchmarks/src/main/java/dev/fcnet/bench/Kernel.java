package dev.fcnet.bench;

import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.Expr;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftConnection;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.NftSet;
import dev.fcnet.nft.Rule;
import dev.fcnet.nft.SetElement;
import dev.fcnet.nft.SetKeyType;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.rtnl.RtnlBatch;
import dev.fcnet.sys.Errno;
import dev.fcnet.tun.Tap;
import dev.fcnet.tun.TapOptions;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Networks on the benchmark host made in bulk the kernel-floor way (one {@code ip -batch} and
 * one {@code nft -f}), and the quick, process-free making and removal of single networks around
 * timed operations (untimed).
 */
final class Kernel {
    /** Link group of the networks present before the measurement, removed at once with {@code ip link del group}. */
    static final int PRESENT_GROUP = 1;

    private Kernel() {}

    // ---- Simple

    /** {@code ip -batch} text: for each network tuntap add, link set group G up, addr add. */
    static String simpleIpBatch(List<SimpleNet> nets, int group) {
        StringBuilder s = new StringBuilder(nets.size() * 96);
        for (SimpleNet n : nets) {
            s.append("tuntap add dev ").append(n.tap()).append(" mode tap\n");
            s.append("link set dev ").append(n.tap()).append(" group ").append(group).append(" up\n");
            s.append("addr add ").append(n.tapCidr()).append(" dev ").append(n.tap()).append('\n');
        }
        return s.toString();
    }

    static String simpleNftBatch(List<SimpleNet> nets) {
        StringBuilder s = new StringBuilder(nets.size() * 128);
        for (SimpleNet n : nets) s.append(n.nftAddRules());
        return s.toString();
    }

    /**
     * The kernel-floor way: one {@code ip -batch} and one {@code nft -f} transaction for all of
     * them, their host part as §3's rules or, with {@code sets}, as elements of §3b's sets (which
     * must exist: {@link SetsText#fixed}).
     */
    static void addSimpleBulk(HostNetns h, List<SimpleNet> nets, int group, boolean sets) {
        if (nets.isEmpty()) return;
        h.tools.feed(simpleIpBatch(nets, group), "ip", "-batch", "-");
        h.tools.feed(sets ? SetsText.simple("add", nets) : simpleNftBatch(nets), "nft", "-f", "-");
    }

    /** One network with the library's layers, no process: tap, up, address, both rules in one transaction. */
    static void addSimpleDirect(HostNetns h, SimpleNet n) {
        Tap.create(n.tap(), TapOptions.DEFAULT, h.netns);
        Link tap = h.rtnl.link(n.tap()).orElseThrow();
        h.rtnl.setUp(tap, true);
        h.rtnl.addAddress(tap, n.tapIp(), SimpleNet.PREFIX);
        h.nft.commit(new NftBatch().addRule(n.masquerade()).addRule(n.forward()));
    }

    /**
     * The kernel work of one engine Add of a Simple V4 network with no library around it (the
     * serial floor): persistent tap, IPv6 off (the sysctl the engine writes for a V4 host link),
     * group, no IPv6 address generation, address and up in one request, and the network's host
     * part in one nft transaction: §3's two rules or, with {@code sets}, its two elements of §3b.
     */
    static void addSimpleSerial(HostNetns h, SimpleNet n, int group, boolean sets) {
        Tap.create(n.tap(), TapOptions.DEFAULT, h.netns);
        Link tap = h.rtnl.link(n.tap()).orElseThrow();
        h.netns.call(() -> {
            Rtnl.disableIpv6(n.tap());
            return null;
        });
        h.rtnl.send(new RtnlBatch().setGroup(tap, group).addrGenModeNone(tap).addAddress(tap, n.tapIp(), SimpleNet.PREFIX).setUp(tap, true));
        h.nft.commit(sets
                ? new NftBatch().addElements(MASQ_V4, List.of(simpleMasq(n))).addElements(FWD_PAIRS, List.of(simplePair(n)))
                : new NftBatch().addRule(n.masquerade()).addRule(n.forward()));
    }

    /** §3b's masq_v4 element of a Simple network. */
    static SetElement simpleMasq(SimpleNet n) {
        return SetElement.of(n.guestIp(), SimpleNet.IFACE);
    }

    /** §3b's fwd_pairs element of a Simple network. */
    static SetElement simplePair(SimpleNet n) {
        return SetElement.of(n.tap(), SimpleNet.IFACE);
    }

    static final NftSet MASQ_V4 = NftSet.concat(NftFamily.IP, FcnetTable.TABLE, "masq_v4", 0, List.of(SetKeyType.IPV4_ADDR, SetKeyType.IFNAME));
    static final NftSet FWD_PAIRS = NftSet.concat(NftFamily.IP, FcnetTable.TABLE, "fwd_pairs", 0, List.of(SetKeyType.IFNAME, SetKeyType.IFNAME));

    /** Removes one network whatever part of it exists (tap by name, its rules by handle). */
    static void removeSimple(HostNetns h, SimpleNet n) {
        deleteLinkIfPresent(h.rtnl, n.tap());
        deleteRules(h.nft, List.of(n.masquerade(), n.forward()));
    }

    /** Removes networks made in bulk with {@code group}: one {@code ip link del group}, one nft transaction. */
    static void removeSimpleBulk(HostNetns h, List<SimpleNet> nets, int group, boolean sets) {
        if (nets.isEmpty()) return;
        h.tools.run("ip", "link", "del", "group", Integer.toString(group));
        if (sets) {
            h.tools.feed(SetsText.simple("delete", nets), "nft", "-f", "-");
            return;
        }
        List<Rule> rules = new ArrayList<>(2 * nets.size());
        for (SimpleNet n : nets) {
            rules.add(n.masquerade());
            rules.add(n.forward());
        }
        deleteRules(h.nft, rules);
    }

    // ---- Namespaced

    /**
     * Host part in one {@code ip -batch}: netns add, veth pair with its peer made directly in the
     * netns (group G on the host end), host address, up.
     */
    static String namespacedHostIpBatch(List<NamespacedNet> nets, int group) {
        StringBuilder s = new StringBuilder(nets.size() * 160);
        for (NamespacedNet n : nets) {
            s.append("netns add ").append(n.netns()).append('\n');
            s.append("link add ").append(n.veth1()).append(" group ").append(group).append(" type veth peer name ")
                    .append(NamespacedNet.VETH2).append(" netns ").append(n.netns()).append('\n');
            s.append("addr add ").append(n.veth1Cidr()).append(" dev ").append(n.veth1()).append('\n');
            s.append("link set dev ").append(n.veth1()).append(" up\n");
        }
        return s.toString();
    }

    /** Inner part, for {@code ip -n NETNS -batch}: veth0 address and up, tap0 with address and up, default route. */
    static String namespacedInnerIpBatch(NamespacedNet n) {
        return "addr add " + n.veth2Cidr() + " dev " + NamespacedNet.VETH2 + "\n"
                + "link set dev " + NamespacedNet.VETH2 + " up\n"
                + "tuntap add dev " + NamespacedNet.TAP + " mode tap\n"
                + "addr add " + NamespacedNet.TAP_IP + " dev " + NamespacedNet.TAP + "\n"
                + "link set dev " + NamespacedNet.TAP + " up\n"
                + "route add default via " + n.veth1Ip().getHostAddress() + "\n";
    }

    /** Inner ruleset, for {@code nft -f} inside the netns: table, postrouting chain, snat rule. */
    static String namespacedInnerNft(NamespacedNet n) {
        return """
                add table ip fcnet
                add chain ip fcnet postrouting { type nat hook postrouting priority 100; policy accept; }
                add rule ip fcnet postrouting\s""" + n.snatText() + "\n";
    }

    static String namespacedHostNft(List<NamespacedNet> nets) {
        StringBuilder s = new StringBuilder(nets.size() * 200);
        for (NamespacedNet n : nets) s.append(n.nftAddHostRules());
        return s.toString();
    }

    /**
     * Networks present before the measurement: the host part the kernel-floor way (one
     * {@code ip -batch}, one {@code nft -f}); the inside of each netns with the library's layers,
     * because iproute2 and nft cannot batch across namespaces and a process per netns would make
     * preparing 1,000 of them slow. With {@code sets}, the host part is elements of §3b's sets.
     */
    static void addNamespacedBulk(HostNetns h, List<NamespacedNet> nets, int group, boolean sets) {
        if (nets.isEmpty()) return;
        h.tools.feed(namespacedHostIpBatch(nets, group), "ip", "-batch", "-");
        for (NamespacedNet n : nets) {
            try (Netns ns = Netns.open(n.netns())) {
                configureInside(n, ns);
            }
        }
        h.tools.feed(sets ? SetsText.namespaced("add", nets) : namespacedHostNft(nets), "nft", "-f", "-");
    }

    /** One network with the library's layers, no process, its host part as §3's rules. */
    static void addNamespacedDirect(HostNetns h, NamespacedNet n) {
        addNamespacedDirect(h, n, false);
    }

    /**
     * One network with the library's layers, no process: the kernel work of one Namespaced Add
     * (netns, veth pair with its peer made in the netns, host address and up, the inside, the
     * host part as §3's rules or, with {@code sets}, §3b's elements in one transaction).
     */
    static void addNamespacedDirect(HostNetns h, NamespacedNet n, boolean sets) {
        try (Netns ns = Netns.create(n.netns())) {
            h.rtnl.createVeth(n.veth1(), NamespacedNet.VETH2, ns.fd());
            Link veth1 = h.rtnl.link(n.veth1()).orElseThrow();
            h.rtnl.addAddress(veth1, n.veth1Ip(), NamespacedNet.PREFIX);
            h.rtnl.setUp(veth1, true);
            configureInside(n, ns);
        }
        h.nft.commit(sets
                ? new NftBatch().addElements(MASQ_V4, List.of(namespacedMasq(n)))
                        .addElements(FWD_PAIRS, namespacedPairs(n))
                : new NftBatch().addRule(n.masquerade()).addRule(n.ingress()).addRule(n.egress()));
    }

    /** §3b's fwd_pairs elements of a Namespaced network. */
    static List<SetElement> namespacedPairs(NamespacedNet n) {
        return List.of(SetElement.of(NamespacedNet.IFACE, n.veth1()), SetElement.of(n.veth1(), NamespacedNet.IFACE));
    }

    /** §3b's masq_v4 element of a Namespaced network. */
    static SetElement namespacedMasq(NamespacedNet n) {
        return SetElement.of(n.veth2Ip(), NamespacedNet.IFACE);
    }

    private static void configureInside(NamespacedNet n, Netns ns) {
        Tap.create(NamespacedNet.TAP, TapOptions.DEFAULT, ns);
        try (Rtnl inner = ns.call(Rtnl::open); NftConnection innerNft = ns.call(NftConnection::open)) {
            Link veth2 = inner.link(NamespacedNet.VETH2).orElseThrow();
            inner.addAddress(veth2, n.veth2Ip(), NamespacedNet.PREFIX);
            inner.setUp(veth2, true);
            Link tap = inner.link(NamespacedNet.TAP).orElseThrow();
            inner.addAddress(tap, NamespacedNet.TAP_IP.address(), NamespacedNet.TAP_IP.prefixLength());
            inner.setUp(tap, true);
            inner.addRoute(InetAddress.ofLiteral("0.0.0.0"), 0, n.veth1Ip());
            ns.call(() -> {
                Rtnl.setForwarding(IpFamily.INET, "all", true);
                return null;
            });
            innerNft.commit(new NftBatch()
                    .addTable(FcnetTable.table(NftFamily.IP))
                    .addChain(FcnetTable.postroutingChain(NftFamily.IP))
                    .addRule(n.snat()));
        }
    }

    /**
     * Removes one network whatever part of it exists: the host veth end first (synchronously, so
     * its destruction does not spill into the next timed operation; it takes veth0 along), then
     * the netns, then the host rules.
     */
    static void removeNamespaced(HostNetns h, NamespacedNet n) {
        deleteLinkIfPresent(h.rtnl, n.veth1());
        if (Netns.exists(n.netns())) Netns.delete(n.netns());
        deleteRules(h.nft, List.of(n.masquerade(), n.ingress(), n.egress()));
    }

    /**
     * Removes networks made one by one (their host ends in no group of their own): each veth pair
     * synchronously, so its destruction does not run into the next timed operation, then each
     * netns, then their host part in one transaction.
     */
    static void removeNamespacedSerial(HostNetns h, List<NamespacedNet> nets, boolean sets) {
        for (NamespacedNet n : nets) {
            deleteLinkIfPresent(h.rtnl, n.veth1());
            if (Netns.exists(n.netns())) Netns.delete(n.netns());
        }
        if (sets) {
            h.tools.feed(SetsText.namespaced("delete", nets), "nft", "-f", "-");
            return;
        }
        List<Rule> rules = new ArrayList<>(3 * nets.size());
        for (NamespacedNet n : nets) rules.addAll(List.of(n.masquerade(), n.ingress(), n.egress()));
        deleteRules(h.nft, rules);
    }

    /** Removes networks whose host ends are in {@code group}: one {@code ip link del group}, their netns, one nft transaction. */
    static void removeNamespacedBulk(HostNetns h, List<NamespacedNet> nets, int group, boolean sets) {
        if (nets.isEmpty()) return;
        h.tools.run("ip", "link", "del", "group", Integer.toString(group));
        StringBuilder s = new StringBuilder();
        List<Rule> rules = new ArrayList<>(3 * nets.size());
        for (NamespacedNet n : nets) {
            s.append("netns del ").append(n.netns()).append('\n');
            rules.add(n.masquerade());
            rules.add(n.ingress());
            rules.add(n.egress());
        }
        h.tools.feed(s.toString(), "ip", "-batch", "-");
        if (sets) h.tools.feed(SetsText.namespaced("delete", nets), "nft", "-f", "-");
        else deleteRules(h.nft, rules);
    }

    /** Deletes the link if it exists; one already on its way out (its netns was deleted) may vanish meanwhile. */
    private static void deleteLinkIfPresent(Rtnl rtnl, String name) {
        try {
            rtnl.deleteLink(name);
        } catch (NetlinkException e) {
            if (e.errno() != Errno.ENODEV) throw e;
        }
    }

    // ---- rules

    /**
     * The handles of {@code rules} in table ip fcnet (each looked for in its own chain, one dump
     * per chain); rules not found are left out.
     */
    static Map<Rule, Long> handles(NftConnection nft, Collection<Rule> rules) {
        Map<String, Map<List<Expr>, Rule>> byChain = new HashMap<>();
        for (Rule r : rules) byChain.computeIfAbsent(r.chain(), c -> new HashMap<>()).put(r.exprs(), r);
        Map<Rule, Long> found = new HashMap<>();
        for (Map.Entry<String, Map<List<Expr>, Rule>> chain : byChain.entrySet()) {
            for (Rule dumped : nft.rules(NftFamily.IP, FcnetTable.TABLE, chain.getKey())) {
                Rule wanted = chain.getValue().get(dumped.exprs());
                if (wanted != null) found.put(wanted, dumped.handle());
            }
        }
        return found;
    }

    /** Deletes whichever of {@code rules} exist, in one transaction. */
    static void deleteRules(NftConnection nft, Collection<Rule> rules) {
        NftBatch batch = new NftBatch();
        handles(nft, rules).forEach((rule, handle) -> batch.deleteRule(rule.withHandle(handle)));
        if (!batch.isEmpty()) nft.commit(batch);
    }
}
