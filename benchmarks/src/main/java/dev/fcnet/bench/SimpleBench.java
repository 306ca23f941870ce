package dev.fcnet.bench;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.AddResult;
import dev.fcnet.engine.CheckReport;
import dev.fcnet.engine.DeleteResult;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.Outcome;
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
 * Simple V4 networks: Add, Delete and Check latency per network with {@code present} networks
 * already on the host, four ways (DESIGN §7): the shell way, fcnet's way, the kernel floor and
 * ours (the engine).
 *
 * <p>Method. Add and Delete change the host, so each invocation gets a network of its own from
 * untimed per-invocation fixtures: Add takes a fresh one and removes it after the timed call;
 * Delete has one made before the timed call (with the library's layers, no process). JMH times
 * only the benchmark method. The floor invocations add or delete {@link #FLOOR_BATCH} networks
 * with one {@code ip -batch} (deletion: {@code ip link del group G}) and one {@code nft -f}
 * transaction, and count as that many operations. Check reads one network made at trial start.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 6, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class SimpleBench {
    /** Networks per kernel-floor invocation: enough to amortise the two processes to a few µs each. */
    static final int FLOOR_BATCH = 100;

    /**
     * The host: eth0, the fcnet table and chains, and {@code present} networks made in bulk, with
     * §3's rules or (ruleset {@code sets}) §3b's sets, fixed rules and elements, as the engine of
     * that ruleset would have made them. 50,000 present are measured with the sets ruleset only
     * and 1,000 with the fcnet ruleset only ({@link RulesetParam}).
     */
    @State(Scope.Benchmark)
    public static class Host {
        @Param({"0", "1000", "10000", "50000"})
        public int present;

        @Param({"fcnet", "sets"})
        public String ruleset;

        HostNetns h;
        boolean sets;
        private int nextId;
        private int nextGroup = Kernel.PRESENT_GROUP + 1;

        @Setup(Level.Trial)
        public void setUp(BenchmarkParams params) {
            sets = RulesetParam.sets(ruleset, params, present, Set.of(50_000), Set.of(1_000));
            h = HostNetns.create();
            if (sets) h.tools.feed(SetsText.fixed(), "nft", "-f", "-");
            long start = System.nanoTime();
            Kernel.addSimpleBulk(h, fresh(present), Kernel.PRESENT_GROUP, sets);
            // Making 50,000 taps takes a while: the log says how long, once per trial.
            System.out.printf("%n%,d present networks (%s ruleset) made in %.1f s%n", present, ruleset, (System.nanoTime() - start) / 1e9);
        }

        /** Synchronously, so the destruction of thousands of taps does not run into the next benchmark's JVM. */
        @TearDown(Level.Trial)
        public void tearDown() {
            if (present > 0) h.tools.run("ip", "link", "del", "group", Integer.toString(Kernel.PRESENT_GROUP));
            h.close();
        }

        SimpleNet fresh() {
            return new SimpleNet(nextId++);
        }

        List<SimpleNet> fresh(int count) {
            List<SimpleNet> nets = new ArrayList<>(count);
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
        SimpleNet net;
        FirecrackerNetwork network;

        @Setup(Level.Invocation)
        public void take(Host host) {
            net = host.fresh();
            network = net.network();
        }

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            Kernel.removeSimple(host.h, net);
        }
    }

    /** A network made before the timed Delete. */
    @State(Scope.Thread)
    public static class OldNet {
        SimpleNet net;
        FirecrackerNetwork network;

        @Setup(Level.Invocation)
        public void make(Host host) {
            net = host.fresh();
            network = net.network();
            Kernel.addSimpleDirect(host.h, net);
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

    /**
     * {@link #FLOOR_BATCH} networks that do not exist yet, for the engine's sustained Add; removed
     * afterwards by the engine in bulk, their links' destruction awaited ({@link EngineFixtures}).
     */
    @State(Scope.Thread)
    public static class EngineNewBatch {
        List<FirecrackerNetwork> networks;

        @Setup(Level.Invocation)
        public void take(Host host) {
            networks = new ArrayList<>(FLOOR_BATCH);
            for (int i = 0; i < FLOOR_BATCH; i++) networks.add(host.fresh().network());
        }

        @TearDown(Level.Invocation)
        public void remove(Engine e) {
            EngineFixtures.removeAddedBatch(e.engine, networks);
        }
    }

    /** How many networks {@link #addBulkOurs} works on at once: the engine's default, or one. */
    @State(Scope.Benchmark)
    public static class Bulk {
        @Param({"default", "1"})
        public String parallelism;

        int parallelism() {
            return parallelism.equals("default") ? FcnetEngine.BULK_PARALLELISM : Integer.parseInt(parallelism);
        }
    }

    /** One network that does not exist yet, in a link group of its own; destroyed afterwards (untimed). */
    @State(Scope.Thread)
    public static class NewSingle {
        SimpleNet net;
        int group;

        @Setup(Level.Invocation)
        public void take(Host host) {
            net = host.fresh();
            group = host.group();
        }

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            Kernel.removeSimpleBulk(host.h, List.of(net), group, host.sets);
        }
    }

    /** {@link #FLOOR_BATCH} networks that do not exist yet, in a link group of their own. */
    @State(Scope.Thread)
    public static class NewBatch {
        List<SimpleNet> nets;
        int group;

        @Setup(Level.Invocation)
        public void take(Host host) {
            nets = host.fresh(FLOOR_BATCH);
            group = host.group();
        }

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            Kernel.removeSimpleBulk(host.h, nets, group, host.sets);
        }
    }

    /**
     * {@link #FLOOR_BATCH} networks made in bulk, with the {@code nft -f} text deleting their rules
     * by handle (sets ruleset: their elements).
     */
    @State(Scope.Thread)
    public static class OldBatch {
        int group;
        String deleteRules;

        @Setup(Level.Invocation)
        public void make(Host host) {
            List<SimpleNet> nets = host.fresh(FLOOR_BATCH);
            group = host.group();
            Kernel.addSimpleBulk(host.h, nets, group, host.sets);
            if (host.sets) {
                deleteRules = SetsText.simple("delete", nets);
                return;
            }
            List<Rule> rules = new ArrayList<>();
            for (SimpleNet n : nets) {
                rules.add(n.masquerade());
                rules.add(n.forward());
            }
            deleteRules = Floor.deleteRulesText(Kernel.handles(host.h.nft, rules), rules);
        }
    }

    /**
     * {@link #FLOOR_BATCH} networks made in bulk, for the serial floor: each one's host part as
     * its own deleting transaction (rules by known handles, or elements), and a link group of its
     * own to retire them into.
     */
    @State(Scope.Thread)
    public static class OldSerialBatch {
        List<SimpleNet> nets;
        List<NftBatch> deleteRules;
        int retiredGroup;

        @Setup(Level.Invocation)
        public void make(Host host) {
            nets = host.fresh(FLOOR_BATCH);
            Kernel.addSimpleBulk(host.h, nets, host.group(), host.sets);
            deleteRules = new ArrayList<>(nets.size());
            if (host.sets) {
                for (SimpleNet n : nets) {
                    deleteRules.add(new NftBatch().deleteElements(Kernel.MASQ_V4, List.of(Kernel.simpleMasq(n)))
                            .deleteElements(Kernel.FWD_PAIRS, List.of(Kernel.simplePair(n))));
                }
                retiredGroup = host.group();
                return;
            }
            List<Rule> rules = new ArrayList<>();
            for (SimpleNet n : nets) {
                rules.add(n.masquerade());
                rules.add(n.forward());
            }
            Map<Rule, Long> handles = Kernel.handles(host.h.nft, rules);
            for (SimpleNet n : nets) {
                deleteRules.add(new NftBatch().deleteRule(n.masquerade().withHandle(handles.get(n.masquerade())))
                        .deleteRule(n.forward().withHandle(handles.get(n.forward()))));
            }
            retiredGroup = host.group();
        }
    }

    /** The network Check reads, made once. */
    @State(Scope.Benchmark)
    public static class Target {
        SimpleNet net;
        FirecrackerNetwork network;

        @Setup(Level.Trial)
        public void make(Host host) {
            net = host.fresh();
            network = net.network();
            Kernel.addSimpleDirect(host.h, net);
        }
    }

    /** One engine for the trial, kept as an embedding VMM host keeps it, with the scratch netns as its host; warmed up. */
    @State(Scope.Benchmark)
    public static class Engine {
        static final int WARM_UP = 2_000;
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
        ShellWay.addSimple(host.h, n.net);
    }

    @Benchmark
    public void addFcnet(NewNet n, Host host) {
        FcnetWay.addSimple(host.h, n.net);
    }

    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void addFloor(NewBatch b, Host host) {
        Kernel.addSimpleBulk(host.h, b.nets, b.group, host.sets);
    }

    /**
     * The kernel work of {@link #addOurs} with no library around it, network by network
     * ({@link Kernel#addSimpleSerial}): what of the engine's distance to the batched
     * {@link #addFloor} is the kernel's, for requests that one Add cannot share with others.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void addSerialFloor(NewBatch b, Host host) {
        for (SimpleNet n : b.nets) Kernel.addSimpleSerial(host.h, n, b.group, host.sets);
    }

    @Benchmark
    public AddResult addOurs(EngineNewNet n, Engine e, Allocation a) {
        return a.measure(() -> e.engine.add(n.network));
    }

    /**
     * Sustained Add: {@link #FLOOR_BATCH} single Adds back to back, as {@link #addSerialFloor}
     * makes its networks; against it and {@link #addFloor}, per network. {@link #addOurs} times
     * one Add after the previous one's removal and destruction.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void addSustainedOurs(EngineNewBatch b, Engine e) {
        for (FirecrackerNetwork network : b.networks) e.engine.add(network);
    }

    /**
     * The same {@link #FLOOR_BATCH} networks in one {@code addAll}: what the engine makes of work
     * it can share between networks, against {@link #addFloor}, per network.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void addBulkOurs(EngineNewBatch b, Engine e, Bulk bulk) {
        for (Outcome<AddResult> o : e.engine.addAll(b.networks, bulk.parallelism())) o.orThrow();
    }

    /**
     * The kernel work of one Add ({@link Kernel#addSimpleSerial}) alone per invocation, after the
     * previous invocation's network was destroyed, as {@link #addOurs} runs: against
     * {@link #addSerialFloor} (the same work back to back), what a lone Add pays the kernel for
     * coming right after a destruction.
     */
    @Benchmark
    public void addSingleFloor(NewSingle n, Host host) {
        Kernel.addSimpleSerial(host.h, n.net, n.group, host.sets);
    }

    // ---- Delete

    @Benchmark
    public void deleteShell(OldNet n, Host host) {
        ShellWay.deleteSimple(host.h, n.net);
    }

    @Benchmark
    public void deleteFcnet(OldNet n, Host host) {
        FcnetWay.deleteSimple(host.h, n.net);
    }

    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void deleteFloor(OldBatch b, Host host) {
        Floor.deleteGroup(host.h, b.group, b.deleteRules);
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
     * network (nothing shared between networks, as back-to-back single Deletes cannot share it):
     * per network the link looked up by name, retired as the engine retires it (address removed,
     * down, renamed, moved to a group: one request) and its two rules deleted by known handles
     * (one nft transaction); then the group destroyed in one request. It shows what of the
     * sustained Delete's distance to the batched {@link #deleteFloor} is the kernel's.
     */
    @Benchmark
    @OperationsPerInvocation(FLOOR_BATCH)
    public void deleteSerialFloor(OldSerialBatch b, Host host) {
        for (int i = 0; i < b.nets.size(); i++) {
            SimpleNet n = b.nets.get(i);
            Link link = host.h.rtnl.link(n.tap()).orElseThrow();
            host.h.rtnl.retire(link, n.tapIp(), SimpleNet.PREFIX, "fcg" + link.index(), b.retiredGroup);
            host.h.nft.commit(b.deleteRules.get(i));
        }
        host.h.rtnl.deleteGroup(b.retiredGroup);
    }

    // ---- Check

    @Benchmark
    public void checkShell(Target t, Host host) {
        ShellWay.checkSimple(host.h, t.net);
    }

    @Benchmark
    public void checkFcnet(Target t, Host host) {
        FcnetWay.checkSimple(host.h, t.net);
    }

    @Benchmark
    public CheckReport checkOurs(Target t, Engine e, Allocation a) {
        return a.measure(() -> e.engine.check(t.network).requireClean());
    }
}
