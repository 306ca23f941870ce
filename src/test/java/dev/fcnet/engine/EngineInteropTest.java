package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Nsenter;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Networks the engine did not make: built with the ip and nft commands DESIGN §3 describes, they
 * check clean and delete clean; under {@link ForeignObjects#REFUSE} Delete leaves them alone.
 */
@KernelTest
class EngineInteropTest {

    /** §3 by hand: a persistent tap with its address, up, and the rules. */
    private static void simpleByHand(ScratchNetns host, FirecrackerNetwork n) {
        String h = host.name();
        Tools.run("ip", "-n", h, "tuntap", "add", n.tapName(), "mode", "tap");
        Tools.run("ip", "-n", h, "addr", "add", n.tapIp().toString(), "dev", n.tapName(), "nodad");
        Tools.run("ip", "-n", h, "link", "set", n.tapName(), "up");
        nft(host.path().toString(), EngineFixture.hostCommands(n));
    }

    /** §3 by hand: netns, veth pair, addresses, tap, routes, forwarding in the netns, rules. */
    private static void namespacedByHand(ScratchNetns host, FirecrackerNetwork n) {
        Namespaced ns = (Namespaced) n.networkType();
        String h = host.name();
        String in = ns.netnsName();
        List<List<String>> commands = new ArrayList<>(List.of(
                List.of("ip", "netns", "add", in),
                List.of("ip", "-n", in, "link", "set", "lo", "up"),
                List.of("ip", "-n", h, "link", "add", ns.veth1Name(), "type", "veth", "peer", "name", ns.veth2Name(),
                        "netns", in),
                List.of("ip", "-n", h, "addr", "add", ns.veth1Ip().toString(), "dev", ns.veth1Name(), "nodad"),
                List.of("ip", "-n", h, "link", "set", ns.veth1Name(), "up"),
                List.of("ip", "-n", in, "addr", "add", ns.veth2Ip().toString(), "dev", ns.veth2Name(), "nodad"),
                List.of("ip", "-n", in, "link", "set", ns.veth2Name(), "up"),
                List.of("ip", "-n", in, "tuntap", "add", n.tapName(), "mode", "tap"),
                List.of("ip", "-n", in, "addr", "add", n.tapIp().toString(), "dev", n.tapName(), "nodad"),
                List.of("ip", "-n", in, "link", "set", n.tapName(), "up"),
                List.of("ip", "-n", in, "route", "add", "default", "via", IpInet.formatAddress(ns.veth1Ip().address()))));
        for (List<String> c : commands) Tools.run(c.toArray(String[]::new));
        EngineFixture.forwarding(EngineFixture.netnsPath(in), true);
        nft(EngineFixture.netnsPath(in).toString(), EngineFixture.netnsCommands(n));
        nft(host.path().toString(), EngineFixture.hostCommands(n));
        ns.forwardedGuestIp().ifPresent(f -> Tools.run("ip", "-n", h, "route", "add",
                IpInet.formatAddress(f) + "/" + (f.getAddress().length * 8), "via", IpInet.formatAddress(ns.veth2Ip().address())));
    }

    private static void nft(String netns, List<String> commands) {
        Tools.Result r = Nsenter.exec(java.nio.file.Path.of(netns), String.join("\n", commands) + "\n", "nft", "-f", "-");
        assertEquals(0, r.exit(), r.err());
    }

    private static void checksCleanRefusedThenDeletesClean(ScratchNetns host, FirecrackerNetwork n) {
        String before = EngineFixture.snapshot(host);
        try (FcnetEngine engine = EngineFixture.engine(host);
                FcnetEngine guarded = FcnetEngine.open(engine.options().withForeignObjects(ForeignObjects.REFUSE))) {
            CheckReport report = engine.check(n);
            assertTrue(report.isClean(), report::toString);
            FcnetException e = assertThrows(FcnetException.class, () -> guarded.delete(n, DeleteMode.IDEMPOTENT));
            assertEquals("check ownership", e.step().label());
            assertTrue(e.getMessage().contains("it was not created by fcnet"), e::getMessage);
            assertEquals(before, EngineFixture.snapshot(host));

            engine.delete(n);
            assertTrue(engine.check(n).problems().stream().allMatch(i -> i.status() == CheckItem.Status.MISSING));
            engine.add(n);
            assertTrue(engine.check(n).isClean());
            guarded.delete(n); // its own network: allowed
        }
    }

    @Test
    void simpleMadeByTheCommandsOfSection3(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.simple(Stack.V4, "tap8", 8);
        simpleByHand(host, n);
        checksCleanRefusedThenDeletesClean(host, n);
    }

    @Test
    void namespacedMadeByTheCommandsOfSection3(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.DUAL_V6, host.name() + "-fc", 8, true);
        namespacedByHand(host, n);
        checksCleanRefusedThenDeletesClean(host, n);
    }

    @Test
    void refusesToDeleteALinkOfAnotherKindWhateverTheMode(ScratchNetns host) {
        EngineFixture.readyHost(host);
        // A Simple network whose tap is named like the uplink's veth peer.
        FirecrackerNetwork n = EngineFixture.simple(Stack.V4, "eth0p", 9);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            FcnetException e = assertThrows(FcnetException.class, () -> engine.delete(n, DeleteMode.IDEMPOTENT));
            assertEquals("Delete eth0p: link eth0p in the host netns is a veth, not a tun of this network;"
                    + " nothing was deleted", e.getMessage());
            assertTrue(EngineFixture.ipLink(host.name(), "eth0p").isPresent());
        }
    }

    @Test
    void aSimpleAddWhoseGuestIsMasqueradedAlreadyIsRefused(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.simple(Stack.V6, "tap9", 9);
        nft(host.path().toString(), EngineFixture.hostCommands(n).subList(0, 4)); // table, chains, masquerade
        String before = EngineFixture.snapshot(host);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            // The rule would serve two networks: deleting one would cut the other off.
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n));
            assertEquals(FcnetException.Kind.CONFLICT, e.kind());
            assertTrue(e.getMessage().startsWith("Add tap9: step \"add rules\""), e::getMessage);
            assertTrue(e.getMessage().contains("failed: guest fd00:16:9::2 is already masqueraded on eth0 (ip6 fcnet"
                    + " postrouting: ip6 saddr fd00:16:9::2 oifname \"eth0\" masquerade)"), e::getMessage);
            assertEquals(before, EngineFixture.snapshot(host));
        }
    }

    @Test
    void theProcessNetnsIsTheDefaultHost() {
        // The test JVM runs in a private netns: a network made there is seen by ip without -n.
        FirecrackerNetwork n = EngineFixture.simple(Stack.V4, "fcdefault0", 1);
        CheckReport before = FcnetEngine.checkOnce(n);
        assertEquals(9, before.problems().size(), before::toString);
        try {
            FcnetEngine.addOnce(n);
            assertTrue(Tools.run("ip", "-o", "link", "show", "dev", "fcdefault0").contains("fcdefault0"));
            assertTrue(FcnetEngine.checkOnce(n).items().stream()
                    .filter(i -> i.kind() != CheckItem.Kind.FORWARDING).allMatch(CheckItem::ok));
            FcnetEngine.deleteOnce(n);
        } finally {
            try (FcnetEngine engine = FcnetEngine.open()) {
                engine.delete(n, DeleteMode.IDEMPOTENT);
                Tools.run("nft", "delete", "table", "ip", "fcnet");
            }
        }
        assertEquals(1, Tools.run("ip", "-o", "link", "show").strip().lines().count());
    }

    @Test
    void rulesRemadeByHandAreFoundThoughTheirHandlesChanged(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, host.name() + "-fc", 9, false);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            AddResult added = engine.add(n);
            // The engine remembers the handles Add got; someone replaces the rules behind its back.
            Tools.run("ip", "netns", "exec", host.name(), "nft", "flush", "chain", "ip", "fcnet", "postrouting");
            Tools.run("ip", "netns", "exec", host.name(), "nft", "flush", "chain", "ip", "fcnet", "filter");
            CheckReport gone = engine.check(n);
            assertEquals(3, gone.problems().size(), gone::toString);
            nft(host.path().toString(), EngineFixture.hostRules(n));
            String rules = EngineFixture.rulesetWithHandles(host.path());
            for (RuleHandle r : added.rules()) {
                if (r.netns().isEmpty()) assertTrue(!rules.contains(r.rule() + " # handle " + r.handle()), rules);
            }
            CheckReport report = engine.check(n);
            assertTrue(report.isClean(), report::toString);
            engine.delete(n);
            String after = EngineFixture.ruleset(host.path());
            assertTrue(!after.contains("accept\n") && !after.contains("masquerade"), after);
        }
    }
}
