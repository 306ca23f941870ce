package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Host forwarding: never changed silently; reported by Check; WARN, REQUIRE and ENABLE on Add. */
@KernelTest
class EngineForwardingTest {

    private static FcnetEngine engine(ScratchNetns host, ForwardingPolicy policy) {
        return FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()).withForwarding(policy));
    }

    private static List<String> off(CheckReport report) {
        return report.items().stream().filter(i -> i.kind() == Kind.FORWARDING && i.status() != Status.PRESENT)
                .map(CheckItem::toString).toList();
    }

    @Test
    void warnAddsAndSaysWhatIsOff(ScratchNetns host) {
        EngineFixture.readyHost(host);
        EngineFixture.forwarding(host.path(), false);
        FirecrackerNetwork n = EngineFixture.simple(Stack.V4, "tap1", 1);
        try (FcnetEngine engine = engine(host, ForwardingPolicy.WARN)) {
            AddResult added = engine.add(n);
            assertEquals(List.of(
                    "Add tap1: ipv4 forwarding on tap1 in the host netns: off (net.ipv4.conf.tap1.forwarding = 0);"
                            + " the guest's traffic will not be forwarded until it is enabled",
                    "Add tap1: ipv4 forwarding on eth0 in the host netns: off (net.ipv4.conf.eth0.forwarding = 0);"
                            + " the guest's traffic will not be forwarded until it is enabled"),
                    added.warnings());
            assertEquals("0", EngineFixture.sysctl(host.path(), "net.ipv4.ip_forward"), "not changed silently");
            // Check agrees with Add: a warning, not a problem.
            CheckReport report = engine.check(n);
            assertTrue(report.isClean(), report::toString);
            report.requireClean();
            assertEquals(List.of(
                    "WARNING    FORWARDING ipv4 forwarding on tap1 (host netns): off (net.ipv4.conf.tap1.forwarding = 0);"
                            + " the guest's traffic is not forwarded until it is on (sysctl -w net.ipv4.conf.tap1.forwarding=1)",
                    "WARNING    FORWARDING ipv4 forwarding on eth0 (host netns): off (net.ipv4.conf.eth0.forwarding = 0);"
                            + " the guest's traffic is not forwarded until it is on (sysctl -w net.ipv4.conf.eth0.forwarding=1)"),
                    off(report));
            assertEquals(List.of("Check tap1: ipv4 forwarding on tap1 in the host netns: off (net.ipv4.conf.tap1.forwarding"
                    + " = 0); the guest's traffic is not forwarded until it is on (sysctl -w net.ipv4.conf.tap1.forwarding=1)",
                    "Check tap1: ipv4 forwarding on eth0 in the host netns: off (net.ipv4.conf.eth0.forwarding = 0); the"
                            + " guest's traffic is not forwarded until it is on (sysctl -w net.ipv4.conf.eth0.forwarding=1)"),
                    report.warnings());
            assertTrue(report.toString().startsWith("Check tap1: clean, with 2 warnings\n"), report::toString);
        }
        // An engine told to enable forwarding counts it: its Add would have turned it on.
        for (ForwardingPolicy counted : List.of(ForwardingPolicy.ENABLE, ForwardingPolicy.REQUIRE)) {
            try (FcnetEngine engine = engine(host, counted)) {
                CheckReport report = engine.check(n);
                assertFalse(report.isClean(), report::toString);
                assertEquals(List.of(
                        "DIFFERENT  FORWARDING ipv4 forwarding on tap1 (host netns): off (net.ipv4.conf.tap1.forwarding = 0)",
                        "DIFFERENT  FORWARDING ipv4 forwarding on eth0 (host netns): off (net.ipv4.conf.eth0.forwarding = 0)"),
                        off(report));
                assertEquals(List.of(), report.warnings());
                FcnetException e = assertThrows(FcnetException.class, report::requireClean);
                assertTrue(e.getMessage().startsWith("Check tap1: 2 problems; DIFFERENT FORWARDING ipv4 forwarding on tap1"),
                        e::getMessage);
            }
        }
    }

    @Test
    void namespacedCheckIsCleanWithAWarningWhenHostForwardingIsOff(ScratchNetns host) {
        EngineFixture.readyHost(host);
        EngineFixture.forwarding(host.path(), false);
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, host.name() + "-fc", 2, false);
        try (FcnetEngine engine = engine(host, ForwardingPolicy.WARN)) {
            assertEquals(2, engine.add(n).warnings().size());
            CheckReport report = engine.check(n);
            assertTrue(report.isClean(), report::toString);
            assertEquals(2, report.warnings().size(), report::toString);
            // Inside its own netns the engine always enables forwarding: those switches are plain items.
            assertTrue(report.items().stream().filter(i -> i.kind() == Kind.FORWARDING && i.netns().isPresent())
                    .allMatch(i -> i.status() == Status.PRESENT), report::toString);
            engine.delete(n);
        }
    }

    @Test
    void requireFailsBeforeCreatingAnything(ScratchNetns host) {
        EngineFixture.readyHost(host);
        EngineFixture.forwarding(host.path(), false);
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V6, host.name() + "-fc", 1, false);
        String before = EngineFixture.snapshot(host);
        try (FcnetEngine engine = engine(host, ForwardingPolicy.REQUIRE)) {
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n));
            assertEquals("Add netns " + host.name() + "-fc: the host netns does not forward the guest's traffic"
                    + " (ipv6 forwarding (all): off (net.ipv6.conf.all.forwarding = 0)); nothing was changed (enable"
                    + " forwarding, or have the engine enable it)", e.getMessage());
            assertEquals(before, EngineFixture.snapshot(host));
            EngineFixture.forwarding(host.path(), true);
            assertEquals(List.of(), engine.add(n).warnings());
        }
    }

    @Test
    void requireLooksAtWhatTheNewLinkWillInherit(ScratchNetns host) {
        EngineFixture.readyHost(host);
        // ip_forward=1 turned every device on and the default too; now only the default is off.
        dev.fcnet.testing.Nsenter.run(host.path(), "sysctl", "-q", "-w", "net.ipv4.conf.default.forwarding=0");
        FirecrackerNetwork n = EngineFixture.simple(Stack.V4, "tap2", 2);
        try (FcnetEngine engine = engine(host, ForwardingPolicy.REQUIRE)) {
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n));
            assertTrue(e.getMessage().contains("ipv4 forwarding on tap2: off (net.ipv4.conf.default.forwarding,"
                    + " which the new tap2 inherits = 0)"), e::getMessage);
        }
    }

    @Test
    void enableTurnsOnWhatTheNetworkNeeds(ScratchNetns host) {
        EngineFixture.readyHost(host);
        EngineFixture.forwarding(host.path(), false);
        FirecrackerNetwork v4 = EngineFixture.namespaced(Stack.V4, host.name() + "-fc", 1, true);
        FirecrackerNetwork v6 = EngineFixture.simple(Stack.V6, "tap6", 6);
        try (FcnetEngine engine = engine(host, ForwardingPolicy.ENABLE)) {
            assertEquals(List.of(), engine.add(v4).warnings());
            assertEquals("1", EngineFixture.sysctl(host.path(), "net.ipv4.conf.vh1.forwarding"));
            assertEquals("1", EngineFixture.sysctl(host.path(), "net.ipv4.conf.eth0.forwarding"));
            assertEquals("0", EngineFixture.sysctl(host.path(), "net.ipv4.ip_forward"), "only the devices that need it");
            assertTrue(engine.check(v4).isClean());
            assertEquals(List.of(), engine.add(v6).warnings());
            assertEquals("1", EngineFixture.sysctl(host.path(), "net.ipv6.conf.all.forwarding"));
            assertTrue(engine.check(v6).isClean());
        }
    }

    @Test
    void aMissingUplinkIsReported(ScratchNetns host) {
        FirecrackerNetwork n = EngineFixture.simple(Stack.V4, "tap1", 1).toBuilder().ifaceName("wan0").build();
        EngineFixture.forwarding(host.path(), true);
        try (FcnetEngine engine = engine(host, ForwardingPolicy.WARN)) {
            assertEquals(List.of("Add tap1: ipv4 forwarding on wan0 in the host netns: link wan0 does not exist;"
                    + " the guest's traffic will not be forwarded"), engine.add(n).warnings());
            assertEquals(List.of("MISSING    FORWARDING ipv4 forwarding on wan0 (host netns): link wan0 does not exist"),
                    off(engine.check(n)));
        }
    }
}
