package dev.fcnet.bench;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.daemon.EngineService;
import dev.fcnet.engine.DeleteMode;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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

/**
 * Issue 16, the clone pool (DESIGN §4b), on a scratch host netns:
 *
 * <ul>
 *   <li>{@code burstDaemonAdd}, {@code burstEngineAdd}: a burst of {@code clones} clone Adds
 *       ({@link Fleet#clone}) through the daemon by {@value DaemonBulkBench#CONNECTIONS}
 *       connections (as {@link DaemonBulkBench}), or by the engine's {@code addAll}, with a ready
 *       pool of {@code clones} slots ({@code pooled}) or none. The pool's refill runs in the
 *       background as on a host.
 *   <li>{@code burstFloor}: the kernel floor of the burst ({@link PoolFloor}) in the same run: its
 *       networks' kernel work with the library's layers and no engine, by as many threads as the
 *       burst has connections, made from scratch ({@code pooled} false) or from slots made ahead
 *       (true): what part of the pool's speed-up the kernel leaves reachable.
 *   <li>{@code sequentialAdd}, {@code sequentialDelete}: per-call mean of {@value #BURST}
 *       sequential engine Adds taken from a ready pool of {@value #BURST} slots, or Deletes
 *       returning them to it (the Delete's deferred destruction timed too), with {@code present}
 *       clones already on the host (made in bulk by an engine without a pool, once per trial).
 * </ul>
 *
 * Every invocation starts, untimed, when the previous one's links and namespaces are destroyed
 * and the pool is full again.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class PoolBench {
    static final Path SOCKET = Path.of("/run/fcbench-fcnetd-pool.sock");
    static final int BURST = 100;

    /** The scratch host and one engine on it with a pool of {@code size} slots (or none). */
    abstract static class PooledHost {
        HostNetns h;
        FcnetEngine engine;
        int size;

        void open(int poolSize) throws Exception {
            h = HostNetns.create();
            size = poolSize;
            engine = FcnetEngine.open(EngineOptions.defaults().withHostNetns(h.path()).withPool(poolSize));
            if (poolSize > 0) engine.poolReady().toCompletableFuture().get(10, TimeUnit.MINUTES);
        }

        /** Untimed: earlier destruction finished, the pool full again, the kernel's netns clean-up done. */
        void settle() {
            engine.awaitDestruction();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (engine.poolSlots() < size) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("pool not refilled: " + engine.poolSlots());
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            Fleet.awaitNetnsCleanup();
        }

        void close() {
            engine.close();
            h.close();
        }
    }

    /** Item 1: the burst's networks, the engine, and a daemon over it with its connections. */
    @State(Scope.Benchmark)
    public static class Burst extends PooledHost {
        @Param("1000")
        public int clones;

        /** A pool of {@code clones} slots, or none. */
        @Param({"false", "true"})
        public boolean pooled;

        List<FirecrackerNetwork> networks;
        InProcessDaemon daemon;
        /** Only its networks and clients, for {@link DaemonBulkBench#byConnections}. */
        final DaemonBulkBench.Host connections = new DaemonBulkBench.Host();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            open(pooled ? clones : 0);
            networks = Fleet.clones(clones);
            connections.networks = networks;
            daemon = new InProcessDaemon(SOCKET, new EngineService(engine), new InProcessDaemon.Silent(),
                    DaemonBulkBench.CONNECTIONS);
            connections.clients = daemon.clients;
        }

        @Setup(Level.Invocation)
        public void ready() {
            settle();
        }

        @TearDown(Level.Invocation)
        public void remove() {
            DaemonBulkBench.requireAll(engine.deleteAll(networks, DeleteMode.STRICT));
            engine.awaitDestruction();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            daemon.close();
            close();
        }
    }

    /** The burst's kernel floor: a scratch host and {@code clones} networks made from scratch or of slots. */
    @State(Scope.Benchmark)
    public static class FloorBurst {
        @Param("1000")
        public int clones;

        /** From slots made ahead, or from scratch. */
        @Param({"false", "true"})
        public boolean pooled;

        HostNetns h;
        PoolFloor floor;

        @Setup(Level.Trial)
        public void setUp() {
            h = HostNetns.create();
            floor = new PoolFloor(h, clones);
        }

        /** Untimed: the slots made, the kernel's clean-up of earlier namespaces done. */
        @Setup(Level.Invocation)
        public void ready() {
            if (pooled) floor.makeSlots();
            Fleet.awaitNetnsCleanup();
        }

        @TearDown(Level.Invocation)
        public void remove() {
            floor.remove();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            floor.close();
            h.close();
        }
    }

    /** Item 2: {@code present} clones on the host, a pool of {@value #BURST}, the burst's clones after them. */
    @State(Scope.Benchmark)
    public static class Sequential extends PooledHost {
        @Param({"0", "4000"})
        public int present;

        /**
         * The host rules as §3's rules or §3b's set elements: with rules, each Add's commit costs
         * the kernel time that grows with the rules present (NftCommitBench), pool or not.
         */
        @Param({"fcnet", "sets"})
        public String ruleset;

        List<FirecrackerNetwork> networks;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            HostNetns host = HostNetns.create();
            EngineOptions options = EngineOptions.defaults().withHostNetns(host.path())
                    .withRuleset(RulesetParam.kind(RulesetParam.isSets(ruleset)));
            if (present > 0) {
                // Made by an engine without a pool, so that they cost no pool slots; the pooled engine opens after.
                try (FcnetEngine bulk = FcnetEngine.open(options)) {
                    DaemonBulkBench.requireAll(bulk.addAll(Fleet.clones(present)));
                }
            }
            h = host;
            size = BURST;
            engine = FcnetEngine.open(options.withPool(BURST));
            engine.poolReady().toCompletableFuture().get(10, TimeUnit.MINUTES);
            networks = Fleet.clones(present + BURST).subList(present, present + BURST);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            close();
        }
    }

    /** For an Add: a full pool; afterwards the burst's networks are deleted again. */
    @State(Scope.Thread)
    public static class ToAdd {
        @Setup(Level.Invocation)
        public void settle(Sequential s) {
            s.settle();
        }

        @TearDown(Level.Invocation)
        public void remove(Sequential s) {
            DaemonBulkBench.requireAll(s.engine.deleteAll(s.networks, DeleteMode.STRICT));
            s.engine.awaitDestruction();
        }
    }

    /** For a Delete: the burst's networks made from a full pool, which they leave empty. */
    @State(Scope.Thread)
    public static class ToDelete {
        @Setup(Level.Invocation)
        public void make(Sequential s) {
            s.settle();
            DaemonBulkBench.requireAll(s.engine.addAll(s.networks));
        }
    }

    @Benchmark
    public void burstDaemonAdd(Burst b) throws InterruptedException {
        DaemonBulkBench.byConnections(b.connections, FirecrackerNetworkOperation.Add);
    }

    @Benchmark
    public void burstEngineAdd(Burst b) {
        DaemonBulkBench.requireAll(b.engine.addAll(b.networks));
    }

    @Benchmark
    public void burstFloor(FloorBurst f) throws Exception {
        if (f.pooled) f.floor.take();
        else f.floor.make();
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public void sequentialAdd(Sequential s, ToAdd a) {
        for (FirecrackerNetwork n : s.networks) s.engine.add(n);
    }

    @Benchmark
    @OperationsPerInvocation(BURST)
    public void sequentialDelete(Sequential s, ToDelete d) {
        for (FirecrackerNetwork n : s.networks) s.engine.delete(n, DeleteMode.STRICT);
        s.engine.awaitDestruction();
    }
}
