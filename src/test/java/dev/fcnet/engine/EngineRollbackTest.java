package dev.fcnet.engine;

import static dev.fcnet.engine.EngineFixture.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * All or nothing: whichever step of an Add fails, the links, addresses, routes, namespaces and
 * ruleset the real tools show afterwards are those from before. Also the failures that need no
 * injection: a second Add, a conflicting object, a missing network on Delete.
 */
@KernelTest
class EngineRollbackTest {
    /** A step as the engine names it. */
    private record Step(String step, String object) {}

    private static final class Injected extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Injected(Step s) {
            super("injected failure before " + s.step() + " " + s.object());
        }
    }

    /** The steps of one successful Add of {@code n}, in order (the network is deleted again). */
    private static List<Step> steps(FcnetEngine engine, FirecrackerNetwork n) {
        List<Step> steps = new ArrayList<>();
        engine.faults((step, object) -> steps.add(new Step(step, object)));
        engine.add(n);
        engine.faults(FaultInjector.NONE);
        engine.delete(n);
        engine.awaitDestruction();
        return steps;
    }

    private static void failEachStep(ScratchNetns host, FirecrackerNetwork n, int stepCount) {
        EngineFixture.readyHost(host);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            List<Step> steps = steps(engine, n);
            assertEquals(stepCount, steps.size(), () -> steps.toString());
            // From an empty ruleset, so the rollback must also take away the table and chains it made.
            Tools.run("ip", "netns", "exec", host.name(), "nft", "flush", "ruleset");
            String before = snapshot(host);
            for (int i = 0; i < steps.size(); i++) {
                Step failing = steps.get(i);
                int index = i;
                engine.faults((step, object) -> {
                    if (new Step(step, object).equals(failing)) throw new Injected(failing);
                });
                FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n), failing::toString);
                assertEquals(failing.step(), e.step().label());
                assertEquals(failing.object(), e.object());
                assertTrue(e.getCause() instanceof Injected, e::toString);
                assertTrue(e.getMessage().contains("\"" + failing.step() + "\" (" + failing.object() + ") failed"),
                        e::getMessage);
                assertEquals(before, snapshot(host), () -> "after failing step " + index + " " + failing + ": " + e);
            }
            engine.faults(FaultInjector.NONE);
            engine.add(n);
            assertTrue(engine.check(n).isClean());
        }
    }

    @Test
    void everyStepOfSimpleAdd(ScratchNetns host) {
        failEachStep(host, EngineFixture.simple(Stack.V4, "tap3", 3), 4);
    }

    @Test
    void everyStepOfNamespacedAdd(ScratchNetns host) {
        failEachStep(host, EngineFixture.namespaced(Stack.DUAL_V6, host.name() + "-fc", 3, true), 15);
    }

    @Test
    void kernelRefusalMidwayIsRolledBackAndNamed(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, host.name() + "-fc", 4, true);
        // The main table routes the forwarded guest IP already, but a policy rule sends its traffic
        // by another table's default route: Add's route check lets it pass, the kernel refuses the last step.
        String h = host.name();
        Tools.run("ip", "-n", h, "route", "add", "192.168.0.4/32", "dev", "eth0");
        Tools.run("ip", "-n", h, "route", "add", "default", "dev", "eth0", "table", "100");
        Tools.run("ip", "-n", h, "rule", "add", "to", "192.168.0.4", "lookup", "100", "pref", "10");
        String before = snapshot(host);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n));
            assertEquals("add route", e.step().label());
            assertEquals("192.168.0.4/32 via 10.0.4.2 (host netns)", e.object());
            assertEquals(java.util.Optional.of("EEXIST"), e.errnoName());
            assertTrue(e.getMessage().startsWith("Add netns " + host.name() + "-fc: step \"add route\""
                    + " (192.168.0.4/32 via 10.0.4.2 (host netns)) failed: RTM_NEWROUTE 192.168.0.4/32 via 10.0.4.2:"
                    + " File exists (EEXIST)"), e::getMessage);
            assertTrue(e.getMessage().contains("rolled back"), e::getMessage);
            assertEquals(before, snapshot(host));
        }
    }

    @Test
    void chainOfAnotherShapeFailsWithTheKernelsWordsAndIsKept(ScratchNetns host) {
        EngineFixture.readyHost(host);
        Tools.run("ip", "netns", "exec", host.name(), "nft", "add table ip fcnet; "
                + "add chain ip fcnet filter { type filter hook input priority 0 ; policy accept ; }");
        String before = snapshot(host);
        FirecrackerNetwork n = EngineFixture.simple(Stack.V4, "tap4", 4);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n));
            assertEquals("add rules", e.step().label());
            assertTrue(e.errnoName().isPresent(), e::getMessage);
            assertTrue(e.getMessage().contains("NFT_MSG_NEWCHAIN ip fcnet filter"), e::getMessage);
            assertEquals(before, snapshot(host));
            CheckReport report = engine.check(n);
            assertTrue(report.toString().contains("DIFFERENT  CHAIN      ip fcnet filter (host netns): type filter hook"
                    + " input priority 0; policy accept;, expected type filter hook forward priority 0; policy accept;"),
                    report::toString);
        }
    }

    @Test
    void secondAddFailsClearlyAndChangesNothing(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork simple = EngineFixture.simple(Stack.V4, "tap5", 5);
        FirecrackerNetwork namespaced = EngineFixture.namespaced(Stack.V6, host.name() + "-fc", 5, true);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(simple);
            engine.add(namespaced);
            String before = snapshot(host);
            String inner = EngineFixture.ruleset(EngineFixture.netnsPath(host.name() + "-fc"));
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(simple));
            assertEquals("Add tap5: tap5 already exists in the host netns; nothing was changed", e.getMessage());
            e = assertThrows(FcnetException.class, () -> engine.add(namespaced));
            assertEquals("Add netns " + host.name() + "-fc: netns " + host.name() + "-fc already exists; nothing was changed",
                    e.getMessage());
            // Another netns, but the host-side veth name is taken.
            FirecrackerNetwork clash = EngineFixture.namespaced(Stack.V6, host.name() + "-fd", 5, false);
            e = assertThrows(FcnetException.class, () -> engine.add(clash));
            assertEquals("Add netns " + host.name() + "-fd: vh5 already exists in the host netns; nothing was changed",
                    e.getMessage());
            assertEquals(before, snapshot(host));
            assertEquals(inner, EngineFixture.ruleset(EngineFixture.netnsPath(host.name() + "-fc")));
            assertTrue(engine.check(simple).isClean());
            assertTrue(engine.check(namespaced).isClean());
        }
    }

    @Test
    void strictDeleteOfAMissingNetworkFailsAndOfHalfOneRemovesTheRest(ScratchNetns host,
            ScratchNetns reference) {
        EngineFixture.readyHost(host);
        String name = host.name() + "-fc";
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.DUAL_V4, name, 6, true);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(n));
            assertEquals(FcnetException.Kind.NOT_FOUND, e.kind());
            assertEquals("Delete netns " + name + ": network netns " + name + " does not exist; nothing was deleted",
                    e.getMessage());
            e = assertThrows(FcnetException.class, () -> engine.delete(EngineFixture.simple(Stack.V4, "tap0", 6)));
            assertEquals("Delete tap0: network tap0 does not exist; nothing was deleted", e.getMessage());
            assertEquals(List.of(), engine.delete(n, DeleteMode.IDEMPOTENT).removed());

            // Half a network, as a crash may leave it: no veth pair (and so no host route), one rule gone.
            AddResult added = engine.add(n);
            Tools.run("ip", "-n", host.name(), "link", "del", "vh6");
            RuleHandle masquerade = added.rules().stream().filter(r -> r.netns().isEmpty() && r.chain().equals("postrouting"))
                    .findFirst().orElseThrow();
            Tools.run("ip", "netns", "exec", host.name(), "nft", "delete", "rule", "inet", "fcnet", "postrouting", "handle",
                    Long.toString(masquerade.handle()));
            // Strict: what is there goes (two filter rules, the netns), and the answer names what was missing.
            e = assertThrows(FcnetException.class, () -> engine.delete(n));
            assertEquals(FcnetException.Kind.INCOMPLETE, e.kind());
            assertEquals("Delete netns " + name + ": network netns " + name + " was incomplete, missing rule inet fcnet"
                    + " postrouting: ip saddr 10.0.6.2 oifname \"eth0\" masquerade (host netns); route 192.168.0.6/32 via"
                    + " 10.0.6.2 (host netns); link vh6 (host netns); what was there of it was deleted (3 objects)",
                    e.getMessage());
            assertTrue(engine.check(n).problems().stream().allMatch(i -> i.status() == CheckItem.Status.MISSING));
            assertTrue(!EngineFixture.ipNetns().contains(name));
            assertEquals(EngineFixture.referenceRuleset(reference, EngineFixture.hostCommands(n).subList(0, 3)),
                    EngineFixture.ruleset(host.path()));
            String after = snapshot(host);
            DeleteResult result = engine.delete(n, DeleteMode.IDEMPOTENT);
            assertEquals(List.of(), result.removed(), result::toString);
            assertEquals(6, result.absent().size(), result::toString);
            assertEquals(List.of(CheckItem.Kind.RULE, CheckItem.Kind.RULE, CheckItem.Kind.RULE, CheckItem.Kind.ROUTE,
                    CheckItem.Kind.LINK, CheckItem.Kind.NETNS), result.absent().stream().map(NetworkObject::kind).toList());
            assertEquals(new NetworkObject(CheckItem.Kind.NETNS, Optional.of(name), name), result.absent().getLast());
            assertEquals(after, snapshot(host));
            engine.add(n);
            assertTrue(engine.check(n).isClean());
        }
    }
}
