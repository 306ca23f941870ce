package dev.fcnet.engine;

import static dev.fcnet.engine.EngineFixture.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.engine.FcnetException.Kind;
import dev.fcnet.netns.Netns;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Nsenter;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Delete of networks that are partly there (a crash, a netns deleted behind the engine's back):
 * what is there and the engine's goes, the answer names what was missing, nothing stays stuck;
 * what belongs to another user or to no one is left alone. Judged by ip and nft.
 */
@KernelTest
class EngineDeleteTest {
    private static FcnetEngine refusing(ScratchNetns host) {
        return FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()).withForeignObjects(ForeignObjects.REFUSE));
    }

    /** The host's ruleset when no network has rules: the table and chains, which stay. */
    private static String emptyChains(ScratchNetns reference, FirecrackerNetwork n) {
        return EngineFixture.referenceRuleset(reference, EngineFixture.hostCommands(n).subList(0, 3));
    }

    /** Nothing of the namespaced network {@code n} is left on the host (its links once destroyed). */
    /** After the clean-up the network can be made again, checks clean, and its Delete leaves nothing. */
    private static void addsAgainCleanAndGoes(FcnetEngine engine, ScratchNetns host, ScratchNetns reference,
            FirecrackerNetwork n) {
        engine.add(n);
        assertTrue(engine.check(n).isClean());
        engine.delete(n);
        engine.awaitDestruction();
        assertGone(host, reference, n);
    }

    private static void assertGone(ScratchNetns host, ScratchNetns reference, FirecrackerNetwork n) {
        Namespaced ns = (Namespaced) n.networkType();
        assertEquals(emptyChains(reference, n), EngineFixture.ruleset(host.path()));
        String links = Tools.run("ip", "-n", host.name(), "-o", "link");
        assertTrue(!links.contains(ns.veth1Name()) && !links.contains(ns.veth2Name()), links);
        assertTrue(!EngineFixture.ipNetns().contains(ns.netnsName()), Tools.run("ip", "netns"));
        String routes = Tools.run("ip", "-n", host.name(), "route");
        ns.forwardedGuestIp().ifPresent(f -> assertTrue(!routes.contains(dev.fcnet.IpInet.formatAddress(f)), routes));
    }

    @Test
    void aNetnsDeletedBehindTheEnginesBackIsDeletedAsFarAsItIsThere(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        String name = host.name() + "-fc";
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, name, 1, true);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(n);
            // ip netns del while something still holds the netns (a VMM): veth1 and the route stay up.
            try (Netns held = Netns.open(name)) {
                Tools.run("ip", "netns", "del", name);
                FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(n));
                assertEquals(Kind.INCOMPLETE, e.kind());
                assertEquals("Delete netns " + name + ": network netns " + name + " was incomplete, missing netns " + name
                        + "; what was there of it was deleted (5 objects)", e.getMessage());
            }
            engine.awaitDestruction();
            assertGone(host, reference, n);

            // Nothing stuck, and no duplicate rules afterwards.
            addsAgainCleanAndGoes(engine, host, reference, n);

            // Held by nothing, the netns dies (veth1 and the route with it) while or before Delete runs.
            engine.add(n);
            Tools.run("ip", "netns", "del", name);
            FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(n));
            assertEquals(Kind.INCOMPLETE, e.kind());
            assertTrue(e.getMessage().contains(" was incomplete, missing ") && e.getMessage().contains("netns " + name),
                    e::getMessage);
            engine.awaitDestruction();
            assertGone(host, reference, n);
        }
    }

    @Test
    void aNetnsWithOnlyATapIsDeletedByAnEngineThatRefusesForeignObjects(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        String name = host.name() + "-fc";
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, name, 2, false);
        // What a crash after the tap leaves: the netns (lo marked) and its tap, nothing on the host.
        Tools.run("ip", "netns", "add", name);
        Tools.run("ip", "-n", name, "tuntap", "add", "tap0", "mode", "tap");
        Tools.run("ip", "-n", name, "link", "set", "tap0", "alias", "fcnet");
        Tools.run("ip", "-n", name, "link", "set", "lo", "alias", "fcnet");
        try (FcnetEngine engine = refusing(host)) {
            FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(n));
            assertEquals(Kind.INCOMPLETE, e.kind());
            assertTrue(e.getMessage().startsWith("Delete netns " + name + ": network netns " + name + " was incomplete,"
                    + " missing rule ip fcnet postrouting: ip saddr 10.0.2.2 oifname \"eth0\" masquerade (host netns); "),
                    e::getMessage);
            assertTrue(e.getMessage().endsWith("; link vh2 (host netns); what was there of it was deleted (1 object)"),
                    e::getMessage);
            assertTrue(!EngineFixture.ipNetns().contains(name));
            addsAgainCleanAndGoes(engine, host, reference, n);
        }
    }

    @Test
    void aVeth1AloneIsDeleted(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        String name = host.name() + "-fc";
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, name, 3, false);
        Tools.run("ip", "-n", host.name(), "link", "add", "vh3", "type", "veth", "peer", "name", "vg3");
        Tools.run("ip", "-n", host.name(), "link", "set", "vh3", "alias", "fcnet");
        try (FcnetEngine engine = refusing(host)) {
            FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(n));
            assertEquals(Kind.INCOMPLETE, e.kind());
            assertTrue(e.getMessage().endsWith("; netns " + name + "; what was there of it was deleted (1 object)"),
                    e::getMessage);
            engine.awaitDestruction();
            String links = Tools.run("ip", "-n", host.name(), "-o", "link");
            assertTrue(!links.contains("vh3") && !links.contains("vg3"), links);
            engine.add(n);
            engine.delete(n);
            engine.awaitDestruction();
            assertGone(host, reference, n);
        }
    }

    @Test
    void duplicateHostRulesAreAllDeleted(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.DUAL_V6, host.name() + "-fc", 4, true);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(n);
            // As earlier failures may have left them: every host rule once more.
            Tools.Result r = Nsenter.exec(host.path(), String.join("\n", EngineFixture.hostRules(n)) + "\n", "nft", "-f", "-");
            assertEquals(0, r.exit(), r.err());
            assertEquals(6, EngineFixture.ruleset(host.path()).lines().filter(l -> l.contains("eth0")).count());
            DeleteResult deleted = engine.delete(n);
            assertEquals(6, deleted.removed().stream().filter(o -> o.kind() == CheckItem.Kind.RULE).count(), deleted::toString);
            engine.awaitDestruction();
            assertGone(host, reference, n);
        }
    }

    @Test
    void anEmptyFileForTheNetnsIsRemovedAndBlocksNothing(ScratchNetns host, ScratchNetns reference) throws Exception {
        EngineFixture.readyHost(host);
        String name = host.name() + "-fc";
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, name, 5, false);
        for (FcnetEngine engine : List.of(EngineFixture.engine(host), refusing(host))) {
            try (engine) {
                // A crash between creating /run/netns/NAME and mounting the namespace on it.
                Files.createFile(Path.of("/run/netns", name));
                FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(n));
                assertEquals(Kind.INCOMPLETE, e.kind(), e::getMessage);
                assertTrue(!Files.exists(Path.of("/run/netns", name)));
                addsAgainCleanAndGoes(engine, host, reference, n);
            }
        }
    }

    @Test
    void simpleAndNamespacedAlikeLoseWhatIsThereAndNameWhatWasMissing(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork simple = EngineFixture.simple(Stack.V4, "tap6", 6);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(simple);
            Tools.run("ip", "-n", host.name(), "link", "del", "tap6");
            FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(simple));
            assertEquals(Kind.INCOMPLETE, e.kind());
            assertEquals("Delete tap6: network tap6 was incomplete, missing link tap6 (host netns); what was there of it"
                    + " was deleted (2 objects)", e.getMessage());
            assertEquals(emptyChains(reference, simple), EngineFixture.ruleset(host.path()));
            e = assertThrows(FcnetException.class, () -> engine.delete(simple));
            assertEquals(Kind.NOT_FOUND, e.kind());
        }
    }

    @Test
    void anotherUsersOrAnUnmarkedNetworkIsNotOurs(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork simple = EngineFixture.simple(Stack.V4, "tap7", 7);
        String ns = host.name() + "-fc";
        FirecrackerNetwork namespaced = EngineFixture.namespaced(Stack.V4, ns, 8, true);
        Caller alice = new Caller(1000);
        Caller bob = new Caller(1001);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.addAll(List.of(simple, namespaced)).forEach(Outcome::orThrow);
            // Made for alice (as Add marks a network added for her).
            Tools.run("ip", "-n", host.name(), "link", "set", "tap7", "alias", "fcnet uid=1000");
            Tools.run("ip", "-n", host.name(), "link", "set", "vh8", "alias", "fcnet uid=1000");
            for (String link : List.of("lo", "vg8", "tap0")) Tools.run("ip", "-n", ns, "link", "set", link, "alias", "fcnet uid=1000");
            String before = snapshot(host);
            for (FirecrackerNetwork n : List.of(simple, namespaced)) {
                FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(n, DeleteMode.STRICT, bob));
                assertEquals(Kind.NOT_OURS, e.kind());
                assertTrue(e.getMessage().contains(": it belongs to uid 1000; nothing was deleted"), e::getMessage);
                e = assertThrows(FcnetException.class, () -> engine.delete(n, DeleteMode.IDEMPOTENT, bob));
                assertEquals(Kind.NOT_OURS, e.kind());
                e = assertThrows(FcnetException.class, () -> engine.check(n, AddOptions.DEFAULT.withCaller(bob)));
                assertEquals(Kind.NOT_OURS, e.kind());
                assertTrue(e.getMessage().contains("for uid 1001: it belongs to uid 1000"), e::getMessage);
                assertTrue(engine.check(n, AddOptions.DEFAULT.withCaller(alice)).isClean());
                assertTrue(engine.check(n).isClean(), "root checks everything");
            }
            // Nor can a network named with other links but alice's addresses take her rules and route.
            Namespaced theirs = (Namespaced) namespaced.networkType();
            FirecrackerNetwork lookalike = namespaced.toBuilder().networkType(theirs.toBuilder().netnsName(ns + "x")
                    .veth1Name("vhx").build()).build();
            FirecrackerNetwork simpleLookalike = simple.toBuilder().tapName("tapx").build();
            for (FirecrackerNetwork n : List.of(lookalike, simpleLookalike)) {
                FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(n, DeleteMode.STRICT, bob));
                assertEquals(Kind.NOT_FOUND, e.kind(), e::getMessage);
            }
            assertEquals(before, snapshot(host));

            // The netns' own mark counts too.
            Tools.run("ip", "-n", ns, "link", "set", "lo", "alias", "fcnet uid=1001");
            FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(namespaced, DeleteMode.STRICT, alice));
            assertEquals("Delete netns " + ns + ": refusing to delete netns " + ns + " (marked on its lo): it belongs to"
                    + " uid 1001; nothing was deleted", e.getMessage());
            Tools.run("ip", "-n", ns, "link", "set", "lo", "alias", "fcnet uid=1000");

            // An unmarked object is no one's: refused to every user but root.
            Tools.run("ip", "-n", host.name(), "link", "set", "tap7", "alias", "");
            e = assertThrows(FcnetException.class, () -> engine.delete(simple, DeleteMode.STRICT, alice));
            assertEquals(Kind.NOT_OURS, e.kind());
            assertEquals("Delete tap7: refusing to delete link tap7 (host netns): it was not created by fcnet (no \"fcnet\""
                    + " alias); nothing was deleted", e.getMessage());
            assertEquals(Kind.NOT_OURS, assertThrows(FcnetException.class,
                    () -> engine.check(simple, AddOptions.DEFAULT.withCaller(alice))).kind());

            engine.delete(namespaced, DeleteMode.STRICT, alice);
            engine.delete(simple, DeleteMode.STRICT, Caller.ROOT);
            engine.awaitDestruction();
            assertEquals(List.of("lo", "eth0p", "eth0"), Tools.run("ip", "-n", host.name(), "-o", "link").lines()
                    .map(l -> l.split(": ")[1].split("@")[0]).toList());
        }
    }

    /** A Check racing a Delete reports what vanished as missing, never fails. */
    @Test
    void checkRacingDeleteReportsMissing(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        List<FirecrackerNetwork> networks = List.of(EngineFixture.simple(Stack.V6, "tap9", 9),
                EngineFixture.namespaced(Stack.V4, host.name() + "-fc", 9, true));
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            for (FirecrackerNetwork n : networks) {
                AtomicBoolean deleting = new AtomicBoolean(true);
                List<Throwable> failures = new ArrayList<>();
                int[] checks = new int[1];
                Thread checker = Thread.ofPlatform().start(() -> {
                    while (deleting.get()) {
                        try {
                            engine.check(n);
                            checks[0]++;
                        } catch (RuntimeException e) {
                            failures.add(e);
                        }
                    }
                });
                try {
                    for (int i = 0; i < 25; i++) {
                        engine.add(n);
                        engine.delete(n);
                    }
                } finally {
                    deleting.set(false);
                    checker.join();
                }
                assertEquals(List.of(), failures.stream().map(Throwable::toString).toList());
                assertTrue(checks[0] > 25, "checks: " + checks[0]);
            }
        }
    }
}
