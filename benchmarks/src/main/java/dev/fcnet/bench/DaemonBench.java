package dev.fcnet.bench;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.client.FcnetdClient;
import dev.fcnet.client.FcnetdException;
import dev.fcnet.daemon.EngineService;
import dev.fcnet.daemon.FcnetdServer;
import dev.fcnet.daemon.NetworkService;
import dev.fcnet.engine.AddOptions;
import dev.fcnet.engine.Caller;
import dev.fcnet.engine.DeleteMode;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

/**
 * Issue 16 item 2: the daemon's own cost per sequential request, in one run. One client
 * connection ({@link FcnetdClient}) sends one request at a time to a real {@link FcnetdServer} on a
 * Unix socket in this JVM:
 *
 * <ul>
 *   <li>{@link #daemonAdd} and {@link #daemonDelete}: a Simple V4 Add, or Delete, served by an
 *       {@link EngineService}; {@link #engineAdd} and {@link #engineDelete} make the same engine
 *       calls directly (as the daemon does for a root client: {@link AddOptions#DEFAULT},
 *       {@link DeleteMode#STRICT} for {@link Caller#ROOT}), on the same engine. {@code daemonAdd -
 *       engineAdd} is the daemon's cost per Add, likewise per Delete; but one Add takes about a
 *       millisecond and varies by more than the daemon's cost, so:</li>
 *   <li>{@link #pairedAdd} and {@link #pairedDelete}: the same comparison within one invocation,
 *       which a busy machine disturbs far less: an Add (Delete) of one network by the engine and of
 *       another through the daemon, in alternating order, each timed alone; the auxiliary
 *       counters are each iteration's median per call ({@code engineUs}, {@code daemonUs}) and
 *       the median of the pairs' differences ({@code daemonMinusEngineUs}), the daemon's cost per
 *       request;</li>
 *   <li>{@link #protocol}: the same Add request, served by a daemon whose service answers OK at
 *       once: everything the daemon and its client do for a request but the engine's work
 *       (client's JSON, socket round trip, parse, log line, answer);</li>
 *   <li>{@link #echo}: the kernel's floor for that: a line of the same length written over a Unix
 *       socket to a thread that answers {@code OK\n} (blocking reads and writes, platform threads).
 *       {@code protocol - echo} is what the daemon adds to the socket round trip itself. With
 *       {@code workUs=1000} the answering thread first works for a millisecond, as long as an
 *       Add: {@code echo - 1000 us} is then the round trip of a client that blocked that long,
 *       the floor of {@code daemonAdd - engineAdd}.</li>
 * </ul>
 *
 * <p>Both ways share one engine, on the scratch host netns of {@link SimpleBench}, warmed up by
 * both before the trial. Each Add and Delete has a network of its own from per-invocation
 * fixtures through the engine ({@link EngineFixtures}): Add's is deleted afterwards, Delete's made
 * before, untimed, and the link destruction behind each Delete is awaited, so it never runs into
 * the next timed call.
 *
 * <p>{@code log} is the daemon's request log: {@code info}, fcnetd's default (its console logger,
 * one line per request, queued and written by the logger's own thread, here into a file on the
 * fork's private /run), or {@code off}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 6, time = 1)
public class DaemonBench {
    /** Add+Delete cycles of each way before the trial, so that the JIT has compiled both paths. */
    static final int WARM_UP = 1_000;
    /** Requests to the no-op daemon and echoes before the trial. */
    static final int WARM_UP_PROTOCOL = 20_000;
    static final Path SOCKET = Path.of("/run/fcbench-fcnetd-seq.sock");
    static final Path NOOP_SOCKET = Path.of("/run/fcbench-fcnetd-noop.sock");
    static final Path ECHO_SOCKET = Path.of("/run/fcbench-echo.sock");
    static final Path LOG = Path.of("/run/fcbench-fcnetd-seq.log");

    /** The scratch host netns and one warmed-up engine on it. */
    @State(Scope.Benchmark)
    public static class Host {
        HostNetns h;
        FcnetEngine engine;
        private int nextId;

        @Setup(Level.Trial)
        public void setUp() {
            h = HostNetns.create();
            engine = FcnetEngine.open(EngineOptions.defaults().withHostNetns(h.path()));
            EngineFixtures.warmUp(engine, this::fresh, 2 * WARM_UP);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            engine.close();
            h.close();
        }

        FirecrackerNetwork fresh() {
            return new SimpleNet(nextId++).network();
        }
    }

    /** A daemon over the host's engine and one over a no-op service, a client connection to each; warmed up. */
    @State(Scope.Benchmark)
    public static class Daemon {
        /** The daemon's request log: fcnetd's default (INFO, a line per request, queued), or none. */
        @Param({"info", "off"})
        public String log;

        InProcessDaemon engine;
        InProcessDaemon noop;
        PrintStream logFile;
        System.Logger logger;
        /** What {@link #protocol} sends: an Add request of a typical network. */
        FcnetdRequest request;

        @Setup(Level.Trial)
        public void start(Host host) throws Exception {
            if (log.equals("off")) {
                logger = new InProcessDaemon.Silent();
            } else {
                logFile = new PrintStream(new FileOutputStream(LOG.toFile()), true);
                logger = queuedConsoleLogger(logFile);
            }
            engine = new InProcessDaemon(SOCKET, new EngineService(host.engine), logger, 1);
            noop = new InProcessDaemon(NOOP_SOCKET, (peer, request) -> NetworkService.Answer.ok(List.of()), logger, 1);
            request = new FcnetdRequest(FirecrackerNetworkOperation.Add, new SimpleNet(1).network());
            for (int i = 0; i < WARM_UP; i++) {
                FirecrackerNetwork network = host.fresh();
                engine.client().run(network, FirecrackerNetworkOperation.Add);
                engine.client().run(network, FirecrackerNetworkOperation.Delete);
                if (i % 100 == 99) host.engine.awaitDestruction();
            }
            host.engine.awaitDestruction();
            for (int i = 0; i < WARM_UP_PROTOCOL; i++) noop.client().run(request);
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            engine.close();
            noop.close();
            if (logger instanceof AutoCloseable c) c.close();
            if (logFile != null) logFile.close();
        }

        /** fcnetd's own logger at INFO, queued as {@code fcnetd serve} makes it (package-private in the daemon). */
        private static System.Logger queuedConsoleLogger(PrintStream out) throws Exception {
            Class<?> type = Class.forName("dev.fcnet.daemon.ConsoleLogger");
            Method m = type.getDeclaredMethod("queued", String.class, System.Logger.Level.class, PrintStream.class, int.class);
            m.setAccessible(true);
            Field capacity = type.getDeclaredField("QUEUE");
            capacity.setAccessible(true);
            return (System.Logger) m.invoke(null, "dev.fcnet.daemon", System.Logger.Level.INFO, out, capacity.getInt(null));
        }
    }


    /**
     * The kernel's floor of a request: a thread that answers each line with {@code OK\n}, and a
     * connection to it that sends a line as long as an Add request. Blocking channels on platform
     * threads, as the daemon and its client use; a line is one write, an answer one read.
     */
    @State(Scope.Benchmark)
    public static class Echo {
        /**
         * Microseconds the answering thread works (spins) before it answers: 0 for the bare
         * round trip; 1000, about an Add's time, for one whose client has blocked meanwhile (its
         * CPU may have gone idle, and waking it costs more, as the daemon's clients pay).
         */
        @Param({"0", "1000"})
        public int workUs;

        ServerSocketChannel listener;
        Thread answering;
        SocketChannel client;
        ByteBuffer line;
        final ByteBuffer answer = ByteBuffer.allocateDirect(64);

        @Setup(Level.Trial)
        public void start() throws IOException {
            Files.deleteIfExists(ECHO_SOCKET);
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(ECHO_SOCKET));
            answering = Thread.ofPlatform().name("echo").start(this::answer);
            client = SocketChannel.open(UnixDomainSocketAddress.of(ECHO_SOCKET));
            byte[] bytes = (new FcnetdRequest(FirecrackerNetworkOperation.Add, new SimpleNet(1).network()).withDetail(true)
                    .toJson() + "\n").getBytes(StandardCharsets.UTF_8);
            line = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
            for (int i = 0; i < WARM_UP_PROTOCOL / (1 + workUs / 10); i++) roundTrip();
        }

        private void answer() {
            ByteBuffer in = ByteBuffer.allocateDirect(8192);
            ByteBuffer ok = ByteBuffer.allocateDirect(3).put("OK\n".getBytes(StandardCharsets.US_ASCII)).flip();
            try (SocketChannel c = listener.accept()) {
                while (c.read(in) >= 0) {
                    // One line per round trip: answer when the buffer ends in a newline.
                    if (in.position() > 0 && in.get(in.position() - 1) == '\n') {
                        in.clear();
                        for (long end = System.nanoTime() + workUs * 1000L; System.nanoTime() < end; ) Thread.onSpinWait();
                        ok.rewind();
                        while (ok.hasRemaining()) c.write(ok);
                    }
                }
            } catch (IOException e) {
                // closed at tear-down
            }
        }

        void roundTrip() throws IOException {
            line.rewind();
            while (line.hasRemaining()) client.write(line);
            answer.clear();
            while (answer.position() == 0 || answer.get(answer.position() - 1) != '\n') {
                if (client.read(answer) < 0) throw new IOException("echo ended");
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            client.close();
            answering.join();
            listener.close();
            Files.deleteIfExists(ECHO_SOCKET);
        }
    }

    /** A network to add; afterwards, untimed, it is deleted and its link's destruction awaited. */
    @State(Scope.Thread)
    public static class ToAdd {
        FirecrackerNetwork network;

        @Setup(Level.Invocation)
        public void take(Host host) {
            network = host.fresh();
        }

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            EngineFixtures.removeAdded(host.engine, network);
        }
    }

    /** A network to delete, added before, untimed; afterwards its link's destruction is awaited. */
    @State(Scope.Thread)
    public static class ToDelete {
        FirecrackerNetwork network;

        @Setup(Level.Invocation)
        public void make(Host host) {
            network = host.fresh();
            EngineFixtures.addForDelete(host.engine, network);
        }

        @TearDown(Level.Invocation)
        public void settle(Host host) {
            host.engine.awaitDestruction();
        }
    }

    /**
     * Each iteration's median time per call of {@link #pairedAdd} or {@link #pairedDelete}, by
     * way, and the median of the pairs' differences: medians, as a busy machine preempts a call
     * now and then for milliseconds, which would swamp a mean difference of microseconds. JMH
     * adds EVENTS counters up over the iterations: read the iterations' lines.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Paired {
        public double engineUs, daemonUs, daemonMinusEngineUs;
        private final List<Long> engine = new ArrayList<>();
        private final List<Long> daemon = new ArrayList<>();
        private final List<Long> difference = new ArrayList<>();

        @Setup(Level.Iteration)
        public void reset() {
            engine.clear();
            daemon.clear();
            difference.clear();
            engineUs = daemonUs = daemonMinusEngineUs = 0;
        }

        /** The engine's call goes first in every other pair, so neither way always follows the other. */
        boolean engineFirst() {
            return engine.size() % 2 == 0;
        }

        void record(long engineNanos, long daemonNanos) {
            engine.add(engineNanos);
            daemon.add(daemonNanos);
            difference.add(daemonNanos - engineNanos);
            engineUs = median(engine);
            daemonUs = median(daemon);
            daemonMinusEngineUs = median(difference);
        }

        private static double median(List<Long> nanos) {
            List<Long> sorted = new ArrayList<>(nanos);
            Collections.sort(sorted);
            int n = sorted.size();
            return (n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0) / 1e3;
        }
    }

    /** Two networks to add, one per way; afterwards, untimed, both are deleted and their links' destruction awaited. */
    @State(Scope.Thread)
    public static class PairToAdd {
        FirecrackerNetwork byEngine, byDaemon;

        @Setup(Level.Invocation)
        public void take(Host host) {
            byEngine = host.fresh();
            byDaemon = host.fresh();
        }

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            host.engine.delete(byEngine);
            EngineFixtures.removeAdded(host.engine, byDaemon);
        }
    }

    /** Two networks to delete, one per way, added before, untimed; afterwards their links' destruction is awaited. */
    @State(Scope.Thread)
    public static class PairToDelete {
        FirecrackerNetwork byEngine, byDaemon;

        @Setup(Level.Invocation)
        public void make(Host host) {
            byEngine = host.fresh();
            byDaemon = host.fresh();
            EngineFixtures.addForDelete(host.engine, byEngine);
            host.engine.add(byDaemon);
        }

        @TearDown(Level.Invocation)
        public void settle(Host host) {
            host.engine.awaitDestruction();
        }
    }

    /** An Add by the engine and one through fcnetd, each timed alone (JMH's own score is of no interest). */
    @Benchmark
    public void pairedAdd(PairToAdd n, Daemon d, Host host, Paired t) throws IOException, FcnetdException {
        long engine = 0;
        long daemon = 0;
        for (int i = 0; i < 2; i++) {
            long start = System.nanoTime();
            if (t.engineFirst() == (i == 0)) {
                host.engine.add(n.byEngine, AddOptions.DEFAULT);
                engine = System.nanoTime() - start;
            } else {
                d.engine.client().run(n.byDaemon, FirecrackerNetworkOperation.Add);
                daemon = System.nanoTime() - start;
            }
        }
        t.record(engine, daemon);
    }

    /**
     * A Delete by the engine and one through fcnetd, each timed alone; between them the first's
     * link destruction is awaited, untimed, so it does not run into the second.
     */
    @Benchmark
    public void pairedDelete(PairToDelete n, Daemon d, Host host, Paired t) throws IOException, FcnetdException {
        long engine = 0;
        long daemon = 0;
        for (int i = 0; i < 2; i++) {
            if (i == 1) host.engine.awaitDestruction();
            long start = System.nanoTime();
            if (t.engineFirst() == (i == 0)) {
                host.engine.delete(n.byEngine, DeleteMode.STRICT, Caller.ROOT);
                engine = System.nanoTime() - start;
            } else {
                d.engine.client().run(n.byDaemon, FirecrackerNetworkOperation.Delete);
                daemon = System.nanoTime() - start;
            }
        }
        t.record(engine, daemon);
    }

    /** Add through fcnetd: one request. */
    @Benchmark
    public void daemonAdd(ToAdd n, Daemon d) throws IOException, FcnetdException {
        d.engine.client().run(n.network, FirecrackerNetworkOperation.Add);
    }

    /** The same Add by the engine directly, as the daemon calls it for a root client. */
    @Benchmark
    public void engineAdd(ToAdd n, Host host) {
        host.engine.add(n.network, AddOptions.DEFAULT);
    }

    /** Delete through fcnetd: one request. */
    @Benchmark
    public void daemonDelete(ToDelete n, Daemon d) throws IOException, FcnetdException {
        d.engine.client().run(n.network, FirecrackerNetworkOperation.Delete);
    }

    /** The same Delete by the engine directly, as the daemon calls it for a root client. */
    @Benchmark
    public void engineDelete(ToDelete n, Host host) {
        host.engine.delete(n.network, DeleteMode.STRICT, Caller.ROOT);
    }

    /** An Add request through fcnetd to a service that answers OK at once: the daemon and client without the engine. */
    @Benchmark
    public void protocol(Daemon d) throws IOException, FcnetdException {
        d.noop.client().run(d.request);
    }

    /** A request-sized line and an {@code OK} answer over a Unix socket: the kernel's floor of {@link #protocol}. */
    @Benchmark
    public void echo(Echo e) throws IOException {
        e.roundTrip();
    }
}
