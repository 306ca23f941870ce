package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.sys.SysException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Adds, checks and deletes Firecracker microVM networks (DESIGN §3 and §4) over netlink, without
 * spawning any process.
 *
 * <p>An engine is thread-safe and meant to be kept: operations on distinct networks may run at
 * once from any threads, virtual ones included. It keeps a pool of netlink sockets for its host
 * netns (one pair per concurrently running operation, reused by later ones); sockets inside a
 * network's own netns are opened for one operation, on a platform thread that entered it. Close
 * the engine to close its sockets.
 *
 * <pre>{@code
 * try (FcnetEngine engine = FcnetEngine.open()) {
 *     AddResult added = engine.add(network);          // all or nothing
 *     System.out.println(engine.check(network));       // one line per expected object
 *     engine.delete(network);
 * }
 * }</pre>
 *
 * <p>Failures are {@link FcnetException}s; an invalid network cannot be built in the first place
 * ({@link dev.fcnet.InvalidNetworkException}).
 */
public final class FcnetEngine implements AutoCloseable {
    /** The alias (IFLA_IFALIAS) the engine gives the links it creates, so its own can be told from others. */
    public static final String LINK_ALIAS = "fcnet";

    static final System.Logger LOG = System.getLogger("dev.fcnet.engine");

    private final EngineOptions options;
    /** The host netns when the options name one; null for the calling thread's own. */
    private final Netns hostNetns;
    private final ConcurrentLinkedDeque<Place.Sockets> idle = new ConcurrentLinkedDeque<>();
    private final Set<Place.Sockets> sockets = ConcurrentHashMap.newKeySet();
    private final ReentrantLock masqueradeLock = new ReentrantLock();
    /**
     * The handles of the host rules of the networks this engine added, so Check and Delete fetch
     * them by handle instead of dumping chains that grow with the number of networks. Only a hint:
     * a handle is used only while it still names the expected rule.
     */
    private final Map<FirecrackerNetwork, Map<RuleSpec, Long>> knownHandles = new ConcurrentHashMap<>();
    private volatile FaultInjector faults = FaultInjector.NONE;
    private volatile boolean closed;

    private FcnetEngine(EngineOptions options, Netns hostNetns) {
        this.options = options;
        this.hostNetns = hostNetns;
    }

    /** An engine for the process's own network namespace, warning about disabled host forwarding. */
    public static FcnetEngine open() {
        return open(EngineOptions.defaults());
    }

    /**
     * An engine with these options.
     *
     * @throws FcnetException when the host netns named by the options cannot be opened
     */
    public static FcnetEngine open(EngineOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.hostNetns().isEmpty()) return new FcnetEngine(options, null);
        Path path = options.hostNetns().get();
        try {
            return new FcnetEngine(options, Netns.open(path));
        } catch (SysException e) {
            throw new FcnetException("cannot open host netns " + path + ": " + e.getMessage(), "open host netns",
                    path.toString(), e);
        }
    }

    /**
     * Runs one operation with a fresh engine for the process's own netns, as fcnet's {@code run}
     * does. Check does not throw for a network that is not clean: look at the report.
     */
    public static OperationResult runOnce(FirecrackerNetwork network, FirecrackerNetworkOperation operation) {
        try (FcnetEngine engine = open()) {
            return engine.run(network, operation);
        }
    }

    public EngineOptions options() {
        return options;
    }

    /**
     * Creates the network: every object and rule of DESIGN §3, in order, with the table and chains
     * created when missing. All or nothing: when a step fails, the steps done are undone in reverse
     * order. Refuses, changing nothing, a network whose tap (Simple) or netns or veth1 (Namespaced)
     * exists.
     *
     * @return the rules with their kernel handles, and warnings about host forwarding
     * @throws FcnetException naming the failing step, its object, the errno and the kernel's message
     */
    public AddResult add(FirecrackerNetwork network) {
        Layout layout = new Layout(network);
        return withHost("Add", layout, host -> {
            AddOperation add = new AddOperation(layout, host, options.forwarding(), masqueradeLock, faults);
            AddResult result = add.run();
            knownHandles.put(network, add.hostHandles());
            return result;
        });
    }

    /**
     * Looks at every object the network consists of, changing nothing.
     *
     * @return every expected object as present, missing or different
     * @throws FcnetException only when the kernel could not be asked
     */
    public CheckReport check(FirecrackerNetwork network) {
        Layout layout = new Layout(network);
        return withHost("Check", layout,
                host -> new CheckOperation(layout, host, knownHandles.getOrDefault(network, Map.of())).run());
    }

    /**
     * Deletes the network, which must exist in full ({@link DeleteMode#STRICT}).
     *
     * @throws FcnetException "network tap0 does not exist" (or what of it is missing), having deleted nothing
     */
    public DeleteResult delete(FirecrackerNetwork network) {
        return delete(network, DeleteMode.STRICT);
    }

    /**
     * Deletes the network: its host rules, host route, tap or veth pair and netns. The fcnet table
     * and chains stay. Once it returns, the same network can be added again at once.
     *
     * @throws FcnetException for what could not be removed (every removal is tried), or in strict
     *     mode when the network is missing or incomplete (then nothing is removed)
     */
    public DeleteResult delete(FirecrackerNetwork network, DeleteMode mode) {
        Objects.requireNonNull(mode, "mode");
        Layout layout = new Layout(network);
        Map<RuleSpec, Long> known = knownHandles.getOrDefault(network, Map.of());
        try {
            return withHost("Delete", layout,
                    host -> new DeleteOperation(layout, host, mode, options.foreignObjects(), known).run());
        } finally {
            knownHandles.remove(network, known);
        }
    }

    /**
     * Runs the operation fcnet-style: Add, Check or (strict) Delete. Check returns its report
     * whether clean or not ({@link CheckReport#requireClean()} turns problems into an exception).
     */
    public OperationResult run(FirecrackerNetwork network, FirecrackerNetworkOperation operation) {
        return switch (operation) {
            case Add -> add(network);
            case Check -> check(network);
            case Delete -> delete(network);
        };
    }

    /** Closes the engine's sockets; operations still running finish, later ones fail. */
    @Override
    public void close() {
        closed = true;
        drain();
        if (hostNetns != null) hostNetns.close();
    }

    /** Makes every step of later Adds pass through {@code injector} first; for tests. */
    void faults(FaultInjector injector) {
        this.faults = Objects.requireNonNull(injector);
    }

    // ---- host sockets

    /**
     * Runs {@code operation} with a socket pair of the host netns from the pool. A failed look-up
     * (the steps of Add and the removals of Delete name themselves) becomes an
     * {@link FcnetException} too. A pair whose operation failed in another way (e.g. a reply that
     * could not be parsed) is closed rather than reused.
     */
    private <T> T withHost(String name, Layout layout, Function<Place, T> operation) {
        if (closed) throw new IllegalStateException("engine is closed");
        Place.Sockets s = idle.pollFirst();
        if (s == null) s = openHostSockets();
        boolean reusable = false;
        try {
            T result = operation.apply(new Place(Optional.empty(), hostNetns, s));
            reusable = true;
            return result;
        } catch (FcnetException e) {
            reusable = true;
            throw e;
        } catch (NetlinkException | SysException | UncheckedIOException e) {
            reusable = true;
            throw new FcnetException(name + " " + layout.id() + ": " + e.getMessage(), "look up", layout.id(), e);
        } finally {
            if (reusable && !closed) {
                idle.offerFirst(s);
                if (closed) drain();
            } else {
                sockets.remove(s);
                s.close();
            }
        }
    }

    private Place.Sockets openHostSockets() {
        Place.Sockets s;
        try {
            s = hostNetns == null ? Place.Sockets.open() : hostNetns.call(Place.Sockets::open);
        } catch (SysException e) {
            throw new FcnetException("cannot open netlink sockets in the host netns: " + e.getMessage(),
                    "open sockets", "host netns", e);
        }
        sockets.add(s);
        return s;
    }

    private void drain() {
        for (Place.Sockets s; (s = idle.pollFirst()) != null; ) {
            sockets.remove(s);
            s.close();
        }
    }
}
