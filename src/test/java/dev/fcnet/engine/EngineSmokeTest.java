package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import org.junit.jupiter.api.Test;

@KernelTest
class EngineSmokeTest {
    @Test
    void simpleAndNamespaced(ScratchNetns host) {
        EngineFixture.readyHost(host);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            FirecrackerNetwork s = EngineFixture.simple(EngineFixture.Stack.V4, "tap0", 1);
            long t0 = System.nanoTime();
            AddResult a = engine.add(s);
            long t1 = System.nanoTime();
            System.out.println(a + " in " + (t1 - t0) / 1000 + " us");
            System.out.println(engine.check(s));
            System.out.println(EngineFixture.ruleset(host.path()));
            System.out.println(engine.delete(s));
            System.out.println(engine.check(s));
            FirecrackerNetwork n = EngineFixture.namespaced(EngineFixture.Stack.DUAL_V6, "smoke1", 2, true);
            t0 = System.nanoTime();
            a = engine.add(n);
            t1 = System.nanoTime();
            System.out.println(a + " in " + (t1 - t0) / 1000 + " us");
            CheckReport r = engine.check(n);
            System.out.println(r);
            System.out.println(EngineFixture.ruleset(EngineFixture.netnsPath("smoke1")));
            System.out.println(engine.delete(n));
            System.out.println(engine.check(n));
            assertTrue(r.isClean());
        }
    }
}
