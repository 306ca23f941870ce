package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Carries out single operations (Adds, or Deletes of one mode) that threads ask for at the same
 * time as bulk operations: while one batch runs, the calls that come in wait, and the next of
 * their threads carries all of them out as the next batch. A call that finds nothing running is
 * carried out at once, alone, so a lone caller waits for no one. This shares the host's nftables
 * transactions: each commit costs the kernel time that grows with the rules in the table
 * (NftCommitBench), so one commit per call would make thousands of concurrent callers (the
 * daemon's clients, a host's threads) wait in line for it.
 *
 * <p>Callers answered by one batch come back with their next calls together, yet a few hundred
 * microseconds apart: the first would find nothing running and go alone, the others would make
 * the next batch, two commits where one would do (through the daemon with 8 clients, batches held
 * 3.6 requests on average). So a batch that follows one of several calls first waits, at most a
 * linger time ({@link #LINGER} in the engine), until as many calls wait as that one held (then 7.7).
 *
 * <p>Each network still succeeds or fails alone (the bulk operations are all or nothing per
 * network). A batch holds a network (by its id: the tap of a Simple network, the netns of a
 * Namespaced one) at most once; a second call for it waits for the next batch, so that two
 * callers racing for one network are told apart as they would be by one call after the other.
 */
final class Coalescer<Q, R extends OperationResult> {
    /**
     * The engine's linger time: the longest a batch waits for the calls its predecessor's size
     * promises. Short against a batch's own time (a batch of 8 namespaced Adds takes 15 to 25 ms
     * here); long enough for callers slowed by a busy machine.
     */
    static final Duration LINGER = Duration.ofMillis(5);

    private final Function<List<Q>, List<Outcome<R>>> bulk;
    private final Function<Q, FirecrackerNetwork> network;
    private final long lingerNanos;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a request arrives and when a batch ends. */
    private final Condition changed = lock.newCondition();
    /** Guarded by lock: requests not yet in a batch, oldest first. */
    private final ArrayDeque<Request<Q, R>> waiting = new ArrayDeque<>();
    /** Guarded by lock: a batch is being gathered or carried out. */
    private boolean running;
    /** Guarded by lock: how many requests the latest batch held. */
    private int lastBatch = 1;
    /** Guarded by lock: batches carried out so far; for tests. */
    private int batches;

    /**
     * @param bulk the engine's bulk operation: one outcome per request, in order
     * @param network the network of a request
     * @param linger the longest a batch waits for company
     */
    Coalescer(Function<List<Q>, List<Outcome<R>>> bulk, Function<Q, FirecrackerNetwork> network, Duration linger) {
        this.bulk = Objects.requireNonNull(bulk, "bulk");
        this.network = Objects.requireNonNull(network, "network");
        this.lingerNanos = linger.toNanos();
    }

    private static final class Request<Q, R extends OperationResult> {
        final Q request;
        /** Guarded by lock: set by the thread that carried out the batch. */
        Outcome<R> outcome;
        RuntimeException failure;

        Request(Q request) {
            this.request = request;
        }

        boolean done() {
            return outcome != null || failure != null;
        }
    }

    /**
     * Carries out {@code request}, in a batch with whatever other requests are
     * waiting, and returns its result. Not interruptible: a request taken into a batch is carried
     * out either way.
     *
     * @throws FcnetException when it failed for this network
     */
    R run(Q call) {
        Request<Q, R> request = new Request<>(call);
        lock.lock();
        try {
            waiting.addLast(request);
            changed.signalAll();
            // Another thread's batch may carry it out meanwhile; a request deferred for a duplicate
            // network goes in a later batch.
            while (!request.done()) {
                if (running) {
                    changed.awaitUninterruptibly();
                } else {
                    runBatch();
                }
            }
        } finally {
            lock.unlock();
        }
        if (request.failure != null) throw request.failure;
        return request.outcome.orThrow();
    }

    /**
     * With the lock held: gathers the waiting requests (each network once) and carries them out
     * as one bulk operation, unlocked meanwhile.
     */
    private void runBatch() {
        running = true;
        awaitCompany();
        List<Request<Q, R>> batch = new ArrayList<>();
        List<Request<Q, R>> later = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Request<Q, R> r; (r = waiting.pollFirst()) != null; ) {
            (ids.add(Layout.id(network.apply(r.request))) ? batch : later).add(r);
        }
        for (Request<Q, R> r : later.reversed()) waiting.addFirst(r);
        lastBatch = batch.size();
        batches++;
        List<Outcome<R>> outcomes = null;
        RuntimeException failure = null;
        lock.unlock();
        try {
            outcomes = bulk.apply(batch.stream().map(r -> r.request).toList());
        } catch (RuntimeException e) {
            // E.g. the engine was closed: every request of the batch fails with it.
            failure = e;
        } finally {
            lock.lock();
            running = false;
            for (int i = 0; i < batch.size(); i++) {
                Request<Q, R> r = batch.get(i);
                if (outcomes != null) {
                    r.outcome = outcomes.get(i);
                } else {
                    // An Error passes through this thread; the others must not wait for ever.
                    r.failure = failure != null ? failure : new IllegalStateException("the batch failed");
                }
            }
            changed.signalAll();
        }
    }

    /**
     * With the lock held: waits, at most the linger time, until as many requests wait as the
     * latest batch held (the answered ones leave meanwhile: the lock is released while waiting).
     */
    private void awaitCompany() {
        long left = lingerNanos;
        while (lastBatch > 1 && waiting.size() < lastBatch && left > 0) {
            try {
                left = changed.awaitNanos(left);
            } catch (InterruptedException e) {
                // Go on with the requests there are; the interrupt is the caller's.
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** How many batches were carried out; for tests. */
    int batches() {
        lock.lock();
        try {
            return batches;
        } finally {
            lock.unlock();
        }
    }

    /** How many calls wait for a batch; for tests. */
    int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }
}
