package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One engine, several threads adding and deleting distinct networks at once: no rule lost, nothing leaked. */
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
}
