package dev.fcnet.bench;

import dev.fcnet.netns.Netns;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftConnection;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.rtnl.RtnlBatch;
import dev.fcnet.tun.Tap;
import dev.fcnet.tun.TapOptions;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The kernel floor of {@link PoolBench}'s burst (issue 16): the kernel work of a burst of
 * {@link NamespacedNet} Adds with the library's netlink layers and no engine, by as many threads as
 * the burst has connections, every network in as few requests as the kernel takes, the host rules
 * of all of them in one nftables transaction at the end.
 *
 * <ul>
 *   <li>{@link #make}, no pool: per network an anonymous netns with its tap (held until up), the
 *       veth pair made from the host with its peer in the netns, host end address and up (one
 *       datagram), inside: addresses, forwarding and up (one datagram), default route, the netns'
 *       table, chain and rule (one transaction), then the netns mounted under its name.
 *   <li>{@link #take}, pool: the same networks made of slots made ahead ({@link #makeSlots},
 *       untimed: netns under a pool name, tap {@code tap0} attached and veth {@code veth0} inside,
 *       host end {@code fcpID}), so per network what a take cannot avoid: the host end renamed,
 *       addressed and up (one datagram), the same inside, and the netns moved from its pool name
 *       to its own (umount, then bind mount).
 * </ul>
 */
final class PoolFloor implements AutoCloseable {
    /** The link group of the floor's host ends, removed at once afterwards. */
    static final int GROUP = Kernel.PRESENT_GROUP + 2;

    /** A slot made ahead: its netns (a handle and its pool name), host end and the tap's handle. */
    private record Slot(NamespacedNet net, Netns netns, String hostEnd, Tap tap) {}

    private final HostNetns h;
    private final List<NamespacedNet> nets = new ArrayList<>();
    private final List<Slot> slots = new ArrayList<>();
    /** One host socket per thread. */
    private final List<Rtnl> hostSockets = new ArrayList<>();
    private final ExecutorService threads = Executors.newFixedThreadPool(DaemonBulkBench.CONNECTIONS);

    PoolFloor(HostNetns h, int count) {
        this.h = h;
        for (int i = 0; i < count; i++) nets.add(new NamespacedNet(i));
        for (int t = 0; t < DaemonBulkBench.CONNECTIONS; t++) hostSockets.add(h.netns().call(Rtnl::open));
    }

    /** Untimed: a slot per network, as the clone pool makes them. */
    void makeSlots() {
        for (NamespacedNet n : nets) {
            String id = HexFormat.of().toHexDigits(n.id());
            String hostEnd = "fcp" + id;
            Netns netns = Netns.createAnonymous();
            Tap tap = Tap.open(NamespacedNet.TAP, TapOptions.DEFAULT, netns);
            tap.persist();
            h.rtnl.createVeth(hostEnd, NamespacedNet.VETH2, netns.fd());
            h.rtnl.send(new RtnlBatch().setGroup(h.rtnl.link(hostEnd).orElseThrow(), GROUP));
            netns.mountAs("fcpool-" + id);
            slots.add(new Slot(n, netns, hostEnd, tap));
        }
    }

    /** The burst without a pool. */
    void make() throws Exception {
        parallel((i, host) -> {
            NamespacedNet n = nets.get(i);
            try (Netns netns = Netns.createAnonymous(); Tap tap = Tap.open(NamespacedNet.TAP, TapOptions.DEFAULT, netns)) {
                tap.persist();
                host.createVeth(n.veth1(), NamespacedNet.VETH2, netns.fd());
                Link end = host.link(n.veth1()).orElseThrow();
                host.send(new RtnlBatch().setGroup(end, GROUP).addAddress(end, n.veth1Ip(), NamespacedNet.PREFIX).setUp(end, true));
                netns.call(() -> inside(n));
                netns.mountAs(n.netns());
            }
        });
        hostRules();
    }

    /** The burst from the slots {@link #makeSlots} made. */
    void take() throws Exception {
        parallel((i, host) -> {
            Slot s = slots.get(i);
            NamespacedNet n = s.net();
            try (Netns netns = s.netns(); Tap tap = s.tap()) {
                Link end = host.link(s.hostEnd()).orElseThrow();
                host.send(new RtnlBatch().rename(end, n.veth1()).addAddress(end, n.veth1Ip(), NamespacedNet.PREFIX).setUp(end, true));
                netns.call(() -> inside(n));
                netns.rename(n.netns());
            }
        });
        slots.clear();
        hostRules();
    }

    /** Inside a network's netns, on a thread there. */
    private static Void inside(NamespacedNet n) {
        try (Rtnl in = Rtnl.open(); NftConnection nft = NftConnection.open()) {
            Map<String, Link> links = in.links().stream().collect(Collectors.toMap(Link::name, Function.identity()));
            Link veth2 = links.get(NamespacedNet.VETH2);
            Link tap = links.get(NamespacedNet.TAP);
            in.send(new RtnlBatch().addrGenModeNone(veth2).setIpv4Forwarding(veth2, true)
                    .addAddress(veth2, n.veth2Ip(), NamespacedNet.PREFIX).setUp(veth2, true)
                    .addrGenModeNone(tap).setIpv4Forwarding(tap, true)
                    .addAddress(tap, NamespacedNet.TAP_IP.address(), NamespacedNet.TAP_IP.prefixLength()).setUp(tap, true));
            in.addRoute(InetAddress.ofLiteral("0.0.0.0"), 0, n.veth1Ip());
            nft.commit(new NftBatch().addTable(FcnetTable.table(NftFamily.IP)).addChain(FcnetTable.postroutingChain(NftFamily.IP))
                    .addRule(n.snat()));
        }
        return null;
    }

    private void hostRules() {
        NftBatch batch = new NftBatch();
        for (NamespacedNet n : nets) batch.addRule(n.masquerade()).addRule(n.ingress()).addRule(n.egress());
        h.nft.commit(batch);
    }

    private interface Work {
        void run(int index, Rtnl host) throws Exception;
    }

    /** Network {@code i} by thread {@code i % threads}, each with its own host socket. */
    private void parallel(Work work) throws Exception {
        List<Future<?>> running = new ArrayList<>();
        int n = DaemonBulkBench.CONNECTIONS;
        for (int t = 0; t < n; t++) {
            int first = t;
            Rtnl host = hostSockets.get(t);
            running.add(threads.submit(() -> {
                for (int i = first; i < nets.size(); i += n) work.run(i, host);
                return null;
            }));
        }
        for (Future<?> f : running) f.get();
    }

    /** Untimed: every network and slot gone (host ends by their group, the netns by name), and the host rules. */
    void remove() {
        h.rtnl.deleteGroup(GROUP);
        for (Slot s : slots) {
            s.tap().close();
            s.netns().close();
        }
        slots.clear();
        for (NamespacedNet n : nets) {
            if (Netns.exists(n.netns())) Netns.delete(n.netns());
            String pool = "fcpool-" + HexFormat.of().toHexDigits(n.id());
            if (Netns.exists(pool)) Netns.delete(pool);
        }
        List<Rule> rules = new ArrayList<>();
        for (NamespacedNet n : nets) rules.addAll(List.of(n.masquerade(), n.ingress(), n.egress()));
        Kernel.deleteRules(h.nft, rules);
    }

    @Override
    public void close() {
        threads.shutdownNow();
        hostSockets.forEach(Rtnl::close);
    }
}
