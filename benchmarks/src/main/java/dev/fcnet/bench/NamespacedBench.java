package dev.fcnet.bench;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.AddResult;
import dev.fcnet.engine.CheckReport;
import dev.fcnet.engine.DeleteResult;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.Link;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Namespaced V4 networks (no forwarded guest IP): Add, Delete and Check latency per network with
 * {@code present} namespaced networks already on the host, the same four ways and the same
 * method as {@link SimpleBench}. The floor here is an upper bound: see {@link Floor#addNamespaced}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 6, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class NamespacedBench {
    /** Networks per kernel-floor invocation (each costs two processes inside its netns anyway). */
    static final int FLOOR_BATCH = 20;

    /**
     * The host: eth0, the fcnet table and chains, and {@code present} namespaced networks, their
     * host part as §3's rules or (ruleset {@code sets}) §3b's sets, fixed rules and elements.
     * 100 present are measured with the fcnet ruleset only ({@link RulesetParam}).
     */
    @State(Scope.Benchmark)
    public static class Host {
        @Param({"0", "100", "1000"})
        public int present;

        @Param({"fcnet", "sets"})
        public String ruleset;

        HostNetns h;
        boolean sets;
        private List<NamespacedNet> presentNets;
        private int nextId;
        private int nextGroup = Kernel.PRESENT_GROUP + 1;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            sets = RulesetParam.sets(ruleset, params, present, Set.of(), Set.of(100));
            h = HostNetns.create();
            if (sets) h.tools.feed(SetsText.fixed(), "nft", "-f", "-");
            presentNets = fresh(present);
            long start = System.nanoTime();
            Kernel.addNamespacedBulk(h, presentNets, Kernel.PRESENT_GROUP, sets);
            System.out.printf("%n%,d present networks (%s ruleset) made in %.1f s%n", present, ruleset, (System.nanoTime() - start) / 1e9);
        }

        /** Veth pairs synchronously and every netns, so their destruction does not run into the next benchmark's JVM. */
        @TearDown(Level.Trial)
        public void tearDown() {
            Kernel.removeNamespacedBulk(h, presentNets, Kernel.PRESENT_GROUP, sets);
            h.close();
        }

        NamespacedNet fresh() {
            return new NamespacedNet(nextId++);
        }

        List<NamespacedNet> fresh(int count) {
            List<NamespacedNet> nets = new ArrayList<>(count);
            for (int i = 0; i < count; i++) nets.add(fresh());
            return nets;
        }

        int group() {
            return nextGroup++;
        }
    }

    /** A network that does not exist yet; whatever the timed Add made of it is removed afterwards. */
    @State(Scope.Thread)
    public static class NewNet {
        NamespacedNet net;
        FirecrackerNetwork network;

        @Setup(Level.Invocation)
        public void take(Host host) {
            net = host.fresh();
            network = net.network();
        }

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            Kernel.removeNamespaced(host.h, net);
        }
    }

    /** A network that does not exist yet, for the engine's Add; removed afterwards by the engine ({@link EngineFixtures}). */
    @State(Scope.Thread)
    public static class EngineNewNet {
        FirecrackerNetwork network;

        @Setup(Level.Invocation)
        public void take(Host host) {
            network = host.fresh().network();
        }

        @TearDown(Level.Invocation)
        public void remove(Engine e) {
            EngineFixtures.removeAdded(e.engine, network);
        }
    }

    /** A network the engine makes before its timed Delete ({@link EngineFixtures}). */
    @State(Scope.Thread)
    public static class EngineOldNet {
        FirecrackerNetwork network;

        @Setup(Level.Invocation)
        public void make(Host host, Engine e) {
            network = host.fresh().network();
            EngineFixtures.addForDelete(e.engine, network);
        }
    }

    /** A network made before the timed Delete; what the Delete left behind is removed afterwards. */
    @State(Scope.Thread)
    public static class OldNet {
        NamespacedNet net;
        FirecrackerNetwork network;

        @Setup(Level.Invocation)
        public void make(Host host) {
            net = host.fresh();
            network = net.network();
            Kernel.addNamespacedDirect(host.h, net);
        }

        /** fcnet's and the shell's Delete leave veth1 to die with the netns; wait for that here, untimed. */
        @TearDown(Level.Invocation)
        public void remove(Host host) {
            Kernel.removeNamespaced(host.h, net);
        }
    }

    /**
     * {@link #FLOOR_BATCH} networks the engine makes (in bulk) before its timed sustained Delete,
     * as many as the floor deletes per invocation ({@link EngineFixtures#addBatchForDelete}).
     */
    @State(Scope.Thread)
    public static class EngineOldBatch {
        List<FirecrackerNetwork> networks;

        @Setup(Level.Invocation)
        public void make(Host host, Engine e) {
            networks = EngineFixtures.addBatchForDelete(e.engine, () -> host.fresh().network(), FLOOR_BATCH);
        }
    }

    /** {@link #FLOOR_BATCH} networks that do not exist yet, their host veth ends in a link group of their own. */
    @State(Scope.Thread)
    public static class NewBatch {
        List<NamespacedNet> nets;
        int group;

        @Setup(Level.Invocation)
        public void take(Host host) {
            nets = host.fresh(FLOOR_BATCH);
            group = host.group();
        }

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            Kernel.removeNamespacedBulk(host.h, nets, group, host.sets);
        }
    }

    /**
     * {@link #FLOOR_BATCH} networks made in bulk, with the {@code nft -f} text deleting their host
     * rules by handle (sets ruleset: their elements).
     */
    @State(Scope.Thread)
    public static class OldBatch {
        List<NamespacedNet> nets;
        int group;
        String deleteRules;

        @Setup(Level.Invocation)
        public void make(Host host) {
            nets = host.fresh(FLOOR_BATCH);
            group = host.group();
            Kernel.addNamespacedBulk(host.h, nets, group, host.sets);
            if (host.sets) {
                deleteRules = SetsText.namespaced("delete", nets);
                return;
            }
            List<Rule> rules = new ArrayList<>();
            for (NamespacedNet n : nets) {
                rules.add(n.masquerade());
                rules.add(n.ingress());
                rules.add(n.egress());
            }
            deleteRules = Floor.deleteRulesText(Kernel.handles(host.h.nft, rules), rules);
        }
    }

    /** {@link #FLOOR_BATCH} networks that do not exist yet, for the serial floor; removed afterwards, their veth pairs synchronously. */
    @State(Scope.Thread)
    public static class NewSerialBatch {
        List<NamespacedNet> nets;

        @Setup(Level.Invocation)
        public void take(Host host) {
            nets = host.fresh(FLOOR_BATCH);
        }

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            Kernel.removeNamespacedSerial(host.h, nets, host.sets);
        }
    }

    /**
     * {@link #FLOOR_BATCH} networks made in bulk, for the serial floor: each one's host part as
     * its own deleting transaction (rules by known handles, or elements), and a link group of its
     * own to retire their host veth ends into.
     */
    @State(Scope.Thread)
    public static class OldSerialBatch {
        List<NamespacedNet> nets;
        List<NftBatch> deleteHostParts;
        int retiredGroup;

        @Setup(Level.Invocation)
        public void make(Host host) {
            nets = host.fresh(FLOOR_BATCH);
            Kernel.addNamespacedBulk(host.h, nets, host.group(), host.sets);
            deleteHostParts = new ArrayList<>(nets.size());
            Map<Rule, Long> handles = Map.of();
            if (!host.sets) {
                List<Rule> rules = new ArrayList<>();
                for (NamespacedNet n : nets) rules.addAll(List.of(n.masquerade(), n.ingress(), n.egress()));
                handles = Kernel.handles(host.h.nft, rules);
            }
            for (NamespacedNet n : nets) {
                deleteHostParts.add(host.sets
                        ? new NftBatch().deleteElements(Kernel.MASQ_V4, List.of(Kernel.namespacedMasq(n)))
                                .deleteElements(Kernel.FWD_PAIRS, Kernel.namespacedPairs(n))
                        : new NftBatch().deleteRule(n.masquerade().withHandle(handles.get(n.masquerade())))
                                .deleteRule(n.ingress().withHandle(handles.get(n.ingress())))
                                .deleteRule(n.egress().withHandle(handles.get(n.egress()))));
            }
            retiredGroup = host.group();
        }
    }

    /** The network Check reads, made once. */
    @State(Scope.Benchmark)
    public static class Target {
        NamespacedNet net;
        FirecrackerNetwork network;

        @Setup(Level.Trial)
        public void make(Host host) {
            net = host.fresh();
            network = net.network();
            Kernel.addNamespacedDirect(host.h, net);
        }
    }

    /** One engine for the trial, kept as an embedding VMM host keeps it, with the scratch netns as its host; warmed up. */
    @State(Scope.Benchmark)
    public static class Engine {
        static final int WARM_UP = 300;
        FcnetEngine engine;

        @Setup(Level.Trial)
        public void open(Host host) {
            engine = FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.h.path()).withRuleset(RulesetParam.kind(host.sets)));
            EngineFixtures.warmUp(engine, () -> host.fresh().network(), WARM_UP);
        }

        @TearDown(Level.Trial)
        public void close() {
            engine.close();
        }
    }

    // ---- Add

    @Benchmark
    public void addShell(NewNet n, Host host) {
        ShellWay.addNamespaced(host.h, n.net);
    }

    @Benchmark
    public void addFcnet(NewNet n, Host host) {
        FcnetWay.addNamespaced(host.h, n.net);
    }

    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void addFloor(NewBatch b, Host host) {
        Floor.addNamespaced(host.h, b.nets, b.group, host.sets);
    }

    /**
     * The kernel work of {@link #addOurs} with no library around it, network by network
     * ({@link Kernel#addNamespacedDirect}, no process): what of the engine's growth with the
     * networks present, and of its distance to {@link #addFloor}, is the kernel's.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void addSerialFloor(NewSerialBatch b, Host host) {
        for (NamespacedNet n : b.nets) Kernel.addNamespacedDirect(host.h, n, host.sets);
    }

    @Benchmark
    public AddResult addOurs(EngineNewNet n, Engine e, Allocation a) {
        return a.measure(() -> e.engine.add(n.network));
    }

    // ---- Delete

    @Benchmark
    public void deleteShell(OldNet n, Host host) {
        ShellWay.deleteNamespaced(host.h, n.net);
    }

    @Benchmark
    public void deleteFcnet(OldNet n, Host host) {
        FcnetWay.deleteNamespaced(host.h, n.net);
    }

    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void deleteFloor(OldBatch b, Host host) {
        Floor.deleteNamespaced(host.h, b.nets, b.group, b.deleteRules);
    }

    @Benchmark
    public DeleteResult deleteOurs(EngineOldNet n, Engine e, Allocation a) {
        return a.measure(() -> e.engine.delete(n.network));
    }

    /**
     * Sustained Delete (DESIGN §7): {@link #FLOOR_BATCH} single Deletes back to back and the
     * destruction of their links, nothing excluded; against {@link #deleteFloor}, per network.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void deleteSustainedOurs(EngineOldBatch b, Engine e) {
        EngineFixtures.deleteSustained(e.engine, b.networks);
    }

    /**
     * The kernel work of {@link #deleteSustainedOurs} with no library around it, network by
     * network: the host veth end looked up by name and retired as the engine retires it (address
     * removed, down, renamed, moved to a group: one request), the netns deleted, the host part
     * deleted (one nft transaction); then the group destroyed in one request.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void deleteSerialFloor(OldSerialBatch b, Host host) {
        deleteSerially(b, host, false);
        host.h.rtnl.deleteGroup(b.retiredGroup);
    }

    /**
     * {@link #deleteSerialFloor} with the group destroyed after each network instead of once at the
     * end, as the engine's graveyard destroys whatever is retired as soon as it can: what destroying
     * one veth pair at a time costs the kernel with the namespaces present.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void deleteSerialEachFloor(OldSerialBatch b, Host host) {
        deleteSerially(b, host, true);
    }

    /** The serial floors' Deletes, network by network; the group destroyed after each one with {@code destroyEach}. */
    private static void deleteSerially(OldSerialBatch b, Host host, boolean destroyEach) {
        for (int i = 0; i < b.nets.size(); i++) {
            NamespacedNet n = b.nets.get(i);
            Link link = host.h.rtnl.link(n.veth1()).orElseThrow();
            host.h.rtnl.retire(link, n.veth1Ip(), NamespacedNet.PREFIX, "fcg" + link.index(), b.retiredGroup);
            Netns.delete(n.netns());
            host.h.nft.commit(b.deleteHostParts.get(i));
            if (destroyEach) host.h.rtnl.deleteGroup(b.retiredGroup);
        }
    }

    // ---- Check

    @Benchmark
    public void checkShell(Target t, Host host) {
        ShellWay.checkNamespaced(host.h, t.net);
    }

    @Benchmark
    public void checkFcnet(Target t, Host host) {
        FcnetWay.checkNamespaced(host.h, t.net);
    }

    @Benchmark
    public CheckReport checkOurs(Target t, Engine e, Allocation a) {
        return a.measure(() -> e.engine.check(t.network).requireClean());
    }
}
