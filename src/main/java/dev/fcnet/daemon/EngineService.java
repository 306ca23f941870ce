package dev.fcnet.daemon;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.engine.AddOptions;
import dev.fcnet.engine.AddRequest;
import dev.fcnet.engine.AddResult;
import dev.fcnet.engine.Caller;
import dev.fcnet.engine.CheckReport;
import dev.fcnet.engine.DeleteMode;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.engine.ListedNetwork;
import dev.fcnet.engine.Outcome;
import dev.fcnet.TapOwner;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The daemon's operations, carried out by one engine for every connection as fcnet's {@code run}
 * does: Add, Check (which succeeds only for a complete network, its reason listing every missing
 * or different object) and strict Delete. Whether foreign links and namespaces may be deleted is
 * the engine's {@link dev.fcnet.engine.ForeignObjects} option.
 *
 * <p>Each request runs for its client's uid ({@link Caller}): the engine records it in the marks of
 * what an Add creates and refuses a non-root client's Check or Delete of another user's network.
 * Tap owners are the daemon's policy: an Add from a non-root client makes a tap owned by the
 * client's uid and gid, and it may not name another owner; root may name any owner, or none (only
 * privileged processes can open the tap then). A Check expects the tap owner the same Add would
 * have given.
 *
 * <p>Adds, and Deletes, that connections send at the same time are carried out together by the
 * engine (see {@link FcnetEngine#add}), sharing the host's nftables transactions; each network
 * still succeeds or fails on its own, with the same answer as alone.
 */
public final class EngineService implements NetworkService {
    private final FcnetEngine engine;

    public EngineService(FcnetEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public Answer run(Peer peer, FcnetdRequest request) throws OperationFailedException {
        FirecrackerNetwork network = request.network();
        Caller caller = new Caller(peer.uid());
        try {
            return switch (request.operation()) {
                case Add -> Answer.ok(engine.add(network, new AddOptions(caller, tapOwner(peer, request))).warnings());
                case Check -> {
                    CheckReport report = engine.check(network, new AddOptions(caller, tapOwner(peer, request)));
                    // With detail the report is the answer, clean or not; fcnetd's answer is OK or the problems.
                    try {
                        report.requireClean();
                    } catch (FcnetException problems) {
                        throw new OperationFailedException(problems, request.detail() ? report.toJson() : null);
                    }
                    yield request.detail() ? new Answer(report.toJson(), report.warnings()) : Answer.ok(report.warnings());
                }
                case Delete -> {
                    engine.delete(network, DeleteMode.STRICT, caller);
                    yield Answer.ok(List.of());
                }
            };
        } catch (FcnetException e) {
            throw new OperationFailedException(e);
        }
    }

    /**
     * Adds and Deletes as one bulk operation of the engine ({@link FcnetEngine#addRequests},
     * {@link FcnetEngine#deleteAll(List, DeleteMode, Caller)}) rather than one call each, which
     * the engine would split into a first call alone and a batch of the rest; a request whose
     * tap owner is refused fails alone. Checks run as {@link NetworkService#runAll} does.
     */
    @Override
    public List<Result> runAll(Peer peer, List<FcnetdRequest> requests) {
        if (requests.isEmpty()) return List.of();
        FirecrackerNetworkOperation operation = requests.getFirst().operation();
        if (operation == FirecrackerNetworkOperation.Check || requests.stream().anyMatch(r -> r.operation() != operation)) {
            return NetworkService.super.runAll(peer, requests);
        }
        Caller caller = new Caller(peer.uid());
        Result[] results = new Result[requests.size()];
        List<Integer> bulk = new ArrayList<>();
        List<AddRequest> adds = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            FcnetdRequest request = requests.get(i);
            if (operation == FirecrackerNetworkOperation.Add) {
                try {
                    adds.add(new AddRequest(request.network(), new AddOptions(caller, tapOwner(peer, request))));
                } catch (OperationFailedException e) {
                    results[i] = Result.of(e);
                    continue;
                }
            }
            bulk.add(i);
        }
        List<? extends Outcome<?>> outcomes = operation == FirecrackerNetworkOperation.Add
                ? engine.addRequests(adds)
                : engine.deleteAll(requests.stream().map(FcnetdRequest::network).toList(), DeleteMode.STRICT, caller);
        for (int j = 0; j < bulk.size(); j++) {
            Outcome<?> o = outcomes.get(j);
            results[bulk.get(j)] = o instanceof Outcome.Failed<?> failed
                    ? Result.of(new OperationFailedException(failed.failure()))
                    : Result.of(Answer.ok(o.orThrow() instanceof AddResult added ? added.warnings() : List.of()));
        }
        return List.of(results);
    }

    /** The networks the client's uid added (root: all), as {@link ListedNetwork#toJson(List)}. */
    @Override
    public String list(Peer peer) throws OperationFailedException {
        try {
            return ListedNetwork.toJson(engine.list(new Caller(peer.uid())));
        } catch (FcnetException e) {
            throw new OperationFailedException(e);
        }
    }

    /** The tap owner an Add gets (and a Check expects), or why the client may not have the one it asked for. */
    static Optional<TapOwner> tapOwner(Peer peer, FcnetdRequest request) throws OperationFailedException {
        Optional<TapOwner> asked = request.tapOwner();
        if (peer.isRoot()) return asked;
        TapOwner own = TapOwner.of(peer.uid(), peer.gid());
        if (asked.isPresent() && !(asked.get().uid().orElse(peer.uid()) == peer.uid()
                && asked.get().gid().orElse(peer.gid()) == peer.gid())) {
            throw new OperationFailedException(FcnetException.Kind.PERMISSION, request.operation() + " "
                    + FcnetdServer.networkId(request.network())
                    + ": tap_owner " + describe(asked.get()) + " refused: a client that is not root (uid "
                    + peer.uid() + ", gid " + peer.gid() + ") may only own its taps itself");
        }
        return Optional.of(own);
    }

    private static String describe(TapOwner t) {
        return (t.uid().isPresent() ? "uid " + t.uid().getAsInt() : "")
                + (t.uid().isPresent() && t.gid().isPresent() ? ", " : "")
                + (t.gid().isPresent() ? "gid " + t.gid().getAsInt() : "");
    }
}
