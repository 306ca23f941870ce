package dev.fcnet.bench;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.client.FcnetdClient;
import dev.fcnet.daemon.EngineService;
import dev.fcnet.daemon.FcnetdServer;
import dev.fcnet.engine.DeleteMode;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.Outcome;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
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

/**
 * Issue 16 item 3: many networks through the daemon against the engine's bulk operations, in one
 * run. One invocation adds, or deletes, all of {@code kind}'s networks (2,000 Simple V4 networks,
 * or 1,000 clones of {@link Fleet#clone}) on a scratch host netns:
 *
 * <ul>
 *   <li>{@code engine}: the engine's bulk {@code addAll} / {@code deleteAll(STRICT)};
 *   <li>{@code connections4}: through an {@link FcnetdServer} with an {@link EngineService} on the
 *       same engine, by {@value #CONNECTIONS} {@link FcnetdClient} connections at once, each sending
 *       one request and waiting for its answer before the next (networks taken in order);
 *   <li>{@code pipelined}: through the daemon by one connection, {@link FcnetdClient#addAll} /
 *       {@link FcnetdClient#deleteAll} (every request sent before the answers are read).
 * </ul>
 *
 * A Delete's time includes the destruction of the links and namespaces the engine defers behind
 * it ({@code awaitDestruction}): back-to-back Deletes pay it. The fixtures (the networks a Delete
 * deletes, the removal of those an Add added) are made by the engine's bulk calls, untimed, after
 * the kernel has destroyed the previous invocation's namespaces.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class DaemonBulkBench {
    static final Path SOCKET = Path.of("/run/fcbench-fcnetd-bulk.sock");
    static final int CONNECTIONS = 4;

    /** The scratch host, one engine on it, a daemon over that engine with its client connections. */
    @State(Scope.Benchmark)
    public static class Host {
        /** {@code simple}: 2,000 Simple V4 networks; {@code clone}: 1,000 namespaced clones. */
        @Param({"simple", "clone"})
        public String kind;

        HostNetns h;
        FcnetEngine engine;
        List<FirecrackerNetwork> networks;
        InProcessDaemon daemon;
        List<FcnetdClient> clients;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            h = HostNetns.create();
            engine = FcnetEngine.open(EngineOptions.defaults().withHostNetns(h.path()));
            networks = switch (kind) {
                case "simple" -> IntStream.range(0, 2_000).mapToObj(i -> new SimpleNet(i).network()).toList();
                case "clone" -> Fleet.clones(1_000);
                default -> throw new IllegalArgumentException("kind " + kind);
            };
            daemon = new InProcessDaemon(SOCKET, new EngineService(engine), new InProcessDaemon.Silent(), CONNECTIONS);
            clients = daemon.clients;
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            daemon.close();
            engine.close();
            h.close();
        }

        /** Untimed: waits until the kernel has destroyed the namespaces of earlier invocations. */
        void settle() {
            engine.awaitDestruction();
            Fleet.awaitNetnsCleanup();
        }
    }

    /** For an Add: nothing present; afterwards the networks are deleted again. */
    @State(Scope.Thread)
    public static class ToAdd {
        @Setup(Level.Invocation)
        public void settle(Host host) {
            host.settle();
        }

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            requireAll(host.engine.deleteAll(host.networks, DeleteMode.STRICT));
            host.engine.awaitDestruction();
        }
    }

    /** For a Delete: every network present. */
    @State(Scope.Thread)
    public static class ToDelete {
        @Setup(Level.Invocation)
        public void make(Host host) {
            host.settle();
            requireAll(host.engine.addAll(host.networks));
        }
    }

    static void requireAll(List<? extends Outcome<?>> outcomes) {
        for (Outcome<?> o : outcomes) o.orThrow();
    }

    static void requireAllClient(List<FcnetdClient.Outcome> outcomes) {
        for (FcnetdClient.Outcome o : outcomes) {
            if (!o.succeeded()) throw new IllegalStateException(o.failure().orElseThrow());
        }
    }

    /** Each of the connections sends requests for the next networks in order, one at a time. */
    static void byConnections(Host host, FirecrackerNetworkOperation operation) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (FcnetdClient client : host.clients) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i; (i = next.getAndIncrement()) < host.networks.size(); ) client.run(host.networks.get(i), operation);
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        if (failure.get() != null) throw new IllegalStateException(failure.get());
    }

    @Benchmark
    public void engineAdd(Host host, ToAdd a) {
        requireAll(host.engine.addAll(host.networks));
    }

    @Benchmark
    public void connections4Add(Host host, ToAdd a) throws InterruptedException {
        byConnections(host, FirecrackerNetworkOperation.Add);
    }

    @Benchmark
    public void pipelinedAdd(Host host, ToAdd a) throws IOException {
        requireAllClient(host.clients.getFirst().addAll(host.networks));
    }

    @Benchmark
    public void engineDelete(Host host, ToDelete d) {
        requireAll(host.engine.deleteAll(host.networks, DeleteMode.STRICT));
        host.engine.awaitDestruction();
    }

    @Benchmark
    public void connections4Delete(Host host, ToDelete d) throws InterruptedException {
        byConnections(host, FirecrackerNetworkOperation.Delete);
        host.engine.awaitDestruction();
    }

    @Benchmark
    public void pipelinedDelete(Host host, ToDelete d) throws IOException {
        requireAllClient(host.clients.getFirst().deleteAll(host.networks));
        host.engine.awaitDestruction();
    }
}
