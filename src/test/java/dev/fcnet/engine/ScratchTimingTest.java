package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** SCRATCH (scale helper, not to be kept): prints timings. */
@KernelTest
@EnabledIfSystemProperty(named = "scratch", matches = "1")
class ScratchTimingTest {
    static double ms(long ns) { return ns / 1e6; }

    @Test
    void simple(ScratchNetns host) {
        EngineFixture.readyHost(host);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            for (int round = 0; round < 3; round++) {
                int n = 200;
                List<FirecrackerNetwork> nets = new ArrayList<>();
                for (int i = 0; i < n; i++) nets.add(EngineFixture.simple(Stack.V4, "tp" + i, i % 250));
                long t0 = System.nanoTime();
                for (FirecrackerNetwork x : nets) engine.add(x);
                long t1 = System.nanoTime();
                for (FirecrackerNetwork x : nets) engine.check(x);
                long t2 = System.nanoTime();
                for (FirecrackerNetwork x : nets) engine.delete(x);
                long t3 = System.nanoTime();
                engine.awaitDestruction();
                long t4 = System.nanoTime();
                System.out.printf("SIMPLE round %d: add %.3f ms, check %.3f ms, delete %.3f ms, await %.1f ms total%n", round,
                        ms(t1 - t0) / n, ms(t2 - t1) / n, ms(t3 - t2) / n, ms(t4 - t3));
            }
        }
    }

    @Test
    void namespaced(ScratchNetns host) {
        EngineFixture.readyHost(host);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            for (int round = 0; round < 3; round++) {
                int n = 100;
                List<FirecrackerNetwork> nets = new ArrayList<>();
                for (int i = 0; i < n; i++) nets.add(EngineFixture.namespaced(Stack.V4, host.name() + "-n" + i, i + 1, true));
                long t0 = System.nanoTime();
                for (FirecrackerNetwork x : nets) engine.add(x);
                long t1 = System.nanoTime();
                for (FirecrackerNetwork x : nets) engine.check(x);
                long t2 = System.nanoTime();
                for (FirecrackerNetwork x : nets) engine.delete(x);
                long t3 = System.nanoTime();
                engine.awaitDestruction();
                long t4 = System.nanoTime();
                System.out.printf("NS round %d: add %.3f ms, check %.3f ms, delete %.3f ms, await %.1f ms total%n", round,
                        ms(t1 - t0) / n, ms(t2 - t1) / n, ms(t3 - t2) / n, ms(t4 - t3));
            }
        }
    }
}
