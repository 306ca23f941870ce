package dev.fcnet.engine;

import dev.fcnet.netns.Netns;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.testing.KernelTest;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** SCRATCH (scale helper, not to be kept). */
@KernelTest
@EnabledIfSystemProperty(named = "scratch", matches = "1")
class ScratchNetnsTest {
    @Test
    void netnsCosts() throws Exception {
        int n = 200;
        for (int r = 0; r < 3; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) Netns.create("sx" + i).close();
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                try (Netns ns = Netns.open("sx" + i)) { ns.call(() -> null); }
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                try (Arena a = Arena.ofConfined()) {
                    dev.fcnet.sys.Syscalls.mount(a, "", "/run/netns", "none", dev.fcnet.sys.NamespaceConstants.MS_SHARED | dev.fcnet.sys.NamespaceConstants.MS_REC, null);
                }
            }
            long t3 = System.nanoTime();
            for (int i = 0; i < n; i++) Netns.delete("sx" + i);
            long t4 = System.nanoTime();
            System.out.printf("NETNS create %.3f ms, open+hop %.3f ms, mount-shared %.3f ms, delete %.3f ms%n",
                    (t1 - t0) / 1e6 / n, (t2 - t1) / 1e6 / n, (t3 - t2) / 1e6 / n, (t4 - t3) / 1e6 / n);
            Thread.sleep(2000);
        }
    }
}
