package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.rtnl.IpJson;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Bulk operations on a few hundred clones of one snapshot (same tap and guest address, each in
 * its own netns), one of which cannot be added: it fails alone, after making most of itself,
 * and leaves nothing; the others are added, check clean and are deleted; the real tools then
 * show the host as before.
 */
@KernelTest
class EngineBulkTest {
    private static final int CLONES = 300;
    private static final int BAD = 150;

    @Test
    void clonesAreAddedCheckedAndDeletedEachOnItsOwn(ScratchNetns host) {
        EngineFixture.readyHost(host);
        List<FirecrackerNetwork> clones = new ArrayList<>();
        for (int n = 1; n <= CLONES; n++) clones.add(EngineFixture.clone(host.name(), n));
        FirecrackerNetwork bad = clones.get(BAD - 1);
        String badForwarded = IpInet.formatAddress(((Namespaced) bad.networkType()).forwardedGuestIp().orElseThrow());
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            // The fcnet table and chains stay once made: make them before the "before" snapshot.
            FirecrackerNetwork warmUp = EngineFixture.clone(host.name(), CLONES + 1);
            engine.add(warmUp);
            engine.delete(warmUp);
            engine.awaitDestruction();
            // The bad clone's forwarded address is routed already: its Add is refused before it makes anything.
            Tools.run("ip", "-n", host.name(), "route", "add", badForwarded + "/32", "dev", "eth0");
            String before = EngineFixture.snapshot(host);

            List<Outcome<AddResult>> added = engine.addAll(clones);
            assertEquals(CLONES, added.size());
            for (int i = 0; i < CLONES; i++) {
                Outcome<AddResult> o = added.get(i);
                assertEquals(clones.get(i), o.network());
                if (i == BAD - 1) {
                    FcnetException e = ((Outcome.Failed<AddResult>) o).failure();
                    assertEquals(FcnetException.Kind.CONFLICT, e.kind(), e::getMessage);
                    assertTrue(e.getMessage().endsWith("is routed by the host more specifically than by its default route"
                            + " (route " + badForwarded + "/32 dev eth0); nothing was changed"), e::getMessage);
                } else {
                    assertTrue(o.ok(), () -> o.toString());
                }
            }
            assertKernelHolds(host, clones, CLONES - 1);

            List<Outcome<CheckReport>> checked = engine.checkAll(clones);
            for (int i = 0; i < CLONES; i++) {
                CheckReport report = checked.get(i).orThrow();
                if (i == BAD - 1) {
                    assertTrue(report.items().stream().filter(item -> item.kind() == CheckItem.Kind.NETNS)
                            .allMatch(item -> item.status() == Status.MISSING), report::toString);
                } else {
                    assertTrue(report.isClean(), report::toString);
                }
            }

            List<Outcome<DeleteResult>> deleted = engine.deleteAll(clones, DeleteMode.STRICT);
            for (int i = 0; i < CLONES; i++) {
                Outcome<DeleteResult> o = deleted.get(i);
                if (i == BAD - 1) {
                    FcnetException e = ((Outcome.Failed<DeleteResult>) o).failure();
                    assertEquals("Delete netns " + host.name() + "-c" + BAD + ": network netns " + host.name() + "-c" + BAD
                            + " does not exist; nothing was deleted", e.getMessage());
                } else {
                    assertTrue(o.ok(), () -> o.toString());
                    assertEquals(List.of(), o.orThrow().absent());
                }
            }
            assertKernelHolds(host, clones, 0);
            engine.awaitDestruction();
            assertEquals(before, EngineFixture.snapshot(host));
        }
    }

    /**
     * The host rules of all networks of a bulk Add go in one transaction; a network whose part
     * fails afterwards (injected: its step "add rules", another's host route) is rolled back
     * alone, its rules with it. Networks whose guest another one of the batch masquerades already are refused.
     */
    @Test
    void oneBatchOfHostRulesForManyNetworksEachFailingAlone(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        List<FirecrackerNetwork> networks = new ArrayList<>();
        for (int n = 1; n <= 20; n++) networks.add(EngineFixture.simple(EngineFixture.Stack.V4, "tap" + n, n));
        // Two more with tap1's guest address: refused, as tap1's masquerade rule would serve them too.
        networks.add(EngineFixture.simple(EngineFixture.Stack.V4, "tapb", 1));
        networks.add(EngineFixture.simple(EngineFixture.Stack.V4, "tapc", 1));
        for (int n = 1; n <= 4; n++) networks.add(EngineFixture.clone(host.name(), n));
        int rulesFail = 5;   // tap6: the 6th Simple network's "add rules" step
        int routeFails = 24; // clone 3: its host route 192.168.0.3/32
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(networks.get(0));
            engine.delete(networks.get(0));
            engine.awaitDestruction();
            String before = EngineFixture.snapshot(host);
            AtomicInteger simpleRules = new AtomicInteger();
            engine.faults((step, object) -> {
                if (step.equals("add rules") && object.endsWith("2 rules (host netns)")
                        && simpleRules.incrementAndGet() == rulesFail + 1) {
                    throw new IllegalStateException("injected");
                }
                if (step.equals("add route") && object.startsWith("192.168.0.3/32")) throw new IllegalStateException("injected");
            });
            List<Outcome<AddResult>> added = engine.addAll(networks);
            engine.faults(FaultInjector.NONE);
            for (int i = 0; i < networks.size(); i++) {
                Outcome<AddResult> o = added.get(i);
                if (i == 20 || i == 21) {
                    FcnetException e = ((Outcome.Failed<AddResult>) o).failure();
                    assertEquals(FcnetException.Kind.CONFLICT, e.kind(), e::getMessage);
                    assertTrue(e.getMessage().contains("guest 172.16.1.2 is already masqueraded for tap tap1"), e::getMessage);
                } else if (i == rulesFail || i == routeFails) {
                    FcnetException e = ((Outcome.Failed<AddResult>) o).failure();
                    assertEquals(i == rulesFail ? "add rules" : "add route", e.step().label(), e::getMessage);
                    assertTrue(e.getMessage().contains("rolled back"), e::getMessage);
                } else {
                    assertTrue(o.ok(), o::toString);
                }
            }
            String ruleset = EngineFixture.ruleset(host.path());
            assertEquals(1, ruleset.lines().filter(l -> l.contains("ip saddr 172.16.1.2 oifname \"eth0\" masquerade")).count(),
                    ruleset);
            // The two that failed left nothing behind.
            assertFalse(ruleset.contains("\"tap6\""), ruleset);
            assertFalse(ruleset.contains("172.16.6.2"), ruleset);
            assertFalse(ruleset.contains("\"vh3\""), ruleset);
            assertFalse(ruleset.contains("\"tapb\"") || ruleset.contains("\"tapc\""), ruleset);
            assertTrue(EngineFixture.ipLink(host.name(), "tap6").isEmpty());
            assertTrue(EngineFixture.ipLink(host.name(), "tapb").isEmpty());
            assertTrue(EngineFixture.ipLink(host.name(), "vh3").isEmpty());
            assertFalse(EngineFixture.ipNetns().contains(host.name() + "-c3"));

            List<FirecrackerNetwork> good = new ArrayList<>(networks);
            good.remove(routeFails);
            good.remove(21);
            good.remove(20);
            good.remove(rulesFail);
            assertTrue(engine.checkAll(good).stream().allMatch(o -> o.orThrow().isClean()));
            engine.deleteAll(good, DeleteMode.STRICT).forEach(Outcome::orThrow);
            engine.awaitDestruction();
            assertEquals(before, EngineFixture.snapshot(host));
        }
    }

    /** What ip and nft show of the clones: {@code count} of them, not the bad one. */
    private static void assertKernelHolds(ScratchNetns host, List<FirecrackerNetwork> clones, int count) {
        List<String> netns = EngineFixture.ipNetns();
        List<String> hostLinks = IpJson.objects(host.ipJson("link", "show")).stream()
                .map(l -> IpJson.string(l, "ifname")).filter(name -> name.startsWith("vh")).toList();
        String ruleset = EngineFixture.ruleset(host.path());
        long rules = ruleset.lines().filter(l -> l.endsWith(" accept") || l.endsWith(" masquerade")).count();
        long routes = EngineFixture.ipRoutes(host.name(), true).stream()
                .filter(r -> IpJson.string(r, "dst").startsWith("192.168.") && IpJson.at(r, "gateway") != null).count();
        assertEquals(count, clones.stream().filter(c -> netns.contains(((Namespaced) c.networkType()).netnsName())).count());
        assertEquals(count, hostLinks.size(), hostLinks::toString);
        assertEquals(3L * count, rules, ruleset);
        assertEquals(count, routes);
        FirecrackerNetwork bad = clones.get(BAD - 1);
        assertFalse(netns.contains(((Namespaced) bad.networkType()).netnsName()));
        assertFalse(hostLinks.contains("vh" + BAD));
    }
}
