package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.AddResult;
import dev.fcnet.engine.Outcome;
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
    private static Thread call(Coalescer<AddResult> c, FirecrackerNetwork network, Map<Thread, Object> results) {
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

    /** Waits until {@code threads} wait for the running batch (parked on its lock). */
    private static void awaitParked(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
            if (System.nanoTime() > deadline) throw new AssertionError("callers did not queue up");
            Thread.sleep(5);
        }
    }

    @Test
    void aLoneRequestRunsAtOnceAlone() {
        FakeBulk bulk = new FakeBulk();
        bulk.release.countDown();
        Coalescer<AddResult> c = new Coalescer<>(bulk);
        assertEquals(List.of("added tap1"), c.run(tap("tap1")).warnings());
        assertEquals(List.of("added tap2"), c.run(tap("tap2")).warnings());
        assertEquals(List.of(List.of("tap1"), List.of("tap2")), bulk.batches);
    }

    /** Starts the batches that may run at once (networks heldN), held. */
    private static List<Thread> startHeldBatches(Coalescer<AddResult> c, FakeBulk bulk, Map<Thread, Object> results) {
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

    @Test
    void requestsArrivingDuringABatchRunAsTheNextOneEachWithItsOwnOutcome() throws Exception {
        FakeBulk bulk = new FakeBulk();
        Coalescer<AddResult> c = new Coalescer<>(bulk);
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
        Coalescer<AddResult> c = new Coalescer<>(bulk);
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
        Coalescer<AddResult> c = new Coalescer<>(networks -> {
            held.apply(networks);
            throw closed;
        });
        Map<Thread, Object> results = new ConcurrentHashMap<>();
        List<Thread> running = startHeldBatches(c, held, results);
        List<Thread> waiting = List.of(call(c, tap("tap1"), results), call(c, tap("tap2"), results));
        awaitParked(waiting);
        held.release.countDown();
        for (Thread t : running) t.join();
        for (Thread t : waiting) t.join();
        assertEquals(List.of("tap1", "tap2"), held.batches.get(RUNNING).stream().sorted().toList());
        for (Object r : results.values()) assertSame(closed, r);
        assertEquals(RUNNING + 2, results.size());
        // It still works afterwards.
        assertThrows(IllegalStateException.class, () -> c.run(tap("tap3")));
    }
}
