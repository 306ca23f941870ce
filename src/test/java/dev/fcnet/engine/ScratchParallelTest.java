package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** SCRATCH (scale helper, not to be kept): parallel scaling. */
@KernelTest
@EnabledIfSystemProperty(named = "scratch", matches = "1")
class ScratchParallelTest {
    static void run(int threads, List<FirecrackerNetwork> nets, java.util.function.Consumer<FirecrackerNetwork> op) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> fs = new ArrayList<>();
            for (FirecrackerNetwork n : nets) fs.add(pool.submit(() -> op.accept(n)));
            for (Future<?> f : fs) f.get();
        }
    }

    @Test
    void scaling(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        int n = 200;
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            for (int threads : new int[] {1, 2, 4, 1, 2, 4}) {
                List<FirecrackerNetwork> nets = new ArrayList<>();
                for (int i = 0; i < n; i++) nets.add(EngineFixture.namespaced(Stack.V4, host.name() + "-n" + i, i + 1, true));
                long t0 = System.nanoTime();
                run(threads, nets, engine::add);
                long t1 = System.nanoTime();
                run(threads, nets, engine::check);
                long t2 = System.nanoTime();
                run(threads, nets, engine::delete);
                long t3 = System.nanoTime();
                engine.awaitDestruction();
                long t4 = System.nanoTime();
                Thread.sleep(3000); // let the kernel finish netns cleanup
                System.out.printf("PAR threads %d: add %.2f ms/net, check %.2f, delete %.2f, await %.0f ms; %s%n", threads,
                        (t1 - t0) / 1e6 / n, (t2 - t1) / 1e6 / n, (t3 - t2) / 1e6 / n, (t4 - t3) / 1e6,
                        java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).strip());
            }
        }
    }
}
