package dev.fcnet.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

/**
 * Group commit of one step of concurrent operations: the host rules of Adds (or of Deletes) that
 * threads carry out at the same time go to the kernel in one nftables transaction. Each commit
 * costs the kernel time growing with the rules in the table (NftCommitBench: 0.03 ms empty, 4 ms
 * with 20,000 rules), so thousands of operations committing one by one would queue for it.
 *
 * <p>An operation that finds no commit running runs the step at once, for itself and every
 * operation already waiting: a lone operation never waits for company. Operations that arrive
 * while a commit runs wait, and the first of them to see it end runs the next one for all of
 * them. The step handles each operation's outcome itself (the bulk steps record a failure in the
 * operation, rolled back, for its own thread to throw), so one failure does not touch the others.
 */
final class GroupCommit<T> {
    private final BiConsumer<T, List<T>> step;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition committed = lock.newCondition();
    /** Guarded by lock: operations waiting for the next commit, in arrival order. */
    private List<T> waiting = new ArrayList<>();
    /** Guarded by lock: operations whose commit ran, until their own thread takes them out. */
    private final Set<T> done = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Guarded by lock: what a commit threw that is not any one operation's failure, per operation. */
    private final Map<T, Throwable> crashed = new IdentityHashMap<>();
    private boolean running;
    /** Guarded by lock: commits run so far; for tests. */
    private int commits;

    /**
     * @param step runs the step for a batch, given the operation of the calling thread (whose
     *     sockets it may use: every other operation's thread waits meanwhile) and the whole batch
     */
    GroupCommit(BiConsumer<T, List<T>> step) {
        this.step = Objects.requireNonNull(step, "step");
    }

    /**
     * Runs the step for {@code op}, in a batch with the operations that wait at the same time, and
     * returns when it ran. Not interruptible: the operation is halfway and must go on either way.
     *
     * @throws IllegalStateException when the step threw rather than recording a failure (a bug, or
     *     an Error), for every operation of its batch
     */
    void run(T op) {
        lock.lock();
        try {
            waiting.add(op);
            while (!done.remove(op)) {
                if (running) {
                    committed.awaitUninterruptibly();
                    continue;
                }
                commit(op);
            }
            Throwable t = crashed.remove(op);
            if (t != null) throw new IllegalStateException("the shared commit failed: " + t, t);
        } finally {
            lock.unlock();
        }
    }

    /** With the lock held: runs the step, unlocked, for everything waiting (including {@code own}). */
    private void commit(T own) {
        List<T> batch = waiting;
        waiting = new ArrayList<>();
        running = true;
        Throwable failure = null;
        lock.unlock();
        try {
            step.accept(own, batch);
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            lock.lock();
            running = false;
            commits++;
            done.addAll(batch);
            if (failure != null) for (T t : batch) crashed.put(t, failure);
            committed.signalAll();
        }
    }

    /** How many commits ran; for tests. */
    int commits() {
        lock.lock();
        try {
            return commits;
        } finally {
            lock.unlock();
        }
    }

    /** How many operations wait for the next commit; for tests. */
    int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }
}
