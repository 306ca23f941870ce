package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.rtnl.IpJson;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The links Delete retires are destroyed behind it: by the time the engine is closed, and, when a
 * process died before destroying them, by the next engine (at its start, or an idempotent Delete).
 */
@KernelTest
class EngineGraveyardTest {
    private static final String GROUP = Integer.toUnsignedString(FcnetEngine.GRAVEYARD_GROUP);

    private static List<String> links(ScratchNetns host) {
        return IpJson.objects(host.ipJson("link", "show")).stream().map(l -> IpJson.string(l, "ifname")).toList();
    }

    /** What a process that died right after retiring them leaves: links renamed, down, in the group. */
    private static void leaveRetiredLinks(ScratchNetns host, String... names) {
        String n = host.name();
        Tools.run("ip", "-n", n, "link", "add", names[0], "type", "veth", "peer", "name", names[1]);
        Tools.run("ip", "-n", n, "tuntap", "add", names[2], "mode", "tap");
        for (String name : names) Tools.run("ip", "-n", n, "link", "set", name, "group", GROUP);
    }

    @Test
    void anEngineDestroysWhatACrashedProcessRetiredWhenItStarts(ScratchNetns host) {
        EngineFixture.readyHost(host);
        leaveRetiredLinks(host, "fcg901", "fcg902", "fcg903");
        assertEquals(List.of("lo", "eth0p", "eth0", "fcg902", "fcg901", "fcg903"), links(host));
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.awaitDestruction();
            assertEquals(List.of("lo", "eth0p", "eth0"), links(host));

            // Left while this engine runs (another process): an idempotent Delete sweeps too.
            leaveRetiredLinks(host, "fcg904", "fcg905", "fcg906");
            FirecrackerNetwork n = EngineFixture.simple(Stack.V4, "tap1", 1);
            assertEquals(List.of(), engine.delete(n, DeleteMode.IDEMPOTENT).removed());
            engine.awaitDestruction();
            assertEquals(List.of("lo", "eth0p", "eth0"), links(host));
        }
    }

    @Test
    void closeWaitsForTheDestructionOfWhatDeletesRetired(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FcnetEngine engine = EngineFixture.engine(host);
        try {
            List<FirecrackerNetwork> networks = List.of(EngineFixture.simple(Stack.V4, "tap1", 1),
                    EngineFixture.namespaced(Stack.V4, host.name() + "-fc", 2, true));
            engine.addAll(networks).forEach(Outcome::orThrow);
            engine.holdDestruction(true);
            engine.deleteAll(networks, DeleteMode.STRICT).forEach(Outcome::orThrow);
            List<String> retired = links(host);
            assertTrue(retired.stream().anyMatch(l -> l.startsWith("fcg")), retired::toString);
        } finally {
            engine.close(); // held or not: close destroys what is retired
        }
        assertEquals(List.of("lo", "eth0p", "eth0"), links(host));
    }
}
