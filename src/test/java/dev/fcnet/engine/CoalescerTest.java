package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Requests that arrive while a batch runs are carried out together as the next one, each with its own outcome. */
@Timeout(30)
class CoalescerTest {
    /** Batches a coalescer runs at once. */
    private static final int RUNNING = 1;
    private static final Duration NO_LINGER = Duration.ZERO;

    private static FirecrackerNetwork tap(String name) {
        return FirecrackerNetwork.builder().tapName(name).build();
    }

    /** A bulk operation that records its batches and holds the first until released. */
    private static final class FakeBulk implements Function<List<FirecrackerNetwork>, List<Outcome<AddResult>>> {
        final List<List<String>> batches = new CopyOnWriteArrayList<>();
        final CountDownLatch running = new CountDownLatch(RUNNING);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicInteger started = new AtomicInteger();

        @Override
        public List<Outcome<AddResult>> apply(List<FirecrackerNetwork> networks) {
            int batch = started.incrementAndGet();
            batches.add(networks.stream().map(FirecrackerNetwork::tapName).toList());
            if (batch <= RUNNING) {
                running.countDown();
                await(release);
            }
            List<Outcome<AddResult>> out = new ArrayList<>();
            for (FirecrackerNetwork n : networks) {
                out.add(new Outcome.Done<>(new AddResult(n, List.of(), List.of("added " + n.tapName()))));
            }
            return out;
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Starts a thread calling {@code run} for {@code network}; its warnings (or failure) land in {@code results}. */
    private static Thread call(Coalescer<FirecrackerNetwork, AddResult> c, FirecrackerNetwork network, Map<Thread, Object> results) {
        return Thread.ofPlatform().start(() -> {
            Object r;
            try {
                r = c.run(network).warnings();
            } catch (RuntimeException e) {
                r = e;
            }
            results.put(Thread.currentThread(), r);
        });
    }

    /** Waits until {@code threads} wait for the running batch, or (one of them) for company. */
    private static void awaitParked(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)) {
            if (System.nanoTime() > deadline) throw new AssertionError("callers did not queue up");
            Thread.sleep(5);
        }
    }

    @Test
    void aLoneRequestRunsAtOnceAlone() {
        FakeBulk bulk = new FakeBulk();
        bulk.release.countDown();
        Coalescer<FirecrackerNetwork, AddResult> c = new Coalescer<>(bulk, n -> n, NO_LINGER);
        assertEquals(List.of("added tap1"), c.run(tap("tap1")).warnings());
        assertEquals(List.of("added tap2"), c.run(tap("tap2")).warnings());
        assertEquals(List.of(List.of("tap1"), List.of("tap2")), bulk.batches);
    }

    /** Starts the batches that may run at once (networks heldN), held. */
    private static List<Thread> startHeldBatches(Coalescer<FirecrackerNetwork, AddResult> c, FakeBulk bulk, Map<Thread, Object> results) {
        List<Thread> running = new ArrayList<>();
        for (int i = 0; i < RUNNING; i++) {
            running.add(call(c, tap("held" + i), results));
            // One at a time, so that each batch holds exactly its own network.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (bulk.batches.size() <= i) {
                if (System.nanoTime() > deadline) throw new AssertionError("batch " + i + " did not start");
                Thread.onSpinWait();
            }
        }
        await(bulk.running);
        return running;
    }

    /**
     * Calls for {@code names} queued behind the held batches, which are then let go; returns when
     * all are done (the queued ones as the next batch).
     */
    private static void queueBehindHeldBatches(Coalescer<FirecrackerNetwork, AddResult> c, FakeBulk bulk, Map<Thread, Object> results,
            String... names) throws InterruptedException {
        List<Thread> running = startHeldBatches(c, bulk, results);
        List<Thread> queued = new ArrayList<>();
        for (String name : names) queued.add(call(c, tap(name), results));
        awaitParked(queued);
        bulk.release.countDown();
        for (Thread t : running) t.join();
        for (Thread t : queued) t.join();
    }

    @Test
    void requestsArrivingDuringABatchRunAsTheNextOneEachWithItsOwnOutcome() throws Exception {
        FakeBulk bulk = new FakeBulk();
        Coalescer<FirecrackerNetwork, AddResult> c = new Coalescer<>(bulk, n -> n, NO_LINGER);
        Map<Thread, Object> results = new ConcurrentHashMap<>();
        List<Thread> running = startHeldBatches(c, bulk, results);
        List<Thread> waiting = new ArrayList<>();
        for (int i = 1; i <= 5; i++) waiting.add(call(c, tap("tap" + i), results));
        awaitParked(waiting);
        bulk.release.countDown();
        for (Thread t : running) t.join();
        for (Thread t : waiting) t.join();

        assertEquals(RUNNING + 1, bulk.batches.size(), bulk.batches.toString());
        assertEquals(List.of("tap1", "tap2", "tap3", "tap4", "tap5"),
                bulk.batches.get(RUNNING).stream().sorted().toList());
        for (int i = 0; i < RUNNING; i++) assertEquals(List.of("added held" + i), results.get(running.get(i)));
        for (int i = 1; i <= 5; i++) assertEquals(List.of("added tap" + i), results.get(waiting.get(i - 1)));
    }

    /** A request for a network of the running batch, or twice for one network, waits for the next batch. */
    @Test
    void aNetworkIsInABatchAtMostOnce() throws Exception {
        FakeBulk bulk = new FakeBulk();
        Coalescer<FirecrackerNetwork, AddResult> c = new Coalescer<>(bulk, n -> n, NO_LINGER);
        Map<Thread, Object> results = new ConcurrentHashMap<>();
        List<Thread> running = startHeldBatches(c, bulk, results);
        List<Thread> waiting = List.of(call(c, tap("held0"), results), call(c, tap("tap1"), results),
                call(c, tap("tap1"), results));
        awaitParked(waiting);
        bulk.release.countDown();
        for (Thread t : running) t.join();
        for (Thread t : waiting) t.join();

        List<List<String>> later = bulk.batches.subList(RUNNING, bulk.batches.size());
        // held0 and tap1 (once) after the held batch, the second tap1 in a batch of its own after the first.
        assertEquals(3, later.stream().mapToInt(List::size).sum(), later.toString());
        for (List<String> b : later) assertEquals(b.size(), b.stream().distinct().count(), later.toString());
        int first = -1;
        int second = -1;
        for (int i = 0; i < later.size(); i++) {
            if (later.get(i).contains("tap1")) {
                if (first < 0) first = i;
                else second = i;
            }
        }
        assertTrue(first >= 0 && second > first, later.toString());
        assertEquals(RUNNING + 3, results.size());
    }

    @Test
    void aFailingBulkCallFailsEveryRequestOfItsBatch() throws Exception {
        IllegalStateException closed = new IllegalStateException("engine is closed");
        FakeBulk held = new FakeBulk();
        Coalescer<FirecrackerNetwork, AddResult> c = new Coalescer<>(networks -> {
            held.apply(networks);
            throw closed;
        }, n -> n, NO_LINGER);
        Map<Thread, Object> results = new ConcurrentHashMap<>();
        queueBehindHeldBatches(c, held, results, "tap1", "tap2");
        assertEquals(List.of("tap1", "tap2"), held.batches.get(RUNNING).stream().sorted().toList());
        for (Object r : results.values()) assertSame(closed, r);
        assertEquals(RUNNING + 2, results.size());
        // It still works afterwards.
        assertThrows(IllegalStateException.class, () -> c.run(tap("tap3")));
    }

    /**
     * Requests answered by one batch come back together but not at once: the next batch waits for
     * as many as the last one held (a long linger here, so the test does not depend on timing).
     */
    @Test
    void aBatchWaitsForAsManyRequestsAsTheLastOneHeld() throws Exception {
        FakeBulk bulk = new FakeBulk();
        Coalescer<FirecrackerNetwork, AddResult> c = new Coalescer<>(bulk, n -> n, Duration.ofSeconds(20));
        Map<Thread, Object> results = new ConcurrentHashMap<>();
        queueBehindHeldBatches(c, bulk, results, "tap1", "tap2", "tap3");
        assertEquals(List.of("tap1", "tap2", "tap3"), bulk.batches.get(RUNNING).stream().sorted().toList());

        // The batch of three answered: the next one waits for three requests, arriving one by one.
        List<Thread> next = new ArrayList<>();
        for (String name : List.of("tap4", "tap5")) {
            next.add(call(c, tap(name), results));
            awaitParked(next);
            assertEquals(RUNNING + 1, bulk.batches.size(), "no batch before the third request: " + bulk.batches);
        }
        next.add(call(c, tap("tap6"), results));
        for (Thread t : next) t.join();
        assertEquals(RUNNING + 2, bulk.batches.size(), bulk.batches.toString());
        assertEquals(List.of("tap4", "tap5", "tap6"), bulk.batches.get(RUNNING + 1).stream().sorted().toList());
        for (int i = 4; i <= 6; i++) assertEquals(List.of("added tap" + i), results.get(next.get(i - 4)));
    }

    /** Fewer requests than the last batch held: the batch goes after the linger time, with those there are. */
    @Test
    void aBatchGoesWithoutTheMissingOnesAfterTheLingerTime() throws Exception {
        FakeBulk bulk = new FakeBulk();
        Duration linger = Duration.ofMillis(200);
        Coalescer<FirecrackerNetwork, AddResult> c = new Coalescer<>(bulk, n -> n, linger);
        Map<Thread, Object> results = new ConcurrentHashMap<>();
        queueBehindHeldBatches(c, bulk, results, "tap1", "tap2");
        assertEquals(List.of("tap1", "tap2"), bulk.batches.get(RUNNING).stream().sorted().toList());

        long start = System.nanoTime();
        assertEquals(List.of("added tap3"), c.run(tap("tap3")).warnings());
        long waited = System.nanoTime() - start;
        assertTrue(waited >= linger.toNanos(), "a second request was waited for " + waited / 1_000_000 + " ms only");
        assertEquals(List.of("tap3"), bulk.batches.get(RUNNING + 1));
        // After a batch of one, nothing is waited for.
        start = System.nanoTime();
        c.run(tap("tap4"));
        assertTrue(System.nanoTime() - start < linger.toNanos(), "a lone request after a lone batch does not linger");
    }
}
