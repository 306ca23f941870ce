package dev.fcnet.bench;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.client.FcnetdClient;
import dev.fcnet.client.FcnetdException;
import dev.fcnet.daemon.EngineService;
import dev.fcnet.daemon.FcnetdServer;
import dev.fcnet.engine.AddOptions;
import dev.fcnet.engine.Caller;
import dev.fcnet.engine.DeleteMode;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
 * Issue 16 item 2: the daemon's own cost per sequential request. One operation is a Simple V4
 * Add and then a Delete of one network (two requests), either through fcnetd ({@link #daemon}: a
 * real {@link FcnetdServer} with an {@link EngineService} on a Unix socket in this JVM, one
 * {@link FcnetdClient} connection, as {@link FleetBench}'s daemon mode) or by the same engine
 * directly ({@link #engine}: the same calls the daemon makes for a root client, Add with
 * {@link AddOptions#DEFAULT} and {@link DeleteMode#STRICT} Delete). Both share one engine, on the
 * scratch host netns of {@link SimpleBench} and {@link FleetBench}, warmed up by both ways before
 * the trial. {@code daemon - engine} is the daemon's cost per two requests.
 *
 * <p>The daemon logs as fcnetd does by default ({@code log=info}: its console logger at INFO, one
 * line per request, written by the logger's own thread through its queue, here into a file on the
 * fork's private /run), as fcnetd did before that queue ({@code log=sync}: the request's thread
 * writes its line), or not at all ({@code log=off}), which shows what the request log costs.
 *
 * <p>After each operation, untimed, the engine's deferred link destruction is awaited
 * ({@link EngineFixtures}), so it never runs into the next timed operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 6, time = 1)
public class DaemonBench {
    /** Add+Delete cycles of each way before the trial, so that the JIT has compiled both paths. */
    static final int WARM_UP = 1_000;
    static final Path SOCKET = Path.of("/run/fcbench-fcnetd-seq.sock");
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

    /** An fcnetd server over the host's engine, and one client connection; warmed up. */
    @State(Scope.Benchmark)
    public static class Daemon {
        /** The daemon's request log: fcnetd's default (INFO, a line per request, queued), written synchronously, or none. */
        @Param({"info", "sync", "off"})
        public String log;

        FcnetdServer server;
        Thread serving;
        FcnetdClient client;
        PrintStream logFile;
        System.Logger logger;

        @Setup(Level.Trial)
        public void start(Host host) throws Exception {
            Files.deleteIfExists(SOCKET);
            ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(SOCKET));
            if (log.equals("off")) {
                logger = new FleetBench.Silent();
            } else {
                logFile = new PrintStream(new FileOutputStream(LOG.toFile()), true);
                logger = consoleLogger(log.equals("info"), logFile);
            }
            server = new FcnetdServer(listener, new EngineService(host.engine), Optional.empty(), Duration.ofMinutes(10),
                    FleetBench.MAX_CONNECTIONS, logger);
            serving = Thread.ofPlatform().name("fcnetd").start(() -> {
                try {
                    server.serve();
                } catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            client = FcnetdClient.connect(SOCKET);
            for (int i = 0; i < WARM_UP; i++) {
                cycle(client, host.fresh());
                if (i % 100 == 99) host.engine.awaitDestruction();
            }
            host.engine.awaitDestruction();
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            client.close();
            server.close();
            serving.join();
            Files.deleteIfExists(SOCKET);
            if (logger instanceof AutoCloseable c) c.close();
            if (logFile != null) logFile.close();
        }

        /**
         * fcnetd's own logger at INFO (package-private in the daemon): queued, as {@code fcnetd serve}
         * makes it, or writing on the caller's thread.
         */
        private static System.Logger consoleLogger(boolean queued, PrintStream out) throws Exception {
            Class<?> type = Class.forName("dev.fcnet.daemon.ConsoleLogger");
            if (queued) {
                Method m = type.getDeclaredMethod("queued", String.class, System.Logger.Level.class, PrintStream.class, int.class);
                m.setAccessible(true);
                Field capacity = type.getDeclaredField("QUEUE");
                capacity.setAccessible(true);
                return (System.Logger) m.invoke(null, "dev.fcnet.daemon", System.Logger.Level.INFO, out, capacity.getInt(null));
            }
            Constructor<?> c = type.getDeclaredConstructor(String.class, System.Logger.Level.class, PrintStream.class);
            c.setAccessible(true);
            return (System.Logger) c.newInstance("dev.fcnet.daemon", System.Logger.Level.INFO, out);
        }
    }

    /** A network of its own per operation; afterwards, untimed, its link's destruction is awaited. */
    @State(Scope.Thread)
    public static class Net {
        FirecrackerNetwork network;

        @Setup(Level.Invocation)
        public void take(Host host) {
            network = host.fresh();
        }

        @TearDown(Level.Invocation)
        public void settle(Host host) {
            host.engine.awaitDestruction();
        }
    }

    static void cycle(FcnetdClient client, FirecrackerNetwork network) throws IOException, FcnetdException {
        client.run(network, FirecrackerNetworkOperation.Add);
        client.run(network, FirecrackerNetworkOperation.Delete);
    }

    /** Add then Delete through fcnetd: two requests on one connection. */
    @Benchmark
    public void daemon(Net n, Daemon d) throws IOException, FcnetdException {
        cycle(d.client, n.network);
    }

    /** The same Add then Delete by the engine directly, as the daemon calls it for a root client. */
    @Benchmark
    public void engine(Net n, Host host) {
        host.engine.add(n.network, AddOptions.DEFAULT);
        host.engine.delete(n.network, DeleteMode.STRICT, Caller.ROOT);
    }
}
