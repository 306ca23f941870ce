package dev.fcnet.bench;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.client.FcnetdClient;
import dev.fcnet.daemon.EngineService;
import dev.fcnet.daemon.FcnetdServer;
import dev.fcnet.engine.CheckReport;
import dev.fcnet.engine.DeleteMode;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.OperationResult;
import dev.fcnet.engine.Outcome;
import dev.fcnet.netns.Netns;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Issue 8: a fleet of {@code clones} namespaced clone networks ({@link Fleet#clone}) added,
 * checked and deleted in bulk, on a fresh scratch host netns per iteration. One invocation is a
 * whole cycle (its score, in seconds, includes the memory readings between the phases); the
 * figures of the issue are its auxiliary counters, timed phase by phase:
 *
 * <ul>
 *   <li>{@link #engine}: {@code addAll} in three calls (the first 100, the middle, the last 100:
 *       per-network latency of the first and last 100), {@code checkAll} (every report clean),
 *       {@code deleteAll(STRICT)} in three calls the same way (the first 100 deleted are those
 *       with all present), then {@code awaitDestruction}; JVM heap after GC and the kernel's
 *       MemAvailable and Slab per network, with all of them present.
 *   <li>{@link #threads}: the engine as a host's threads use it, one network per call: single
 *       {@code add}, {@code check} and {@code delete(STRICT)} from {@link #THREADS} threads at
 *       once (the engine batches calls that arrive together); latency is per call, of the first
 *       and last 100.
 *   <li>{@link #daemon}: the same through fcnetd's protocol: an {@link FcnetdServer} sharing one
 *       engine, driven by {@code connections} {@link FcnetdClient}s at once (4, no pool: issue
 *       16's goal), one request at a time per connection; latency is per request (as its client
 *       waits for it) of the first and last 100.
 *   <li>{@link #daemonPipelined}: the same connections, each sending its share of the clones
 *       pipelined ({@code FcnetdClient.addAll}, {@code checkAll}, {@code deleteAll}).
 *   <li>{@link #floor}: the kernel floor of the same clones in the same run (DESIGN §7): the host
 *       side of all of them in one {@code ip -batch} (netns add, veth pair with its peer made in
 *       the netns, address, up, the forwarded IP's route), the inside by one {@code ip -batch}
 *       per netns (veth address and up, tap0 with address and up, default route), deleted by one
 *       {@code ip -batch} (the host ends by link group, every netns). It makes no nftables rules
 *       and leaves IPv4 forwarding in the netns off, so it does a little less than the clones
 *       need, but it starts one process per netns (neither tool batches across namespaces).
 *   <li>{@link #paired}: issue 16's goal where the load changes between benchmarks: the engine's
 *       bulk calls, the daemon's connections and the threads one after the other in each
 *       invocation (their order rotating), each adding and deleting all clones.
 *   <li>{@link #fcnetWay}: the baseline of {@link NamespacedBench} for {@code baseline} networks
 *       (a process per step makes 4,000 too slow for the run), per network, without forwarded
 *       guest IP.
 * </ul>
 *
 * The engine, threads and daemon run with either {@code ruleset} (DESIGN §3 or §3b).
 *
 * <p>Between iterations the kernel's asynchronous destruction of the namespaces is waited for
 * (untimed), so it does not run into the next iteration.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
public class FleetBench {
    /** The latency windows: the first and last networks of a bulk call. */
    static final int WINDOW = 100;
    /** Threads calling the engine at once in {@link #threads}. */
    static final int THREADS = 8;
    /** The daemon's socket, on the fork's private /run. */
    static final Path SOCKET = Path.of("/run/fcbench-fcnetd.sock");

    /** A fresh scratch host per iteration, with the clones (and baseline networks) to make. */
    @State(Scope.Benchmark)
    public static class Host {
        @Param({"4000"})
        public int clones;
        @Param({"200"})
        public int baseline;
        /** Networks the engine's bulk calls work on at once (FcnetEngine.BULK_PARALLELISM is 2 on this machine). */
        @Param({"2"})
        public int parallelism;
        /**
         * The engine's ruleset ({@link RulesetParam}): §3's rules, whose every commit costs the kernel
         * time growing with the rules present, or §3b's sets, whose commits do not. The floor and
         * fcnet's way run with {@code fcnet} only: the floor makes no nftables rules at all, so it is
         * the same kernel work for both (a set element costs less than a rule anyway).
         */
        @Param({"fcnet", "sets"})
        public String ruleset;

        HostNetns h;
        boolean sets;
        List<FirecrackerNetwork> networks;
        /** {@link #paired}'s invocations so far (over the iterations): which way goes first. */
        int pairedInvocations;

        @Setup(Level.Iteration)
        public void setUp(BenchmarkParams params) {
            sets = RulesetParam.sets(ruleset, params, 0, Set.of(), Set.of());
            double waited = Fleet.awaitNetnsCleanup();
            if (waited > 2) System.out.printf("(waited %.1f s for the kernel to destroy the last iteration's namespaces)%n", waited);
            h = HostNetns.create();
            // As on a host that has had a network with this ruleset (the engine would make them at its first Add).
            if (sets) h.tools.feed(SetsText.fixed(), "nft", "-f", "-");
            networks = Fleet.clones(clones);
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            h.close();
        }
    }

    /** The engine of one iteration, on its scratch host. */
    @State(Scope.Benchmark)
    public static class Engine {
        FcnetEngine engine;

        @Setup(Level.Iteration)
        public void open(Host host) {
            engine = FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.h.path()).withRuleset(RulesetParam.kind(host.sets)));
        }

        @TearDown(Level.Iteration)
        public void close() {
            engine.close();
        }
    }

    /** The daemon of one iteration: an fcnetd server over the iteration's engine, and its clients. */
    @State(Scope.Benchmark)
    public static class Daemon {
        /** Concurrent client connections. */
        @Param({"4"})
        public int connections;

        InProcessDaemon daemon;
        List<FcnetdClient> clients;

        @Setup(Level.Iteration)
        public void start(Engine e) throws IOException {
            daemon = new InProcessDaemon(SOCKET, new EngineService(e.engine), new InProcessDaemon.Silent(), connections);
            clients = daemon.clients;
        }

        @TearDown(Level.Iteration)
        public void stop() throws IOException, InterruptedException {
            daemon.close();
        }
    }

    /** The engine's figures (auxiliary counters): seconds per phase, ms per network, bytes per network. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class EngineFigures {
        public double addAllS, checkAllS, deleteAllS, destroyS;
        public double addFirstMs, addLastMs, deleteFirstMs, deleteLastMs;
        public double heapPerNet, memAvailablePerNet, slabPerNet;
    }

    /** The figures of the threads and of the daemon: seconds per phase, mean ms per call of the first and last 100. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class CallFigures {
        public double addS, checkS, deleteS, destroyS;
        public double addFirstMs, addLastMs, deleteFirstMs, deleteLastMs;
    }

    /** fcnet's way's figures: ms per network. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class FcnetWayFigures {
        public double addMs, checkMs, deleteMs;
    }

    /** The paired figures: seconds of the bulk calls, the daemon's connections and the threads, Deletes with their destruction. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class PairedFigures {
        public double bulkAddS, bulkDeleteS, daemonAddS, daemonDeleteS, threadsAddS, threadsDeleteS;
    }

    /** The pipelined daemon's figures: seconds per phase. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class PipelinedFigures {
        public double addS, checkS, deleteS, destroyS;
    }

    /** The kernel floor's figures: seconds for all clones (it has no Check), and of the add its host side alone. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class FloorFigures {
        public double addS, addHostS, deleteS;
    }

    // ---- ours

    @Benchmark
    public void engine(Host host, Engine e, EngineFigures f) {
        FcnetEngine engine = e.engine;
        List<FirecrackerNetwork> all = host.networks;
        int n = all.size();
        int p = host.parallelism;
        long heap0 = Fleet.heapAfterGc();
        long avail0 = Fleet.meminfo("MemAvailable");
        long slab0 = Fleet.meminfo("Slab");

        long[] t = new long[4];
        t[0] = System.nanoTime();
        requireOk(engine.addAll(all.subList(0, WINDOW), p), "addAll");
        t[1] = System.nanoTime();
        requireOk(engine.addAll(all.subList(WINDOW, n - WINDOW), p), "addAll");
        t[2] = System.nanoTime();
        requireOk(engine.addAll(all.subList(n - WINDOW, n), p), "addAll");
        t[3] = System.nanoTime();
        f.addAllS = seconds(t[0], t[3]);
        f.addFirstMs = millis(t[0], t[1]) / WINDOW;
        f.addLastMs = millis(t[2], t[3]) / WINDOW;

        f.checkAllS = checkAll(engine, all, p);

        f.heapPerNet = (double) (Fleet.heapAfterGc() - heap0) / n;
        f.memAvailablePerNet = (double) (avail0 - Fleet.meminfo("MemAvailable")) / n;
        f.slabPerNet = (double) (Fleet.meminfo("Slab") - slab0) / n;

        t[0] = System.nanoTime();
        requireOk(engine.deleteAll(all.subList(0, WINDOW), DeleteMode.STRICT, p), "deleteAll");
        t[1] = System.nanoTime();
        requireOk(engine.deleteAll(all.subList(WINDOW, n - WINDOW), DeleteMode.STRICT, p), "deleteAll");
        t[2] = System.nanoTime();
        requireOk(engine.deleteAll(all.subList(n - WINDOW, n), DeleteMode.STRICT, p), "deleteAll");
        t[3] = System.nanoTime();
        engine.awaitDestruction();
        long d = System.nanoTime();
        f.deleteAllS = seconds(t[0], t[3]);
        f.destroyS = seconds(t[3], d);
        f.deleteFirstMs = millis(t[0], t[1]) / WINDOW;
        f.deleteLastMs = millis(t[2], t[3]) / WINDOW;
    }

    @Benchmark
    public void threads(Host host, Engine e, CallFigures f) throws InterruptedException {
        FcnetEngine engine = e.engine;
        perCall(host.networks, engine, THREADS, f, (worker, network, op) -> {
            switch (op) {
                case Add -> engine.add(network);
                case Check -> engine.check(network).requireClean();
                case Delete -> engine.delete(network, DeleteMode.STRICT);
            }
        });
    }

    @Benchmark
    public void daemon(Host host, Engine e, Daemon d, CallFigures f) throws InterruptedException {
        perCall(host.networks, e.engine, d.connections, f, (worker, network, op) -> d.clients.get(worker).run(network, op));
    }

    @Benchmark
    public void daemonPipelined(Host host, Engine e, Daemon d, PipelinedFigures f) throws InterruptedException {
        List<FcnetdClient> clients = d.clients;
        // Connection w takes every connections-th clone from w on, so all of them work through the fleet in order.
        List<List<FirecrackerNetwork>> shares = new ArrayList<>();
        for (int w = 0; w < clients.size(); w++) shares.add(new ArrayList<>());
        for (int i = 0; i < host.networks.size(); i++) shares.get(i % clients.size()).add(host.networks.get(i));
        f.addS = pipelined(clients, shares, FcnetdClient::addAll);
        f.checkS = pipelined(clients, shares, FcnetdClient::checkAll);
        f.deleteS = pipelined(clients, shares, FcnetdClient::deleteAll);
        long d0 = System.nanoTime();
        e.engine.awaitDestruction();
        f.destroyS = seconds(d0, System.nanoTime());
    }

    /**
     * Issue 16's goal on a machine whose load changes from one benchmark to the next: the engine's
     * bulk calls, the daemon's {@code connections} connections (one request at a time each) and
     * the engine's single calls from {@link #THREADS} threads in one invocation, on the same
     * engine, so that each iteration's ratios meet one load. Each way adds the clones, then
     * deletes them and awaits their destruction; the order of the ways rotates from one
     * invocation to the next, and between two ways the kernel's destruction of the namespaces is
     * waited for (untimed).
     */
    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 4)
    public void paired(Host host, Engine e, Daemon d, PairedFigures f) throws InterruptedException {
        FcnetEngine engine = e.engine;
        List<FirecrackerNetwork> all = host.networks;
        int first = host.pairedInvocations++;
        for (int k = 0; k < 3; k++) {
            if (k > 0) Fleet.awaitNetnsCleanup();
            switch ((first + k) % 3) {
                case 0 -> {
                    long t0 = System.nanoTime();
                    requireOk(engine.addAll(all, host.parallelism), "addAll");
                    long t1 = System.nanoTime();
                    requireOk(engine.deleteAll(all, DeleteMode.STRICT, host.parallelism), "deleteAll");
                    engine.awaitDestruction();
                    f.bulkAddS = seconds(t0, t1);
                    f.bulkDeleteS = seconds(t1, System.nanoTime());
                }
                case 1 -> {
                    double[] s = addDelete(all, engine, d.connections, (worker, network, op) -> d.clients.get(worker).run(network, op));
                    f.daemonAddS = s[0];
                    f.daemonDeleteS = s[1];
                }
                default -> {
                    double[] s = addDelete(all, engine, THREADS, (worker, network, op) -> {
                        if (op == FirecrackerNetworkOperation.Add) engine.add(network);
                        else engine.delete(network, DeleteMode.STRICT);
                    });
                    f.threadsAddS = s[0];
                    f.threadsDeleteS = s[1];
                }
            }
        }
    }

    /** Adds, then deletes every network by single calls from {@code workers} workers; the seconds of each, the Delete's with the destruction. */
    private static double[] addDelete(List<FirecrackerNetwork> all, FcnetEngine engine, int workers, Call call)
            throws InterruptedException {
        long[] latency = new long[all.size()];
        double add = concurrently(all, workers, FirecrackerNetworkOperation.Add, call, latency);
        long t0 = System.nanoTime();
        concurrently(all, workers, FirecrackerNetworkOperation.Delete, call, latency);
        engine.awaitDestruction();
        return new double[] {add, seconds(t0, System.nanoTime())};
    }

    /** A pipelined call of one client on its share of the clones. */
    @FunctionalInterface
    private interface Pipelined {
        List<FcnetdClient.Outcome> run(FcnetdClient client, List<FirecrackerNetwork> share) throws IOException;
    }

    /** Runs {@code call} on every client with its share at once; every outcome must succeed. Returns the wall seconds. */
    private static double pipelined(List<FcnetdClient> clients, List<List<FirecrackerNetwork>> shares, Pipelined call)
            throws InterruptedException {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < clients.size(); w++) {
            FcnetdClient client = clients.get(w);
            List<FirecrackerNetwork> share = shares.get(w);
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (FcnetdClient.Outcome o : call.run(client, share)) o.failure().ifPresent(failures::add);
                } catch (IOException ex) {
                    failures.add(ex);
                }
            }));
        }
        for (Thread t : threads) t.join();
        double s = seconds(start, System.nanoTime());
        if (!failures.isEmpty()) throw new IllegalStateException("pipelined call failed: " + failures.get(0), failures.get(0));
        return s;
    }

    /** One operation on one network by one of the workers. */
    @FunctionalInterface
    private interface Call {
        void run(int worker, FirecrackerNetwork network, FirecrackerNetworkOperation op) throws Exception;
    }

    /**
     * Adds, checks and deletes every network by single calls from {@code workers} workers, then
     * waits for {@code engine}'s destruction of what they deleted; the figures go into {@code f}.
     */
    private static void perCall(List<FirecrackerNetwork> all, FcnetEngine engine, int workers, CallFigures f, Call call)
            throws InterruptedException {
        int n = all.size();
        long[] latency = new long[n];
        f.addS = concurrently(all, workers, FirecrackerNetworkOperation.Add, call, latency);
        f.addFirstMs = meanMillis(latency, 0, WINDOW);
        f.addLastMs = meanMillis(latency, n - WINDOW, n);
        f.checkS = concurrently(all, workers, FirecrackerNetworkOperation.Check, call, latency);
        f.deleteS = concurrently(all, workers, FirecrackerNetworkOperation.Delete, call, latency);
        f.deleteFirstMs = meanMillis(latency, 0, WINDOW);
        f.deleteLastMs = meanMillis(latency, n - WINDOW, n);
        long d0 = System.nanoTime();
        engine.awaitDestruction();
        f.destroyS = seconds(d0, System.nanoTime());
    }

    /**
     * Runs {@code op} for every network from {@code workers} workers at once, the networks taken
     * in order; records each call's latency. Returns the wall seconds.
     */
    private static double concurrently(List<FirecrackerNetwork> all, int workers, FirecrackerNetworkOperation op,
            Call call, long[] latency) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i; (i = next.getAndIncrement()) < all.size() && failures.isEmpty(); ) {
                    long t0 = System.nanoTime();
                    try {
                        call.run(worker, all.get(i), op);
                    } catch (Exception ex) {
                        failures.add(ex);
                        return;
                    }
                    latency[i] = System.nanoTime() - t0;
                }
            }));
        }
        for (Thread t : threads) t.join();
        double s = seconds(start, System.nanoTime());
        if (!failures.isEmpty()) throw new IllegalStateException(op + " failed: " + failures.get(0), failures.get(0));
        return s;
    }

    // ---- the baselines, for host.baseline networks

    @Benchmark
    public void fcnetWay(Host host, FcnetWayFigures f) {
        List<NamespacedNet> nets = baselineNets(host.baseline);
        long t0 = System.nanoTime();
        for (NamespacedNet n : nets) FcnetWay.addNamespaced(host.h, n);
        long t1 = System.nanoTime();
        for (NamespacedNet n : nets) FcnetWay.checkNamespaced(host.h, n);
        long t2 = System.nanoTime();
        for (NamespacedNet n : nets) FcnetWay.deleteNamespaced(host.h, n);
        long t3 = System.nanoTime();
        f.addMs = millis(t0, t1) / nets.size();
        f.checkMs = millis(t1, t2) / nets.size();
        f.deleteMs = millis(t2, t3) / nets.size();
    }

    /** Processes only, so less warm-up than the engine; its process per netns makes it the longest cycle. */
    @Benchmark
    @Warmup(iterations = 0)
    public void floor(Host host, FloorFigures f) {
        int n = host.clones;
        int group = Kernel.PRESENT_GROUP + 1;
        long t0 = System.nanoTime();
        host.h.tools.feed(Fleet.floorHostBatch(n, group), "ip", "-batch", "-");
        long t1 = System.nanoTime();
        for (int i = 1; i <= n; i++) {
            // Started from a thread in the netns: cheaper than ip -n, which also remounts /sys.
            try (Netns ns = Netns.open("c" + i)) {
                new Tools(ns).feed(Fleet.floorInnerBatch(i), "ip", "-batch", "-");
            }
        }
        long t2 = System.nanoTime();
        host.h.tools.feed(Fleet.floorDeleteBatch(n, group), "ip", "-batch", "-");
        long t3 = System.nanoTime();
        f.addS = seconds(t0, t2);
        f.addHostS = seconds(t0, t1);
        f.deleteS = seconds(t2, t3);
    }

    private static List<NamespacedNet> baselineNets(int count) {
        List<NamespacedNet> nets = new ArrayList<>(count);
        for (int i = 0; i < count; i++) nets.add(new NamespacedNet(i));
        return nets;
    }

    // ---- helpers

    /** {@code checkAll}, timed: its seconds; every report must be clean (none is kept, for the heap reading after it). */
    private static double checkAll(FcnetEngine engine, List<FirecrackerNetwork> all, int parallelism) {
        long start = System.nanoTime();
        List<Outcome<CheckReport>> reports = engine.checkAll(all, parallelism);
        double s = seconds(start, System.nanoTime());
        requireOk(reports, "checkAll");
        for (Outcome<CheckReport> r : reports) {
            if (!r.orThrow().isClean()) throw new IllegalStateException("not clean:\n" + r.orThrow());
        }
        return s;
    }

    private static <R extends OperationResult> void requireOk(List<Outcome<R>> outcomes, String what) {
        for (Outcome<R> o : outcomes) {
            if (!o.ok()) throw new IllegalStateException(what + " failed for a clone", ((Outcome.Failed<R>) o).failure());
        }
    }

    private static double meanMillis(long[] nanos, int from, int to) {
        long sum = 0;
        for (int i = from; i < to; i++) sum += nanos[i];
        return sum / 1e6 / (to - from);
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }

    private static double millis(long from, long to) {
        return (to - from) / 1e6;
    }
}
