package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** SCRATCH (scale helper, not to be kept). */
@KernelTest
@EnabledIfSystemProperty(named = "scratch", matches = "1")
class ScratchClonesTest {
    static long[] cpu() throws Exception {
        String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat")).split("\\) ")[1].split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    @Test
    void clones(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        int n = Integer.getInteger("clones", 4000);
        int p = Integer.getInteger("par", FcnetEngine.BULK_PARALLELISM);
        List<FirecrackerNetwork> clones = new ArrayList<>();
        for (int i = 1; i <= n; i++) clones.add(EngineFixture.clone(host.name(), i));
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            long[] c0 = cpu();
            long t0 = System.nanoTime();
            var added = engine.addAll(clones, p);
            long t1 = System.nanoTime();
            long[] c1 = cpu();
            System.out.printf("CLONES add cpu: user %.2f s, sys %.2f s (this JVM)%n", (c1[0] - c0[0]) / 100.0, (c1[1] - c0[1]) / 100.0);
            var checked = engine.checkAll(clones, p);
            long t2 = System.nanoTime();
            long clean = checked.stream().filter(o -> o.ok() && o.orThrow().isClean()).count();
            long ok = added.stream().filter(Outcome::ok).count();
            Runtime rt = Runtime.getRuntime();
            System.gc();
            long heap = rt.totalMemory() - rt.freeMemory();
            var deleted = engine.deleteAll(clones, DeleteMode.STRICT, p);
            long t3 = System.nanoTime();
            engine.awaitDestruction();
            long t4 = System.nanoTime();
            long dok = deleted.stream().filter(Outcome::ok).count();
            System.out.printf("CLONES n=%d p=%d: add %.2f s (%d ok), check %.2f s (%d clean), delete %.2f s (%d ok), await %.2f s; heap %d MB%n",
                    n, p, (t1 - t0) / 1e9, ok, (t2 - t1) / 1e9, clean, (t3 - t2) / 1e9, dok, (t4 - t3) / 1e9, heap >> 20);
            added.stream().filter(o -> !o.ok()).limit(3).forEach(o -> System.out.println("CLONES failed " + o));
        }
    }
}
