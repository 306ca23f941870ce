package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** fcnetd --pool N: the "pool ready" line once the pool is full, Adds served from it, and nothing left after SIGTERM. */
@KernelTest
@Timeout(120)
class DaemonPoolTest {
    @TempDir
    Path dir;

    @Test
    void logsPoolReadyServesAddsFromThePoolAndLeavesNoSlotAtExit(ScratchNetns host) throws Exception {
        host.hostLike();
        Path socket = dir.resolve("fcnetd.sock");
        Path log = dir.resolve("fcnetd.log");
        FirecrackerNetwork clone = FirecrackerNetwork.builder().ifaceName("eth1").tapName("tap0")
                .networkType(Namespaced.builder().netnsName(host.name() + "-c1").veth1Name("vh1").veth2Name("veth0")
                        .veth1Ip(IpInet.parse("10.66.0.1/30")).veth2Ip(IpInet.parse("10.66.0.2/30")).build()).build();
        Process daemon = DaemonJvm.start(host.path(), log, DaemonJvm.FAST_START, "--pool", "3", socket.toString());
        try {
            DaemonJvm.awaitListening(daemon, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(log).contains("pool ready") && System.nanoTime() < deadline) Thread.sleep(20);
            String ready = Files.readString(log).lines().filter(l -> l.contains("pool ready")).findFirst()
                    .orElseThrow(() -> new AssertionError("no pool ready line in " + log));
            assertTrue(ready.contains("3 slots"), ready);
            assertEquals(3, slotHostEnds(host));
            try (RawClient c = new RawClient(socket)) {
                assertEquals("OK", c.request(new FcnetdRequest(FirecrackerNetworkOperation.Add, clone).toJson()));
                assertEquals("OK", c.request(new FcnetdRequest(FirecrackerNetworkOperation.Check, clone).toJson()));
                assertEquals("OK", c.request(new FcnetdRequest(FirecrackerNetworkOperation.Delete, clone).toJson()));
            }
            daemon.destroy();
            assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "daemon still running 30 s after SIGTERM");
        } finally {
            daemon.destroyForcibly();
        }
        assertEquals(0, slotHostEnds(host), host.exec("ip", "-o", "link", "show"));
    }

    /** How many host ends of pool slots the scratch host holds. */
    private static long slotHostEnds(ScratchNetns host) {
        return host.exec("ip", "-o", "link", "show").lines().filter(l -> l.matches("^\\d+: fcp[0-9a-f]{8}@.*")).count();
    }
}
