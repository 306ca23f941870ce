package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
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
        int total = Integer.getInteger("clones", 1000);
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
            List<FirecrackerNetwork> nets = new ArrayList<>();
            for (int i = 1; i <= total; i++) nets.add(EngineFixture.clone(host.name(), i));
            for (int from = 0; from < total; from += 200) {
                sum.clear();
                long t0 = System.nanoTime();
                for (FirecrackerNetwork x : nets.subList(from, from + 200)) {
                    lastStep[0] = "(before first step)";
                    last[0] = System.nanoTime();
                    engine.add(x);
                    long now = System.nanoTime();
                    sum.computeIfAbsent(lastStep[0], k -> new long[1])[0] += now - last[0];
                }
                long t = System.nanoTime() - t0;
                System.out.printf("STEPS from %d: add %.3f ms%n", from, t / 1e6 / 200);
                sum.forEach((k, v) -> System.out.printf("STEPS   %8.3f ms  %s%n", v[0] / 1e6 / 200, k));
            }
            engine.deleteAll(nets, DeleteMode.STRICT);
        }
    }
}
