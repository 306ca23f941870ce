package dev.fcnet.engine;

import static dev.fcnet.engine.EngineFixture.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.rtnl.IpJson;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A failing Add leaves nothing, whatever step throws and whatever it throws; and an Add cut short
 * as by kill -9 leaves only what carries the engine's mark, judged by {@code ip} and {@code nft}
 * in the scratch host. Each case runs once per step of the Add, failing at that step.
 */
@KernelTest
class EngineAddFailureTest {
    /** A step as the engine names it. */
    private record Step(String step, String object) {}

    /** What a failed look-up throws, e.g. a link that vanished: not one of the engine's exceptions. */
    private static final class Vanished extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Vanished(Step s) {
            super("injected failure before " + s.step() + " " + s.object());
        }
    }

    /** Skips every rollback (the transaction undoes only on exceptions), as the death of the process would. */
    private static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        Crash(Step s) {
            super("crash before " + s.step() + " " + s.object());
        }
    }

    /** Links of the scratch host that are not a network's (EngineFixture.readyHost). */
    private static final Set<String> HOST_LINKS = Set.of("lo", "eth0", "eth0p");

    /** Added for a non-root caller, so the mark records the uid. */
    private static final AddOptions OPTIONS = AddOptions.DEFAULT.withCaller(new Caller(4000));
    private static final String MARK = "fcnet uid=4000";

    static Stream<Arguments> networks() {
        List<Arguments> cases = new ArrayList<>();
        for (Stack s : List.of(Stack.V4, Stack.V6, Stack.DUAL_V4)) {
            cases.add(Arguments.of("simple " + s, s, false, false, RulesetKind.FCNET));
            cases.add(Arguments.of("namespaced forwarded " + s, s, true, false, RulesetKind.FCNET));
        }
        // With one more step at the end, and its look-up.
        cases.add(Arguments.of("namespaced forwarded V4, the engine enabling host forwarding", Stack.V4, true, true,
                RulesetKind.FCNET));
        // The sets ruleset: its table, chains, sets and fixed rules are undone with the network's elements.
        cases.add(Arguments.of("simple V6, sets ruleset", Stack.V6, false, false, RulesetKind.SETS));
        cases.add(Arguments.of("namespaced forwarded DUAL_V4, sets ruleset", Stack.DUAL_V4, true, false, RulesetKind.SETS));
        return cases.stream();
    }

    private static FcnetEngine engine(ScratchNetns host, boolean enableForwarding, RulesetKind ruleset) {
        return FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path())
                .withForwarding(enableForwarding ? ForwardingPolicy.ENABLE : ForwardingPolicy.WARN).withRuleset(ruleset));
    }

    private static FirecrackerNetwork network(ScratchNetns host, Stack stack, boolean namespaced) {
        return namespaced ? EngineFixture.namespaced(stack, host.name() + "-fc", 3, true)
                : EngineFixture.simple(stack, "tap3", 3);
    }

    /** The steps of one successful Add of {@code n}, in order; the network is removed again with the tools. */
    private static List<Step> steps(ScratchNetns host, FirecrackerNetwork n, boolean enableForwarding, RulesetKind ruleset) {
        List<Step> steps = new ArrayList<>();
        try (FcnetEngine engine = engine(host, enableForwarding, ruleset)) {
            engine.faults((step, object) -> steps.add(new Step(step, object)));
            engine.add(n, OPTIONS);
        }
        removeWithTheTools(host, n);
        return steps;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void whateverStepThrowsNothingIsLeft(String name, Stack stack, boolean namespaced, boolean enableForwarding,
            RulesetKind ruleset, ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = network(host, stack, namespaced);
        List<Step> steps = steps(host, n, enableForwarding, ruleset);
        assertEquals(enableForwarding, steps.getLast().step().equals("enable forwarding"), steps::toString);
        String before = snapshot(host);
        try (FcnetEngine engine = engine(host, enableForwarding, ruleset)) {
            for (Step failing : steps) {
                engine.faults((step, object) -> {
                    if (new Step(step, object).equals(failing)) throw new Vanished(failing);
                });
                FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n, OPTIONS), failing::toString);
                assertEquals(failing, new Step(e.step().label(), e.object()));
                assertTrue(e.getCause() instanceof Vanished, e::toString);
                assertTrue(!e.getMessage().contains("ROLLBACK INCOMPLETE"), e::getMessage);
                assertEquals(before, snapshot(host), () -> "after failing " + failing + ": " + e);
            }
            engine.faults(FaultInjector.NONE);
            engine.add(n, OPTIONS);
            assertTrue(engine.check(n, OPTIONS).isClean());
        }
    }

    static Stream<Arguments> besideAnFcnetNetwork() {
        return Stream.of(Arguments.of("simple V4", Stack.V4, false), Arguments.of("simple V6", Stack.V6, false),
                Arguments.of("namespaced forwarded DUAL_V4", Stack.DUAL_V4, true));
    }

    /**
     * A sets Add failing at any step, on a host whose fcnet table holds a network of the fcnet
     * ruleset: the sets and fixed rules the Add made go with its elements (the table, chains and
     * the other's rules stay), so that {@code nft list ruleset} prints what it printed before.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("besideAnFcnetNetwork")
    void aSetsAddFailingBesideAnFcnetNetworkLeavesTheRulesetAsItWas(String name, Stack stack, boolean namespaced,
            ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = network(host, stack, namespaced);
        List<Step> steps = steps(host, n, false, RulesetKind.SETS);
        try (FcnetEngine fcnet = engine(host, false, RulesetKind.FCNET)) {
            fcnet.add(EngineFixture.simple(stack, "tap5", 5), OPTIONS);
        }
        awaitNoCarrier(host, "tap5");
        String ruleset = EngineFixture.ruleset(host.path());
        String before = snapshot(host);
        try (FcnetEngine engine = engine(host, false, RulesetKind.SETS)) {
            for (Step failing : steps) {
                engine.faults((step, object) -> {
                    if (new Step(step, object).equals(failing)) throw new Vanished(failing);
                });
                FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n, OPTIONS), failing::toString);
                assertTrue(!e.getMessage().contains("ROLLBACK INCOMPLETE"), e::getMessage);
                assertEquals(ruleset, EngineFixture.ruleset(host.path()), () -> "after failing " + failing + ": " + e);
                assertEquals(before, snapshot(host), () -> "after failing " + failing + ": " + e);
            }
            engine.faults(FaultInjector.NONE);
            engine.add(n, OPTIONS);
            assertTrue(engine.check(n, OPTIONS).isClean());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void cutShortAtAnyStepLeavesOnlyMarkedLinksAndNamespaces(String name, Stack stack, boolean namespaced,
            boolean enableForwarding, RulesetKind ruleset, ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = network(host, stack, namespaced);
        List<Step> steps = steps(host, n, enableForwarding, ruleset);
        String before = snapshot(host);
        List<String> left = new ArrayList<>();
        for (Step failing : steps) {
            try (FcnetEngine engine = engine(host, enableForwarding, ruleset)) {
                engine.faults((step, object) -> {
                    if (new Step(step, object).equals(failing)) throw new Crash(failing);
                });
                assertThrows(Crash.class, () -> engine.add(n, OPTIONS), failing::toString);
            }
            // The process lives on, but the Add let go of what it held (a kill would too): the kernel
            // destroys an unnamed netns, and a veth whose peer was in it, a moment later.
            List<String> unmarked = awaitOnlyMarked(host, n);
            assertEquals(List.of(), unmarked, () -> "unmarked after a crash before " + failing);
            left.add(failing.step() + ": " + String.join(" ", leftovers(host, n)));
            removeWithTheTools(host, n);
            assertEquals(before, snapshot(host), () -> "cleaning up after a crash before " + failing);
        }
        // The mark is tested on something: late crashes leave the network's links (and netns).
        assertTrue(left.getLast().contains(namespaced ? "netns" : "tap3"), left::toString);
    }

    @Test
    void aNetnsMadeMeanwhileUnderTheNameFailsTheAddAndIsKept(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, host.name() + "-fc", 4, false);
        String before = snapshot(host);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.faults((step, object) -> {
                if (step.equals("name netns")) Tools.run("ip", "netns", "add", host.name() + "-fc");
            });
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n));
            assertEquals(FcnetException.Kind.ALREADY_EXISTS, e.kind());
            assertEquals("name netns", e.step().label());
            assertTrue(e.getMessage().contains("File exists (EEXIST)") && e.getMessage().contains("rolled back"),
                    e::getMessage);
            // Everything but the other's netns is as before; that one is untouched (only lo, down).
            Tools.run("ip", "netns", "delete", host.name() + "-fc");
            assertEquals(before, snapshot(host));
        }
    }

    /** Until the tap's carrier is off: the kernel turns it off a moment after the engine closed the tap's fd. */
    private static void awaitNoCarrier(ScratchNetns host, String tap) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Tools.run("ip", "-n", host.name(), "link", "show", tap).contains("NO-CARRIER") && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    // ---- what a crash left, seen through ip

    /** {@code ip -j -d link} of the host, or of a netns. */
    private static List<JsonObject> links(String netns) {
        return IpJson.objects(Tools.run("ip", "-n", netns, "-j", "-d", "link", "show"));
    }

    private static boolean marked(JsonObject link) {
        return IpJson.at(link, "ifalias") != null && MARK.equals(IpJson.string(link, "ifalias"));
    }

    private static boolean netnsExists(FirecrackerNetwork n) {
        return n.networkType() instanceof Namespaced ns
                && EngineFixture.ipNetns().contains(ns.netnsName());
    }

    /** The links (and the netns) without the mark, once those bound to die with an unnamed netns have. */
    private static List<String> awaitOnlyMarked(ScratchNetns host, FirecrackerNetwork n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<String> unmarked = new ArrayList<>();
            for (JsonObject l : links(host.name())) {
                String name = IpJson.string(l, "ifname");
                if (!HOST_LINKS.contains(name) && !marked(l)) unmarked.add(name + " (host netns)");
            }
            if (netnsExists(n)) {
                String netns = ((Namespaced) n.networkType()).netnsName();
                // Every link in it, lo included: lo's mark is the netns'.
                for (JsonObject l : links(netns)) {
                    if (!marked(l)) unmarked.add(IpJson.string(l, "ifname") + " (netns " + netns + ")");
                }
            }
            if (unmarked.isEmpty() || System.nanoTime() > deadline) return unmarked;
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static List<String> leftovers(ScratchNetns host, FirecrackerNetwork n) {
        List<String> left = new ArrayList<>();
        for (JsonObject l : links(host.name())) {
            if (!HOST_LINKS.contains(IpJson.string(l, "ifname"))) left.add(IpJson.string(l, "ifname"));
        }
        if (netnsExists(n)) left.add("netns");
        return left;
    }

    /** Removes, with ip and nft, whatever of {@code n} there is, and the host's ruleset. */
    private static void removeWithTheTools(ScratchNetns host, FirecrackerNetwork n) {
        for (JsonObject l : links(host.name())) {
            String name = IpJson.string(l, "ifname");
            // A veth1 whose peer was in an unnamed netns may be gone meanwhile, taken along by the kernel.
            if (!HOST_LINKS.contains(name)) Tools.exec(null, "ip", "-n", host.name(), "link", "delete", name);
        }
        if (netnsExists(n)) {
            Tools.run("ip", "netns", "delete", ((Namespaced) n.networkType()).netnsName());
        }
        Tools.run("ip", "netns", "exec", host.name(), "nft", "flush", "ruleset");
    }
}
