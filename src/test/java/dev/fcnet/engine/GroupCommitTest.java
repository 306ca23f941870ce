package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class GroupCommitTest {
    /** One run of the step: the calling thread's operation and the batch. */
    record Run(String own, List<String> batch, Thread thread) {}

    /** A step that records its runs and, until {@code hold} opens, blocks in its first run. */
    static final class Step implements BiConsumer<String, List<String>> {
        final List<Run> runs = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch hold;

        Step(boolean holdFirst) {
            hold = new CountDownLatch(holdFirst ? 1 : 0);
        }

        @Override
        public void accept(String own, List<String> batch) {
            runs.add(new Run(own, List.copyOf(batch), Thread.currentThread()));
            if (runs.size() > 1) return;
            entered.countDown();
            try {
                assertTrue(hold.await(20, TimeUnit.SECONDS), "the test never let the commit go on");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static Thread start(GroupCommit<String> commits, String op, Map<String, Throwable> failures) {
        return Thread.ofPlatform().name(op).start(() -> {
            try {
                commits.run(op);
            } catch (Throwable t) {
                failures.put(op, t);
            }
        });
    }

    private static void awaitWaiting(GroupCommit<?> commits, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (commits.waiting() < count) {
            assertTrue(System.nanoTime() < deadline, "only " + commits.waiting() + " of " + count + " operations queued");
            Thread.sleep(1);
        }
    }

    @Test
    void loneOperationCommitsAtOnceOnItsOwnThread() {
        Step step = new Step(false);
        GroupCommit<String> commits = new GroupCommit<>(step);
        commits.run("a");
        commits.run("b");
        assertEquals(List.of(new Run("a", List.of("a"), Thread.currentThread()),
                new Run("b", List.of("b"), Thread.currentThread())), step.runs);
        assertEquals(2, commits.commits());
        assertEquals(0, commits.waiting());
    }

    @Test
    void operationsArrivingDuringACommitShareTheNextOne() throws Exception {
        Step step = new Step(true);
        GroupCommit<String> commits = new GroupCommit<>(step);
        Map<String, Throwable> failures = new ConcurrentHashMap<>();
        Thread first = start(commits, "a", failures);
        assertTrue(step.entered.await(10, TimeUnit.SECONDS));
        List<Thread> later = new ArrayList<>();
        for (String op : List.of("b", "c", "d")) later.add(start(commits, op, failures));
        awaitWaiting(commits, 3);
        assertEquals(1, step.runs.size(), "nothing may run while the first commit does");

        step.hold.countDown();
        first.join();
        for (Thread t : later) t.join();

        assertEquals(Map.of(), failures);
        assertEquals(2, step.runs.size(), "the three that waited share one commit: " + step.runs);
        assertEquals(List.of("a"), step.runs.get(0).batch());
        Run second = step.runs.get(1);
        assertEquals(Set.of("b", "c", "d"), Set.copyOf(second.batch()));
        assertEquals(3, second.batch().size());
        assertTrue(second.batch().contains(second.own()));
        assertEquals(second.own(), second.thread().getName(), "the step runs on the thread of the operation it is given");
        assertEquals(2, commits.commits());
    }

    @Test
    void aStepThatThrowsFailsEveryOperationOfItsBatchOnlyAndTheNextCommitRuns() throws Exception {
        RuntimeException boom = new IllegalArgumentException("boom");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch hold = new CountDownLatch(1);
        List<List<String>> batches = new CopyOnWriteArrayList<>();
        GroupCommit<String> commits = new GroupCommit<>((own, batch) -> {
            batches.add(List.copyOf(batch));
            if (batch.contains("a")) {
                entered.countDown();
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            if (batch.contains("b")) throw boom;
        });
        Map<String, Throwable> failures = new ConcurrentHashMap<>();
        Thread a = start(commits, "a", failures);
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        Thread b = start(commits, "b", failures);
        Thread c = start(commits, "c", failures);
        awaitWaiting(commits, 2);
        hold.countDown();
        a.join();
        b.join();
        c.join();

        assertFalse(failures.containsKey("a"), "a's commit ran before b's failed");
        for (String op : List.of("b", "c")) {
            Throwable t = failures.get(op);
            assertInstanceOf(IllegalStateException.class, t, op);
            assertSame(boom, t.getCause(), op);
        }
        commits.run("d");
        assertEquals(List.of(List.of("a"), List.of("d")), List.of(batches.get(0), batches.get(2)));
        assertEquals(Set.of("b", "c"), Set.copyOf(batches.get(1)));
    }

    @Test
    void anInterruptedWaiterStillWaitsForItsCommitAndKeepsTheInterrupt() throws Exception {
        Step step = new Step(true);
        GroupCommit<String> commits = new GroupCommit<>(step);
        Map<String, Throwable> failures = new ConcurrentHashMap<>();
        Thread first = start(commits, "a", failures);
        assertTrue(step.entered.await(10, TimeUnit.SECONDS));
        boolean[] interruptedAfter = new boolean[1];
        Thread waiter = Thread.ofPlatform().start(() -> {
            commits.run("b");
            interruptedAfter[0] = Thread.currentThread().isInterrupted();
        });
        awaitWaiting(commits, 1);
        waiter.interrupt();
        Thread.sleep(50);
        assertTrue(waiter.isAlive(), "an interrupt must not abandon an operation halfway");
        step.hold.countDown();
        first.join();
        waiter.join();
        assertEquals(Map.of(), failures);
        assertEquals(List.of("b"), step.runs.get(1).batch());
        assertTrue(interruptedAfter[0], "the interrupt is kept for the caller");
    }
}
