package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One engine, several threads adding and deleting distinct networks at once: no rule lost, nothing
 * leaked; Adds that reach their host rules together share one transaction and still fail alone.
 */
@KernelTest
class EngineConcurrencyTest {
    private static final int THREADS = 4;
    private static final int ROUNDS = 4;

    @Test
    void threadsAddAndDeleteDistinctNetworksAtOnce(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        List<List<FirecrackerNetwork>> mine = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Stack stack = Stack.values()[t];
            mine.add(List.of(EngineFixture.simple(stack, "tap" + t, 20 + t),
                    EngineFixture.namespaced(stack, host.name() + "-c" + t, 30 + t, t % 2 == 0)));
        }
        Queue<RuleHandle> added = new ConcurrentLinkedQueue<>();
        Queue<String> problems = new ConcurrentLinkedQueue<>();
        int rulesPerRound = mine.stream().flatMap(List::stream).mapToInt(n -> EngineFixture.hostRules(n).size()).sum();
        // When every thread has added its networks, all their rules are there with the handles Add returned.
        CyclicBarrier added_ = new CyclicBarrier(THREADS, () -> {
            String rules = EngineFixture.rulesetWithHandles(host.path());
            long hostHandles = added.stream().filter(r -> r.netns().isEmpty()).count();
            if (hostHandles != rulesPerRound) problems.add("expected " + rulesPerRound + " host rules, got " + hostHandles);
            for (RuleHandle r : added) {
                if (r.netns().isEmpty() && !rules.contains(r.rule() + " # handle " + r.handle())) {
                    problems.add("lost " + r + " in\n" + rules);
                }
            }
            added.clear();
        });
        CyclicBarrier deleted = new CyclicBarrier(THREADS);
        String emptyRound;
        try (FcnetEngine engine = EngineFixture.engine(host); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            // The tables and chains of every family stay from the first Add on; compare the end with that.
            for (List<FirecrackerNetwork> networks : mine) {
                engine.add(networks.get(0));
                engine.delete(networks.get(0));
            }
            engine.awaitDestruction();
            emptyRound = EngineFixture.snapshot(host);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                List<FirecrackerNetwork> networks = mine.get(t);
                done.add(pool.submit(() -> {
                    for (int round = 0; round < ROUNDS; round++) {
                        for (FirecrackerNetwork n : networks) added.addAll(engine.add(n).rules());
                        added_.await(30, TimeUnit.SECONDS);
                        for (FirecrackerNetwork n : networks) {
                            CheckReport report = engine.check(n);
                            if (!report.isClean()) problems.add(report.toString());
                            engine.delete(n);
                        }
                        deleted.await(30, TimeUnit.SECONDS);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
        }
        assertEquals(List.of(), List.copyOf(problems));
        assertEquals(emptyRound, EngineFixture.snapshot(host));
        assertTrue(EngineFixture.ipNetns().stream().noneMatch(n -> n.startsWith(host.name() + "-c")));
        assertEquals(1, Tools.run("ip", "-o", "link", "show").strip().lines().count(), "nothing in the JVM's netns");
    }

    /**
     * While a lone Add commits its host rules (held there), three more are asked for: they are
     * carried out as the next batch, their host rules in one transaction. The host rules of the
     * middle one then fail (injected, after the shared commit): it alone is rolled back, rules
     * included.
     */
    @Test
    void addsArrivingDuringACommitShareTheNextAndFailAlone(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        List<FirecrackerNetwork> networks = new ArrayList<>();
        for (int n = 1; n <= 4; n++) networks.add(EngineFixture.simple(Stack.V4, "tap" + n, n));
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(networks.get(0));
            engine.delete(networks.get(0));
            engine.awaitDestruction();
            String before = EngineFixture.snapshot(host);
            int batchesBefore = engine.adds().batches();

            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger hostRuleSteps = new AtomicInteger();
            engine.faults((step, object) -> {
                if (!step.equals("add rules")) return;
                int seen = hostRuleSteps.incrementAndGet();
                if (seen == 1) {
                    // The first Add, alone: held in its step (after its commit) while the others arrive.
                    holding.countDown();
                    try {
                        assertTrue(release.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                // The batch's steps run after its commit, in arrival order: 2 is tap2, 3 is tap3.
                if (seen == 3) throw new IllegalStateException("injected");
            });
            Map<String, Object> outcomes = new ConcurrentHashMap<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < networks.size(); i++) {
                FirecrackerNetwork n = networks.get(i);
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        outcomes.put(n.tapName(), engine.add(n));
                    } catch (RuntimeException e) {
                        outcomes.put(n.tapName(), e);
                    }
                }));
                if (i == 0) assertTrue(holding.await(30, TimeUnit.SECONDS));
                else awaitWaiting(engine.adds(), i);
            }
            release.countDown();
            for (Thread t : threads) t.join(60_000);
            engine.faults(FaultInjector.NONE);

            assertEquals(2, engine.adds().batches() - batchesBefore, "the three that waited go as one batch");
            FcnetException failed = assertInstanceOf(FcnetException.class, outcomes.get("tap3"), () -> "" + outcomes);
            assertEquals("add rules", failed.step().label(), failed::getMessage);
            assertTrue(failed.getMessage().contains("rolled back"), failed::getMessage);
            String ruleset = EngineFixture.ruleset(host.path());
            for (String tap : List.of("tap1", "tap2", "tap4")) {
                assertInstanceOf(AddResult.class, outcomes.get(tap), () -> "" + outcomes.get(tap));
                assertTrue(ruleset.contains("\"" + tap + "\""), ruleset);
                assertTrue(EngineFixture.ipLink(host.name(), tap).isPresent(), tap);
            }
            assertFalse(ruleset.contains("\"tap3\""), ruleset);
            assertFalse(ruleset.contains("172.16.3.2"), ruleset);
            assertTrue(EngineFixture.ipLink(host.name(), "tap3").isEmpty());

            List<FirecrackerNetwork> added = List.of(networks.get(0), networks.get(1), networks.get(3));
            assertTrue(engine.checkAll(added).stream().allMatch(o -> o.orThrow().isClean()));
            added.forEach(engine::delete);
            engine.awaitDestruction();
            assertEquals(before, EngineFixture.snapshot(host));
        }
    }

    private static void awaitWaiting(Coalescer<?, ?> adds, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (adds.waiting() < count) {
            assertTrue(System.nanoTime() < deadline, "only " + adds.waiting() + " of " + count + " Adds wait");
            Thread.sleep(1);
        }
    }
}
