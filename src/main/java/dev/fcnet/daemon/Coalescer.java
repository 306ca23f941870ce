package dev.fcnet.daemon;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.engine.OperationResult;
import dev.fcnet.engine.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Carries out the requests of one operation that arrive from many connections at once as bulk
 * operations of the engine: while one batch runs, the requests that come in wait, and the next of
 * their threads carries all of them out as the next batch. A request that finds nothing running is
 * carried out at once, alone, so a lone client waits no longer than before. For Add and Delete
 * this shares the host's nftables transactions: each commit costs the kernel time that grows with
 * the rules in the table (NftCommitBench), so one commit per request would make thousands of
 * concurrent clients wait in line for it.
 *
 * <p>Each network still succeeds or fails alone (the engine's bulk operations are all or nothing
 * per network). A batch holds a network (by its id: the tap of a Simple network, the netns of a
 * Namespaced one) at most once; a second request for it waits for the next batch, so that two
 * clients racing for one network are told apart as they would be by one engine call after the other.
 */
final class Coalescer<R extends OperationResult> {
    private final Function<List<FirecrackerNetwork>, List<Outcome<R>>> bulk;
    private final ReentrantLock running = new ReentrantLock();
    private final ConcurrentLinkedDeque<Request<R>> waiting = new ConcurrentLinkedDeque<>();

    /** @param bulk the engine's bulk operation: one outcome per network, in order */
    Coalescer(Function<List<FirecrackerNetwork>, List<Outcome<R>>> bulk) {
        this.bulk = Objects.requireNonNull(bulk, "bulk");
    }

    private static final class Request<R extends OperationResult> {
        final FirecrackerNetwork network;
        /** Set, under the lock, by the thread that carried out the batch. */
        Outcome<R> outcome;
        RuntimeException failure;

        Request(FirecrackerNetwork network) {
            this.network = network;
        }
    }

    /**
     * Carries out the operation for {@code network}, in a batch with whatever other requests are
     * waiting, and returns its result.
     *
     * @throws FcnetException when it failed for this network
     */
    R run(FirecrackerNetwork network) {
        Request<R> request = new Request<>(network);
        waiting.offerLast(request);
        running.lock();
        try {
            // Another thread's batch may have carried it out while this one waited for the lock; a
            // request deferred for a duplicate network goes in the next batch.
            while (request.outcome == null && request.failure == null) runBatch();
        } finally {
            running.unlock();
        }
        if (request.failure != null) throw request.failure;
        return request.outcome.orThrow();
    }

    /** Takes every waiting request (each network once) and carries them out as one bulk operation. */
    private void runBatch() {
        List<Request<R>> batch = new ArrayList<>();
        List<Request<R>> later = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Request<R> r; (r = waiting.pollFirst()) != null; ) {
            (ids.add(FcnetdServer.networkId(r.network)) ? batch : later).add(r);
        }
        for (Request<R> r : later.reversed()) waiting.offerFirst(r);
        List<Outcome<R>> outcomes;
        try {
            outcomes = bulk.apply(batch.stream().map(r -> r.network).toList());
        } catch (RuntimeException e) {
            // E.g. the engine was closed: every request of the batch fails with it.
            for (Request<R> r : batch) r.failure = e;
            return;
        }
        for (int i = 0; i < batch.size(); i++) batch.get(i).outcome = outcomes.get(i);
    }
}
