package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** SCRATCH (scale helper, not to be kept): per-step timings of Add. */
@KernelTest
@EnabledIfSystemProperty(named = "scratch", matches = "1")
class ScratchStepsTest {
    @Test
    void steps(ScratchNetns host) {
        EngineFixture.readyHost(host);
        for (boolean ns : new boolean[] {false, true}) {
            try (FcnetEngine engine = EngineFixture.engine(host)) {
                Map<String, long[]> sum = new LinkedHashMap<>();
                long[] last = {0};
                String[] lastStep = {null};
                engine.faults((step, object) -> {
                    long now = System.nanoTime();
                    if (lastStep[0] != null) sum.computeIfAbsent(lastStep[0], k -> new long[1])[0] += now - last[0];
                    lastStep[0] = step + " " + object.replaceAll("[0-9]", "").replaceAll(host.name(), "H");
                    last[0] = now;
                });
                int n = 100;
                List<FirecrackerNetwork> nets = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    nets.add(ns ? EngineFixture.namespaced(Stack.V4, host.name() + "-n" + i, i + 1, true)
                            : EngineFixture.simple(Stack.V4, "tp" + i, i % 250));
                }
                long total = 0;
                for (int r = 0; r < 2; r++) {
                    sum.clear();
                    long t0 = System.nanoTime();
                    for (FirecrackerNetwork x : nets) {
                        lastStep[0] = "(before first step)";
                        last[0] = System.nanoTime();
                        engine.add(x);
                        long now = System.nanoTime();
                        sum.computeIfAbsent(lastStep[0], k -> new long[1])[0] += now - last[0];
                    }
                    total = System.nanoTime() - t0;
                    for (FirecrackerNetwork x : nets) engine.delete(x);
                    engine.awaitDestruction();
                }
                System.out.printf("STEPS %s total add %.3f ms%n", ns ? "namespaced" : "simple", total / 1e6 / n);
                sum.forEach((k, v) -> System.out.printf("STEPS   %8.3f ms  %s%n", v[0] / 1e6 / n, k));
            }
        }
    }
}
