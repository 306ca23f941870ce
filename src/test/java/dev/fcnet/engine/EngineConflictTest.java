package dev.fcnet.engine;

import static dev.fcnet.engine.EngineFixture.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.engine.FcnetException.Kind;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Networks that would take what another network or the host uses are refused before they do: a
 * Simple guest address masqueraded already, a forwarded guest IP the host routes or owns.
 */
@KernelTest
class EngineConflictTest {
    private static FirecrackerNetwork simple(String tap) {
        return EngineFixture.simple(Stack.V4, tap, 50);
    }

    private static FirecrackerNetwork forwarding(ScratchNetns host, int n, String forwarded) {
        FirecrackerNetwork net = EngineFixture.namespaced(Stack.V4, host.name() + "-f" + n, n, true);
        Namespaced ns = ((Namespaced) net.networkType()).toBuilder().forwardedGuestIp(IpInet.parseAddress(forwarded)).build();
        return net.toBuilder().networkType(ns).build();
    }

    @Test
    void aGuestAddressMasqueradedForAnotherTapIsRefusedAndDeletingThatNetworkLeavesNothing(ScratchNetns host,
            ScratchNetns reference) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork a = simple("shA");
        FirecrackerNetwork b = simple("shB");
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(a);
            String before = snapshot(host);
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(b));
            assertEquals(Kind.CONFLICT, e.kind());
            assertTrue(e.getMessage().startsWith("Add shB: step \"add rules\" (ip fcnet (postrouting, filter): 2 rules"
                    + " (host netns)) failed: guest 172.16.50.2 is already masqueraded for tap shA;"), e::getMessage);
            assertEquals(before, snapshot(host));
            // Concurrent Adds go in one batch: one of them is refused the same way.
            engine.delete(a);
            List<Outcome<AddResult>> both = engine.addAll(List.of(a, b));
            assertTrue(both.get(0).ok(), both::toString);
            FcnetException batched = ((Outcome.Failed<AddResult>) both.get(1)).failure();
            assertEquals(Kind.CONFLICT, batched.kind());
            assertTrue(batched.getMessage().contains("guest 172.16.50.2 is already masqueraded for tap shA"),
                    batched::getMessage);

            // A network named with another tap but the same guest does not take shA's masquerade rule with it.
            FcnetException notFound = assertThrows(FcnetException.class, () -> engine.delete(simple("shC")));
            assertEquals(Kind.NOT_FOUND, notFound.kind());
            assertTrue(engine.check(a).isClean());

            // The rule is shA's alone: deleting shA removes it.
            engine.delete(a);
            assertEquals(EngineFixture.referenceRuleset(reference, EngineFixture.hostCommands(a).subList(0, 3)),
                    EngineFixture.ruleset(host.path()));
        }
    }

    @Test
    void aForwardedGuestIpTheHostOwnsOrRoutesIsRefused(ScratchNetns host) {
        EngineFixture.readyHost(host);
        String h = host.name();
        Tools.run("ip", "-n", h, "addr", "add", "192.168.7.1/24", "dev", "eth0");
        Tools.run("ip", "-n", h, "route", "add", "default", "via", "192.168.7.254");
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            String before = snapshot(host);
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(forwarding(host, 1, "192.168.7.1")));
            assertEquals(Kind.CONFLICT, e.kind());
            assertEquals("Add netns " + h + "-f1: forwarded guest IP 192.168.7.1 is an address of the host (local route"
                    + " 192.168.7.1/32 dev eth0); nothing was changed", e.getMessage());
            e = assertThrows(FcnetException.class, () -> engine.add(forwarding(host, 1, "192.168.7.9")));
            assertEquals(Kind.CONFLICT, e.kind());
            assertEquals("Add netns " + h + "-f1: forwarded guest IP 192.168.7.9 is routed by the host more specifically"
                    + " than by its default route (route 192.168.7.0/24 dev eth0); nothing was changed", e.getMessage());
            e = assertThrows(FcnetException.class, () -> engine.add(forwarding(host, 1, "127.0.0.1")));
            assertEquals(Kind.CONFLICT, e.kind());
            assertEquals(before, snapshot(host));

            // Sent out by the default route: fine; a second network cannot take the same address.
            FirecrackerNetwork first = forwarding(host, 1, "203.0.113.5");
            engine.add(first);
            String added = snapshot(host);
            e = assertThrows(FcnetException.class, () -> engine.add(forwarding(host, 2, "203.0.113.5")));
            assertEquals(Kind.CONFLICT, e.kind());
            assertEquals("Add netns " + h + "-f2: forwarded guest IP 203.0.113.5 is routed by the host more specifically"
                    + " than by its default route (route 203.0.113.5/32 via 10.0.1.2 dev vh1); nothing was changed",
                    e.getMessage());
            assertEquals(added, snapshot(host));
            engine.delete(first);
        }
    }
}
