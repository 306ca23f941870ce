package dev.fcnet.engine;

import dev.fcnet.engine.FcnetException.Step;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.sys.SysException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import java.util.function.IntFunction;

/**
 * Adds, checks and deletes Firecracker microVM networks over netlink, without spawning any
 * process: the tap (in the host netns, or in a netns of its own joined to the host by a veth
 * pair), its addresses and routes, and the nftables NAT and forward rules of table {@code fcnet},
 * exactly as Rust fcnet makes them.
 *
 * <p>An engine is thread-safe and meant to be kept: operations on distinct networks may run at
 * once from any threads, virtual ones included, and {@link #addAll}, {@link #checkAll} and
 * {@link #deleteAll} work on many networks at once, sharing the host's nftables transactions
 * (single Adds and Deletes that threads ask for at the same time go together the same way).
 * It keeps a pool of netlink sockets for its host netns (one pair per concurrently running
 * operation, reused by later ones); sockets inside a network's own netns are opened for one
 * operation, on a platform thread that entered it. It keeps a copy of the host's fcnet rules,
 * exact as long as the ruleset's generation says nobody changed it, so that finding a network's
 * rules costs no chain dump however many networks there are; and a thread that destroys, in
 * batches, the host links Deletes retired (see {@link #delete(FirecrackerNetwork, DeleteMode)}).
 * Closing the engine waits for that destruction and closes its sockets.
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

    /**
     * How many networks a bulk operation works on at once by default: the processors, but at
     * least 2 (while one thread waits for the kernel, another prepares its next request).
     */
    public static final int BULK_PARALLELISM = Math.max(2, Runtime.getRuntime().availableProcessors());

    /** The logger is made on first use: the JDK's logging costs milliseconds to set up, which a one-shot CLI need not pay. */
    private static final class Log {
        static final System.Logger LOGGER = System.getLogger("dev.fcnet.engine");
    }

    static void log(System.Logger.Level level, String message) {
        Log.LOGGER.log(level, message);
    }

    /** Logs at DEBUG, making the message only when DEBUG is on. */
    static void debug(Supplier<String> message) {
        Log.LOGGER.log(System.Logger.Level.DEBUG, message);
    }

    private final EngineOptions options;
    /** The host netns when the options name one; null for the calling thread's own. */
    private final Netns hostNetns;
    private final ConcurrentLinkedDeque<OpenNetns.Sockets> idle = new ConcurrentLinkedDeque<>();
    private final Set<OpenNetns.Sockets> sockets = ConcurrentHashMap.newKeySet();
    /** The copy of the host's fcnet tables, through which every host part is found, added and deleted. */
    private final HostTables hostTables = new HostTables();
    /** How networks' host parts are kept in the host's fcnet table. */
    private final Ruleset ruleset;
    /** Adds, and Deletes of each mode, that threads ask for at once go together as bulk operations. */
    private final Coalescer<AddRequest, AddResult> adds = new Coalescer<>(
            requests -> addRequests(requests, BULK_PARALLELISM, OperationTrace.noProgress()), AddRequest::network,
            Coalescer.LINGER);
    private final Map<DeleteMode, Coalescer<DeleteRequest, DeleteResult>> deletes = new EnumMap<>(DeleteMode.class);
    private final Graveyard graveyard;
    /** Prepared clone slots (DESIGN §4b); of size 0 without a pool, when it only removes what dead engines' pools left. */
    private final ClonePool pool;
    private volatile FaultInjector faults = FaultInjector.NONE;
    private volatile boolean closed;

    private FcnetEngine(EngineOptions options, Netns hostNetns, Rtnl graveyardSocket) {
        this.options = options;
        this.ruleset = switch (options.ruleset()) {
            case FCNET -> new FcnetRuleset();
            case SETS -> new SetsRuleset();
        };
        this.hostNetns = hostNetns;
        this.pool = new ClonePool(options.pool(), openRtnl(hostNetns), hostNetns);
        this.graveyard = new Graveyard(graveyardSocket);
        for (DeleteMode mode : DeleteMode.values()) {
            deletes.put(mode, new Coalescer<>(
                    requests -> deleteRequests(requests, mode, BULK_PARALLELISM, OperationTrace.noProgress()),
                    DeleteRequest::network, Coalescer.LINGER));
        }
    }

    /** {@return an engine for the process's own network namespace, warning about disabled host forwarding} */
    public static FcnetEngine open() {
        return open(EngineOptions.defaults());
    }

    /**
     * An engine with these options.
     *
     * @param options the host netns, forwarding policy and treatment of foreign objects
     * @return the engine
     * @throws FcnetException when the host netns named by the options cannot be opened
     */
    public static FcnetEngine open(EngineOptions options) {
        Objects.requireNonNull(options, "options");
        if (options.hostNetns().isEmpty()) return new FcnetEngine(options, null, openRtnl(null));
        Path path = options.hostNetns().get();
        Netns netns;
        try {
            netns = Netns.open(path);
        } catch (SysException e) {
            throw new FcnetException("cannot open host netns " + path + ": " + e.getMessage(), Step.OPEN_HOST_NETNS,
                    path.toString(), e);
        }
        try {
            return new FcnetEngine(options, netns, openRtnl(netns));
        } catch (RuntimeException | Error e) {
            netns.close();
            throw e;
        }
    }

    private static Rtnl openRtnl(Netns netns) {
        try {
            return netns == null ? Rtnl.open() : netns.call(Rtnl::open);
        } catch (SysException e) {
            throw new FcnetException("cannot open a netlink socket in the host netns: " + e.getMessage(), Step.OPEN_SOCKETS,
                    "host netns", e);
        }
    }

    /**
     * Runs one operation with a fresh engine for the process's own netns, as fcnet's {@code run}
     * does. Check does not throw for a network that is not clean: look at the report.
     *
     * @param network the network
     * @param operation what to do with it
     * @return the operation's result
     * @throws FcnetException when the operation failed
     */
    public static OperationResult runOnce(FirecrackerNetwork network, FirecrackerNetworkOperation operation) {
        try (FcnetEngine engine = open()) {
            return engine.run(network, operation);
        }
    }

    /**
     * Adds the network with a fresh engine for the process's own netns: {@link #runOnce} for Add, typed.
     *
     * @param network the network
     * @return the rules with their kernel handles, and warnings about host forwarding
     * @throws FcnetException when the Add failed (and was undone)
     */
    public static AddResult addOnce(FirecrackerNetwork network) {
        try (FcnetEngine engine = open()) {
            return engine.add(network);
        }
    }

    /**
     * Checks the network with a fresh engine for the process's own netns: {@link #runOnce} for Check, typed.
     *
     * @param network the network
     * @return every expected object as present, missing or different
     * @throws FcnetException only when the kernel could not be asked
     */
    public static CheckReport checkOnce(FirecrackerNetwork network) {
        try (FcnetEngine engine = open()) {
            return engine.check(network);
        }
    }

    /**
     * Deletes the network with a fresh engine for the process's own netns: {@link #runOnce} for Delete, typed.
     *
     * @param network the network
     * @return what was removed
     * @throws FcnetException when the network is missing or incomplete, or could not be removed
     */
    public static DeleteResult deleteOnce(FirecrackerNetwork network) {
        try (FcnetEngine engine = open()) {
            return engine.delete(network);
        }
    }

    /** {@return the options the engine was opened with} */
    public EngineOptions options() {
        return options;
    }

    /**
     * Creates the network: its netns and veth pair (Namespaced), tap, addresses, routes and rules,
     * in that order, with the table and chains created when missing. All or nothing: when a step fails, the steps done are undone in reverse
     * order. Refuses, changing nothing, a network whose tap (Simple) or netns or veth1 (Namespaced)
     * exists.
     *
     * <p>Adds that other threads ask for at the same time are carried out together with this one,
     * as one {@link #addAll}, sharing the host's nftables transactions; each still succeeds or
     * fails on its own.
     *
     * @param network the network
     * @return the rules with their kernel handles, and warnings about host forwarding
     * @throws FcnetException naming the failing step, its object, the errno and the kernel's message
     */
    public AddResult add(FirecrackerNetwork network) {
        return add(network, AddOptions.DEFAULT);
    }

    /**
     * {@link #add(FirecrackerNetwork)} with options: the caller recorded in the network's marks,
     * the owner of its tap.
     *
     * @param network the network
     * @param options the caller to record in its marks and who may open its tap
     * @return the rules with their kernel handles, and warnings about host forwarding
     * @throws FcnetException naming the failing step, its object, the errno and the kernel's message
     */
    public AddResult add(FirecrackerNetwork network, AddOptions options) {
        return adds.run(new AddRequest(network, options));
    }

    /**
     * Looks at every object the network consists of, changing nothing (not even the clean-up of
     * what dead engines left, which only Adds and Deletes do). Host forwarding that is off is a
     * {@link CheckItem.Status#WARNING}, which leaves the report clean, as Add only warns about it;
     * an engine told to enable or require it counts it.
     *
     * @param network the network
     * @return every expected object as present, missing or different
     * @throws FcnetException only when the kernel could not be asked
     */
    public CheckReport check(FirecrackerNetwork network) {
        return check(network, AddOptions.DEFAULT);
    }

    /**
     * {@link #check(FirecrackerNetwork)} of the network as {@link #add(FirecrackerNetwork, AddOptions)}
     * makes it with {@code options}: for their caller, with their tap owner. A tap whose owner or
     * group differs from the options' tap owner is reported DIFFERENT; without a tap owner in the
     * options, the tap's owner is not compared (the report shows it).
     *
     * @param network the network
     * @param options the caller and tap owner the network was added with
     * @return every expected object as present, missing or different
     * @throws FcnetException of kind {@link FcnetException.Kind#NOT_OURS} when the caller is not root
     *     and a link or netns of the network is marked for another user or not marked at all
     */
    public CheckReport check(FirecrackerNetwork network, AddOptions options) {
        Objects.requireNonNull(options, "options");
        Layout layout = new Layout(network);
        OperationTrace<CheckReport> trace = checkTrace(OperationTrace.noProgress(), 1);
        trace.begin(0);
        try {
            CheckReport report = withHost("Check", layout, host -> new CheckOperation(layout, host, ruleset, hostTables, options,
                    this.options.forwarding()).run());
            trace.end(0, new Outcome.Done<>(report), 0);
            return report;
        } catch (FcnetException e) {
            trace.end(0, new Outcome.Failed<>(network, e), 0);
            throw e;
        }
    }

    private static OperationTrace<CheckReport> checkTrace(Consumer<? super Outcome<CheckReport>> progress, int networks) {
        return new OperationTrace<>("Check", r -> r.items().size(), progress, networks);
    }

    /**
     * Every network the engine made on this host (in the host netns and in the namespaces under
     * /run/netns), found from the marks the kernel holds, with what is left of each and whether it
     * is complete: what to look at after a crash or before a reboot. Each network whose settings
     * its parts tell can be given to {@link #delete} as it is. It reads whole link lists and
     * chains: not for a hot path. Changes nothing.
     *
     * @return every network found, complete or not
     * @throws FcnetException when the kernel could not be asked
     */
    public List<ListedNetwork> list() {
        return list(Caller.ROOT);
    }

    /**
     * {@link #list()} of the networks {@code caller} may see: all for root, else those its marks record for it.
     *
     * @param caller the user to list for
     * @return the networks found that the caller may see
     * @throws FcnetException when the kernel could not be asked
     */
    public List<ListedNetwork> list(Caller caller) {
        Objects.requireNonNull(caller, "caller");
        OpenNetns.Sockets s = acquire();
        boolean reusable = false;
        try {
            List<ListedNetwork> found = new ListOperation(hostPlace(s), ruleset, hostTables, caller, options.forwarding()).run();
            reusable = true;
            return found;
        } catch (FcnetException e) {
            reusable = true;
            throw e;
        } catch (NetlinkException | SysException | UncheckedIOException e) {
            reusable = true;
            throw new FcnetException("List: " + e.getMessage(), Step.LIST, "host netns", e);
        } finally {
            release(s, reusable);
        }
    }

    /**
     * Deletes the network, which should exist in full ({@link DeleteMode#STRICT}).
     *
     * @param network the network
     * @return what was removed
     * @throws FcnetException of kind {@link FcnetException.Kind#NOT_FOUND} ("network tap0 does not
     *     exist") having deleted nothing, or {@link FcnetException.Kind#INCOMPLETE} naming what was
     *     missing, having deleted the rest
     */
    public DeleteResult delete(FirecrackerNetwork network) {
        return delete(network, DeleteMode.STRICT);
    }

    /**
     * Deletes the network: its host rules (or set elements, {@link RulesetKind#SETS}), host route,
     * tap or veth pair and netns. The fcnet table and chains (and sets) stay.
     *
     * <p>When it returns the network is gone as far as anyone can tell: its rules and route are
     * deleted, its names and addresses are free (the same network can be added again at once),
     * its netns is unlinked and its host link is down, without address and renamed
     * {@code fcg<ifindex>}. Destroying that link (and with it veth2 and the rest of the netns)
     * costs the kernel about 16 ms a device, so it is left to a thread of the engine that destroys
     * every link retired meanwhile in one request (they are in a link group of the engine's own,
     * a random one; an engine's first Add or Delete also destroys, the same way, links that an
     * engine which died had retired: named {@code fcg<ifindex>} and marked). {@link #close()}
     * and {@link #awaitDestruction()} wait for it.
     *
     * <p>Deletes of the same mode that other threads ask for at the same time are carried out
     * together with this one, as one {@link #deleteAll}; each still succeeds or fails on its own.
     *
     * <p>A network that is partly there (after a crash, or its netns deleted behind the engine's
     * back) is removed as far as it is there; its rules are found by content, every copy of
     * each. Strict mode then fails as {@link FcnetException.Kind#INCOMPLETE}, naming what was
     * missing; idempotent mode lists it in {@link DeleteResult#absent()}. Links and a netns
     * without the engine's mark are removed only under {@link ForeignObjects#ALLOW}; otherwise,
     * as for an object of the wrong kind, nothing is removed ({@link FcnetException.Kind#NOT_OURS}).
     *
     * @param network the network
     * @param mode whether the network must exist in full
     * @return what was removed, and in idempotent mode what was already missing
     * @throws FcnetException for what could not be removed (every removal is tried), what may not
     *     be removed, or in strict mode when the network is missing (then nothing is removed) or
     *     incomplete
     */
    public DeleteResult delete(FirecrackerNetwork network, DeleteMode mode) {
        return delete(network, mode, Caller.ROOT);
    }

    /**
     * {@link #delete(FirecrackerNetwork, DeleteMode)} for {@code caller}: refused, as
     * {@link FcnetException.Kind#NOT_OURS} and removing nothing, for a network whose marks record
     * another user or that has a link or netns without the mark, unless the caller is root.
     *
     * @param network the network
     * @param mode whether the network must exist in full
     * @param caller the user to delete it for
     * @return what was removed, and in idempotent mode what was already missing
     * @throws FcnetException as {@link #delete(FirecrackerNetwork, DeleteMode)} does, or of kind
     *     {@link FcnetException.Kind#NOT_OURS} when the network is not the caller's
     */
    public DeleteResult delete(FirecrackerNetwork network, DeleteMode mode, Caller caller) {
        return deletes.get(Objects.requireNonNull(mode, "mode")).run(new DeleteRequest(network, caller));
    }

    /** One network of a bulk Delete, with the user it is deleted for. */
    private record DeleteRequest(FirecrackerNetwork network, Caller caller) {
        DeleteRequest {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(caller, "caller");
        }
    }

    /**
     * Adds every network, {@link #BULK_PARALLELISM} at a time, each all or nothing on its own:
     * one that fails is rolled back and named in its {@link Outcome.Failed}, the others are
     * added all the same.
     *
     * @param networks the networks
     * @return one outcome per network, in the order given
     */
    public List<Outcome<AddResult>> addAll(List<FirecrackerNetwork> networks) {
        return addAll(networks, BULK_PARALLELISM);
    }

    /**
     * {@link #addAll(List)} with at most {@code parallelism} networks added at once. In three
     * phases: each network up to its host rules (or set elements), in parallel; those of all of
     * them in few transactions (the kernel's cost of a commit grows with the rules in the table, so
     * one per network would not do for thousands); the rest of each, in parallel.
     *
     * @param networks the networks
     * @param parallelism how many networks are worked on at once
     * @return one outcome per network, in the order given
     */
    public List<Outcome<AddResult>> addAll(List<FirecrackerNetwork> networks, int parallelism) {
        return addRequests(networks.stream().map(AddRequest::of).toList(), parallelism);
    }

    /**
     * {@link #addAll(List)} with each network's own options.
     *
     * @param requests the networks, each with its options
     * @return one outcome per request, in the order given
     */
    public List<Outcome<AddResult>> addRequests(List<AddRequest> requests) {
        return addRequests(requests, BULK_PARALLELISM);
    }

    /**
     * {@link #addAll(List, int)} with each network's own options.
     *
     * @param requests the networks, each with its options
     * @param parallelism how many networks are worked on at once
     * @return one outcome per request, in the order given
     */
    public List<Outcome<AddResult>> addRequests(List<AddRequest> requests, int parallelism) {
        return addRequests(requests, parallelism, OperationTrace.noProgress());
    }

    /**
     * {@link #addRequests(List, int)}, telling {@code progress} each network's outcome as soon as
     * it is known (from the engine's threads, several at once: it must be thread-safe and quick).
     *
     * @param requests the networks, each with its options
     * @param parallelism how many networks are worked on at once
     * @param progress told each network's outcome as soon as it is known
     * @return one outcome per request, in the order given
     */
    public List<Outcome<AddResult>> addRequests(List<AddRequest> requests, int parallelism,
            Consumer<? super Outcome<AddResult>> progress) {
        List<AddRequest> reqs = List.copyOf(requests);
        List<FirecrackerNetwork> all = reqs.stream().map(AddRequest::network).toList();
        OperationTrace<AddResult> trace = new OperationTrace<>("Add", r -> r.rules().size(),
                Objects.requireNonNull(progress, "progress"), all.size());
        graveyard.sweepOnce();
        return inThreePhases(all, parallelism, trace, new Phases<AddOperation, AddResult>() {
            @Override
            public AddOperation start(OpenNetns host, int index) {
                AddOperation op = new AddOperation(new Layout(all.get(index)), reqs.get(index).options(), host,
                        options.forwarding(), ruleset, hostTables, faults, pool);
                op.prepare();
                return op;
            }

            @Override
            public List<Optional<FcnetException>> together(OpenNetns host, List<AddOperation> started) {
                BiFunction<HostTables.Family, List<Layout>, HostCommitter.Plan<Ruleset.AddedPart>> careful =
                        (copy, layouts) -> ruleset.planAdds(copy, layouts, true);
                List<HostCommitter.Result<Ruleset.AddedPart>> parts = HostCommitter.commit(hostTables, host.nft,
                        started.stream().map(AddOperation::layout).toList(), l -> l.family,
                        ruleset.looksUp() ? (copy, layouts) -> ruleset.planAdds(copy, layouts, false) : careful, careful);
                return taking(started, parts, AddOperation::takeHostPart);
            }

            @Override
            public AddResult finish(AddOperation op) {
                return op.finish();
            }

            @Override
            public int stepsDone(AddOperation op) {
                return op.stepsDone();
            }
        });
    }

    /**
     * The three phases of a bulk Add or Delete: each network's own part up to its host part
     * ({@link #start}), in parallel; the host parts of all of them in few transactions
     * ({@link #together}: the kernel's cost of a commit grows with the rules in the table, so one
     * per network would not do for thousands); the rest of each ({@link #finish}), in parallel.
     */
    private interface Phases<O, R> {
        /** Network {@code index}'s part before its host part, with a host socket pair of its worker; throws when it failed. */
        O start(OpenNetns host, int index);

        /** The host parts of every network started, in few transactions: each one's failure, if it failed, in order. */
        List<Optional<FcnetException>> together(OpenNetns host, List<O> started);

        /** The rest of one network; throws when it failed. */
        R finish(O op);

        /** How many steps a started operation has carried out, for the trace of one that failed. */
        default int stepsDone(O op) {
            return 0;
        }
    }

    /** Hands each operation its committed host part, in order: what {@code take} throws is that operation's failure. */
    private static <O, H> List<Optional<FcnetException>> taking(List<O> ops, List<HostCommitter.Result<H>> parts,
            BiConsumer<O, HostCommitter.Result<H>> take) {
        List<Optional<FcnetException>> failures = new ArrayList<>(ops.size());
        for (int i = 0; i < ops.size(); i++) {
            try {
                take.accept(ops.get(i), parts.get(i));
                failures.add(Optional.empty());
            } catch (FcnetException e) {
                failures.add(Optional.of(e));
            }
        }
        return failures;
    }

    private <O, R extends OperationResult> List<Outcome<R>> inThreePhases(List<FirecrackerNetwork> all, int parallelism,
            OperationTrace<R> trace, Phases<O, R> phases) {
        int workers = workers(parallelism, all.size());
        @SuppressWarnings("unchecked")
        Outcome<R>[] outcomes = new Outcome[all.size()];
        List<O> ops = new ArrayList<>(Collections.nCopies(all.size(), null));
        IntUnaryOperator stepsDone = i -> ops.get(i) == null ? 0 : phases.stepsDone(ops.get(i));
        withPlaces(workers, places -> {
            parallel(workers, all, outcomes, trace, stepsDone, (w, i) -> {
                ops.set(i, phases.start(places[w], i));
                return null;
            });
            List<Integer> started = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) if (outcomes[i] == null) started.add(i);
            if (!started.isEmpty()) {
                List<Optional<FcnetException>> failures = phases.together(places[0],
                        started.stream().map(ops::get).toList());
                for (int k = 0; k < started.size(); k++) {
                    int i = started.get(k);
                    failures.get(k).ifPresent(f -> {
                        outcomes[i] = new Outcome.Failed<>(all.get(i), f);
                        trace.end(i, outcomes[i], stepsDone.applyAsInt(i));
                    });
                }
            }
            parallel(workers, all, outcomes, trace, stepsDone, (w, i) -> phases.finish(ops.get(i)));
        });
        return List.of(outcomes);
    }

    /**
     * Checks every network, {@link #BULK_PARALLELISM} at a time.
     *
     * @param networks the networks
     * @return one outcome per network, in the order given
     */
    public List<Outcome<CheckReport>> checkAll(List<FirecrackerNetwork> networks) {
        return checkAll(networks, BULK_PARALLELISM);
    }

    /**
     * {@link #checkAll(List)} with at most {@code parallelism} networks checked at once.
     *
     * @param networks the networks
     * @param parallelism how many networks are checked at once
     * @return one outcome per network, in the order given
     */
    public List<Outcome<CheckReport>> checkAll(List<FirecrackerNetwork> networks, int parallelism) {
        return checkAll(networks, parallelism, OperationTrace.noProgress());
    }

    /**
     * {@link #checkAll(List, int)}, telling {@code progress} each outcome as {@link #addRequests(List, int, Consumer)} does.
     *
     * @param networks the networks
     * @param parallelism how many networks are checked at once
     * @param progress told each network's outcome as soon as it is known
     * @return one outcome per network, in the order given
     */
    public List<Outcome<CheckReport>> checkAll(List<FirecrackerNetwork> networks, int parallelism,
            Consumer<? super Outcome<CheckReport>> progress) {
        List<FirecrackerNetwork> all = List.copyOf(networks);
        int workers = workers(parallelism, all.size());
        @SuppressWarnings("unchecked")
        Outcome<CheckReport>[] outcomes = new Outcome[all.size()];
        OperationTrace<CheckReport> trace = checkTrace(Objects.requireNonNull(progress, "progress"), all.size());
        withPlaces(workers, places -> parallel(workers, all, outcomes, trace, i -> 0,
                (w, i) -> new CheckOperation(new Layout(all.get(i)), places[w], ruleset, hostTables, AddOptions.DEFAULT,
                        options.forwarding()).run()));
        return List.of(outcomes);
    }

    /**
     * Deletes every network as {@link #delete(FirecrackerNetwork, DeleteMode)} does,
     * {@link #BULK_PARALLELISM} at a time; one that fails does not keep the others from being
     * deleted. Their host rules (or set elements) go in few transactions, their retired links in few
     * batches.
     *
     * @param networks the networks
     * @param mode whether each network must exist in full
     * @return one outcome per network, in the order given
     */
    public List<Outcome<DeleteResult>> deleteAll(List<FirecrackerNetwork> networks, DeleteMode mode) {
        return deleteAll(networks, mode, BULK_PARALLELISM);
    }

    /**
     * {@link #deleteAll(List, DeleteMode)} with at most {@code parallelism} networks deleted at once.
     *
     * @param networks the networks
     * @param mode whether each network must exist in full
     * @param parallelism how many networks are worked on at once
     * @return one outcome per network, in the order given
     */
    public List<Outcome<DeleteResult>> deleteAll(List<FirecrackerNetwork> networks, DeleteMode mode, int parallelism) {
        return deleteAll(networks, mode, parallelism, OperationTrace.noProgress());
    }

    /**
     * {@link #deleteAll(List, DeleteMode, int)}, telling {@code progress} each outcome as
     * {@link #addRequests(List, int, Consumer)} does.
     *
     * @param networks the networks
     * @param mode whether each network must exist in full
     * @param parallelism how many networks are worked on at once
     * @param progress told each network's outcome as soon as it is known
     * @return one outcome per network, in the order given
     */
    public List<Outcome<DeleteResult>> deleteAll(List<FirecrackerNetwork> networks, DeleteMode mode, int parallelism,
            Consumer<? super Outcome<DeleteResult>> progress) {
        return deleteRequests(networks.stream().map(n -> new DeleteRequest(n, Caller.ROOT)).toList(), mode, parallelism,
                progress);
    }

    /**
     * {@link #deleteAll(List, DeleteMode)} for {@code caller}: each network fails of kind
     * {@link FcnetException.Kind#NOT_OURS} when it is not the caller's, as
     * {@link #delete(FirecrackerNetwork, DeleteMode, Caller)} does.
     *
     * @param networks the networks
     * @param mode whether each network must exist in full
     * @param caller the user to delete them for
     * @return one outcome per network, in the order given
     */
    public List<Outcome<DeleteResult>> deleteAll(List<FirecrackerNetwork> networks, DeleteMode mode, Caller caller) {
        Objects.requireNonNull(caller, "caller");
        return deleteRequests(networks.stream().map(n -> new DeleteRequest(n, caller)).toList(), mode, BULK_PARALLELISM,
                OperationTrace.noProgress());
    }

    private List<Outcome<DeleteResult>> deleteRequests(List<DeleteRequest> requests, DeleteMode mode, int parallelism,
            Consumer<? super Outcome<DeleteResult>> progress) {
        Objects.requireNonNull(mode, "mode");
        List<FirecrackerNetwork> all = requests.stream().map(DeleteRequest::network).toList();
        // An idempotent Delete is a clean-up: it sweeps whatever dead engines left each time.
        if (mode == DeleteMode.IDEMPOTENT) graveyard.sweep();
        else graveyard.sweepOnce();
        OperationTrace<DeleteResult> trace = new OperationTrace<>("Delete", r -> r.removed().size(), Objects.requireNonNull(progress, "progress"), all.size());
        return inThreePhases(all, parallelism, trace, new Phases<DeleteOperation, DeleteResult>() {
            @Override
            public DeleteOperation start(OpenNetns host, int index) {
                DeleteOperation op = new DeleteOperation(new Layout(all.get(index)), requests.get(index).caller(), host, mode,
                        options.foreignObjects(), graveyard, pool);
                op.survey();
                return op;
            }

            @Override
            public List<Optional<FcnetException>> together(OpenNetns host, List<DeleteOperation> started) {
                List<HostCommitter.Result<Ruleset.RemovedPart>> parts = HostCommitter.commit(hostTables, host.nft,
                        started.stream().map(DeleteOperation::hostPart).toList(), p -> p.layout().family,
                        ruleset::planDeletes);
                return taking(started, parts, DeleteOperation::takeHostPart);
            }

            @Override
            public DeleteResult finish(DeleteOperation op) {
                return op.finish();
            }
        });
    }

    /** A step of a bulk operation for network {@code index}, run by worker {@code worker}. */
    @FunctionalInterface
    private interface BulkStep<R> {
        R run(int worker, int index);
    }

    private static int workers(int parallelism, int networks) {
        if (parallelism < 1) throw new IllegalArgumentException("parallelism " + parallelism + " < 1");
        return Math.max(1, Math.min(parallelism, networks));
    }

    /** Runs {@code body} with {@code count} socket pairs of the host netns (one per worker), as places. */
    private void withPlaces(int count, Consumer<OpenNetns[]> body) {
        OpenNetns[] places = new OpenNetns[count];
        try {
            for (int i = 0; i < count; i++) places[i] = hostPlace(acquire());
            body.accept(places);
        } finally {
            for (OpenNetns p : places) if (p != null) release(p.sockets(), true);
        }
    }

    /**
     * Runs {@code step} for every network that has no outcome yet, from {@code workers} platform
     * threads (the work is system calls, which would pin virtual threads to their carriers
     * anyway). A result becomes the network's outcome; a failure too, caught, so that it does
     * not keep the others from running. Each outcome is told to {@code trace}, with
     * {@code stepsDone} of a failed network.
     */
    private static <R extends OperationResult> void parallel(int workers, List<FirecrackerNetwork> networks,
            Outcome<R>[] outcomes, OperationTrace<R> trace, IntUnaryOperator stepsDone, BulkStep<R> step) {
        AtomicInteger next = new AtomicInteger();
        IntFunction<Runnable> worker = w -> () -> {
            for (int i; (i = next.getAndIncrement()) < networks.size(); ) {
                if (outcomes[i] != null) continue;
                FirecrackerNetwork n = networks.get(i);
                trace.begin(i);
                try {
                    R result = step.run(w, i);
                    if (result != null) outcomes[i] = new Outcome.Done<>(result);
                } catch (FcnetException e) {
                    outcomes[i] = new Outcome.Failed<>(n, e);
                } catch (RuntimeException e) {
                    outcomes[i] = new Outcome.Failed<>(n, lookupFailed(trace.operation(), n, e));
                }
                if (outcomes[i] != null) trace.end(i, outcomes[i], stepsDone.applyAsInt(i));
            }
        };
        List<Thread> threads = new ArrayList<>();
        for (int w = 1; w < workers; w++) threads.add(Thread.ofPlatform().name("fcnet-bulk-" + w).start(worker.apply(w)));
        // The caller works too (a virtual caller is pinned for the while, as by any operation).
        worker.apply(0).run();
        threads.forEach(Threads::joinUninterruptibly);
    }

    /**
     * Waits until the kernel has destroyed every link that Deletes returned before this call had
     * retired: then {@code ip link} no longer lists them. Deletes run meanwhile are not waited for.
     *
     * @throws FcnetException when the kernel refused to destroy them
     */
    public void awaitDestruction() {
        graveyard.await();
    }

    /**
     * Runs the operation fcnet-style: Add, Check or (strict) Delete. Check returns its report
     * whether clean or not ({@link CheckReport#requireClean()} turns problems into an exception).
     *
     * @param network the network
     * @param operation what to do with it
     * @return the operation's result
     * @throws FcnetException when the operation failed
     */
    public OperationResult run(FirecrackerNetwork network, FirecrackerNetworkOperation operation) {
        return switch (operation) {
            case Add -> add(network);
            case Check -> check(network);
            case Delete -> delete(network);
        };
    }

    /**
     * Waits for the destruction of the links Deletes retired ({@link #awaitDestruction()}), then
     * closes the engine's sockets; operations still running finish (their links are deleted
     * synchronously), later ones fail.
     */
    @Override
    public void close() {
        closed = true;
        pool.close();
        graveyard.close();
        drain();
        if (hostNetns != null) hostNetns.close();
    }

    /**
     * Completes, with the pool size, when the clone pool ({@link EngineOptions#withPool}) is full
     * for the first time; never without a pool.
     *
     * @return the pool's first filling
     */
    public CompletionStage<Integer> poolReady() {
        return pool.full();
    }

    /** {@return how many clone pool slots are ready now} */
    public int poolSlots() {
        return pool.ready();
    }

    /** Keeps (true) the clone pool from making slots until let go (false); for tests. */
    void holdPool(boolean hold) {
        pool.hold(hold);
    }

    /** Stops the clone pool, leaving its slots as a dying engine would; for tests. */
    void abandonPool() {
        pool.abandon();
    }

    /** The engine's copy of the host's fcnet tables; for tests. */
    HostTables hostTables() {
        return hostTables;
    }

    /** The link group of the links Deletes retired; for tests. */
    int graveyardGroup() {
        return graveyard.group();
    }

    /** The batching of concurrent Adds; for tests. */
    Coalescer<AddRequest, AddResult> adds() {
        return adds;
    }

    /** Keeps (true) the links Deletes retire from being destroyed until let go (false); for tests. */
    void holdDestruction(boolean hold) {
        graveyard.hold(hold);
    }

    /** Makes every step of later Adds pass through {@code injector} first; for tests. */
    void faults(FaultInjector injector) {
        this.faults = Objects.requireNonNull(injector);
    }

    // ---- host sockets

    /**
     * Runs {@code operation} (a Check; Adds and Deletes go through the bulk operations) with a
     * socket pair of the host netns from the pool. A failed look-up becomes an
     * {@link FcnetException} too. A pair whose operation failed in another way (e.g. a reply that
     * could not be parsed) is closed rather than reused.
     */
    private <T> T withHost(String name, Layout layout, Function<OpenNetns, T> operation) {
        OpenNetns.Sockets s = acquire();
        boolean reusable = false;
        try {
            T result = operation.apply(hostPlace(s));
            reusable = true;
            return result;
        } catch (FcnetException e) {
            reusable = true;
            throw e;
        } catch (NetlinkException | SysException | UncheckedIOException e) {
            reusable = true;
            throw lookupFailed(name, layout.network, e);
        } finally {
            release(s, reusable);
        }
    }

    private static FcnetException lookupFailed(String name, FirecrackerNetwork network, RuntimeException e) {
        String id = Layout.id(network);
        return new FcnetException(name + " " + id + ": " + e.getMessage(), Step.LOOK_UP, id, e);
    }

    private OpenNetns hostPlace(OpenNetns.Sockets s) {
        return new OpenNetns(Optional.empty(), hostNetns, s);
    }

    /** A socket pair of the host netns from the pool, or a new one. */
    private OpenNetns.Sockets acquire() {
        if (closed) throw new IllegalStateException("engine is closed");
        OpenNetns.Sockets s = idle.pollFirst();
        return s != null ? s : openHostSockets();
    }

    /** Back to the pool, or closed when its operation failed in a way that may have left it unusable. */
    private void release(OpenNetns.Sockets s, boolean reusable) {
        if (reusable && !closed) {
            idle.offerFirst(s);
            if (closed) drain();
        } else {
            sockets.remove(s);
            s.close();
        }
    }

    private OpenNetns.Sockets openHostSockets() {
        OpenNetns.Sockets s;
        try {
            s = hostNetns == null ? OpenNetns.Sockets.open() : hostNetns.call(OpenNetns.Sockets::open);
        } catch (SysException e) {
            throw new FcnetException("cannot open netlink sockets in the host netns: " + e.getMessage(),
                    Step.OPEN_SOCKETS, "host netns", e);
        }
        sockets.add(s);
        return s;
    }

    private void drain() {
        for (OpenNetns.Sockets s; (s = idle.pollFirst()) != null; ) {
            sockets.remove(s);
            s.close();
        }
    }
}
