package dev.fcnet.engine;

import static dev.fcnet.engine.EngineFixture.hostCommands;
import static dev.fcnet.engine.EngineFixture.ipAddrs;
import static dev.fcnet.engine.EngineFixture.ipLink;
import static dev.fcnet.engine.EngineFixture.ipNetns;
import static dev.fcnet.engine.EngineFixture.ipRoutes;
import static dev.fcnet.engine.EngineFixture.netnsCommands;
import static dev.fcnet.engine.EngineFixture.netnsPath;
import static dev.fcnet.engine.EngineFixture.referenceRuleset;
import static dev.fcnet.engine.EngineFixture.ruleset;
import static dev.fcnet.rtnl.IpJson.string;
import static dev.fcnet.rtnl.IpJson.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.rtnl.IpJson;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every network type and stack: Add makes exactly what the ip and nft commands of DESIGN §3 make
 * (judged by {@code nft list ruleset} and {@code ip -j}), Check finds it clean, Delete removes all
 * of it but the table and chains (its host link retired: renamed, down, without address, and gone
 * once the engine has destroyed it), Check then reports every object missing, and the same
 * network can be added again at once.
 */
@KernelTest
class EngineMatrixTest {

    static Stream<Arguments> networks() {
        List<Arguments> cases = new ArrayList<>();
        for (Stack s : Stack.values()) cases.add(Arguments.of("simple " + s, s, false, false));
        for (Stack s : Stack.values()) {
            cases.add(Arguments.of("namespaced " + s, s, true, false));
            cases.add(Arguments.of("namespaced " + s + " forwarded", s, true, true));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void addCheckDeleteAddAgain(String name, Stack stack, boolean namespaced, boolean forwarded, ScratchNetns host,
            ScratchNetns reference) {
        EngineFixture.readyHost(host);
        String netns = host.name() + "-fc";
        FirecrackerNetwork n = namespaced ? EngineFixture.namespaced(stack, netns, 7, forwarded)
                : EngineFixture.simple(stack, "tap7", 7);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            AddResult added = engine.add(n);
            assertEquals(List.of(), added.warnings());
            assertAdded(n, added, host, reference);
            CheckReport clean = engine.check(n);
            assertTrue(clean.isClean(), clean::toString);
            assertEquals(expectedItems(n), clean.items().size(), clean::toString);

            String hostLink = namespaced ? ((Namespaced) n.networkType()).veth1Name() : n.tapName();
            int index = (int) IpJson.number(ipLink(host.name(), hostLink).orElseThrow(), "ifindex");
            engine.holdDestruction(true);
            DeleteResult deleted = engine.delete(n);
            assertEquals(List.of(), deleted.absent());
            assertRetired(n, host, index, Integer.toString(engine.graveyardGroup())); // ip prints groups signed
            assertDeleted(n, host, reference);
            engine.holdDestruction(false);
            engine.awaitDestruction();
            assertDestroyed(host);
            CheckReport after = engine.check(n);
            for (CheckItem item : after.items()) {
                boolean shared = item.netns().isEmpty() && (item.kind() == Kind.TABLE || item.kind() == Kind.CHAIN);
                boolean hostSwitch = item.kind() == Kind.FORWARDING && item.netns().isEmpty()
                        && !item.object().contains(namespaced ? "vh7" : "tap7");
                Status expected = shared || hostSwitch ? Status.PRESENT : Status.MISSING;
                assertEquals(expected, item.status(), () -> item + "\n" + after);
            }
            assertEquals(expectedItems(n), after.items().size(), after::toString);

            // The names (the host-side veth's too) are free at once.
            engine.add(n);
            assertTrue(engine.check(n).isClean());
            engine.delete(n);
        }
    }

    /** Links, addresses, routes and netns as ip shows them; rulesets as nft lists them after the §3 commands. */
    private static void assertAdded(FirecrackerNetwork n, AddResult added, ScratchNetns host, ScratchNetns reference) {
        assertEquals(referenceRuleset(reference, hostCommands(n)), ruleset(host.path()), "host ruleset");
        String annotated = EngineFixture.rulesetWithHandles(host.path());
        if (n.networkType() instanceof Namespaced ns) {
            String netns = ns.netnsName();
            assertTrue(ipNetns().contains(netns), "ip netns list shows " + netns);
            assertEquals(referenceRuleset(reference, netnsCommands(n)), ruleset(netnsPath(netns)), "netns ruleset");
            String inner = EngineFixture.rulesetWithHandles(netnsPath(netns));
            for (RuleHandle r : added.rules()) {
                assertTrue((r.netns().isPresent() ? inner : annotated).contains(r.rule() + " # handle " + r.handle()),
                        () -> r + " in\n" + annotated + inner);
                assertEquals(n.ipStack(), r.family());
            }
            assertEquals(4 + (ns.forwardedGuestIp().isPresent() ? 1 : 0), added.rules().size());
            assertLinkUp(host.name(), ns.veth1Name(), "veth", ns.veth1Ip());
            assertLinkUp(netns, ns.veth2Name(), "veth", ns.veth2Ip());
            assertLinkUp(netns, n.tapName(), "tun", n.tapIp());
            assertTrue(strings(ipLink(netns, "lo").orElseThrow(), "flags").contains("UP"));
            JsonObject dflt = route(netns, "default").orElseThrow(() -> new AssertionError("no default route in " + netns));
            assertEquals(IpInet.formatAddress(ns.veth1Ip().address()), string(dflt, "gateway"));
            ns.forwardedGuestIp().ifPresent(f -> {
                JsonObject r = route(host.name(), IpInet.formatAddress(f)).orElseThrow(() -> new AssertionError("no host route"));
                assertEquals(IpInet.formatAddress(ns.veth2Ip().address()), string(r, "gateway"));
            });
            // What the guest's traffic needs: IPv4 forwards per incoming device, IPv6 netns-wide.
            if (n.guestIp().isV4()) {
                for (String dev : List.of(n.tapName(), ns.veth2Name())) {
                    assertEquals("1", EngineFixture.sysctl(netnsPath(netns), "net.ipv4.conf." + dev + ".forwarding"), dev);
                }
            } else {
                assertEquals("1", EngineFixture.sysctl(netnsPath(netns), "net.ipv6.conf.all.forwarding"));
            }
            // V4 networks' links have no IPv6 link-local address (addrgenmode none), the others do.
            String addrgenmode = n.ipStack() == dev.fcnet.FirecrackerIpStack.V4 ? "none" : "eui64";
            for (String dev : List.of(n.tapName(), ns.veth2Name())) {
                assertEquals(addrgenmode, string(ipLink(netns, dev).orElseThrow(), "inet6_addr_gen_mode"), dev);
            }
            assertEquals(addrgenmode, string(ipLink(host.name(), ns.veth1Name()).orElseThrow(), "inet6_addr_gen_mode"));
        } else {
            for (RuleHandle r : added.rules()) {
                assertTrue(annotated.contains(r.rule() + " # handle " + r.handle()), () -> r + " in\n" + annotated);
            }
            assertEquals(2, added.rules().size());
            assertLinkUp(host.name(), n.tapName(), "tun", n.tapIp());
        }
        // A V4 network's host link has IPv6 off: no address and no route, not even the multicast route a link
        // that is up gets (veth1 is up with a carrier: without disable_ipv6 it would have ff00::/8).
        String hostLink = n.networkType() instanceof Namespaced ns ? ns.veth1Name() : n.tapName();
        boolean v4 = n.ipStack() == dev.fcnet.FirecrackerIpStack.V4;
        if (v4) {
            assertEquals("[]", host.ipJson("-6", "route", "show", "table", "all", "dev", hostLink).strip(), hostLink);
            assertEquals("[]", host.ipJson("-6", "addr", "show", "dev", hostLink).strip(), hostLink);
        }
        assertEquals(v4 ? "1" : "0", EngineFixture.sysctl(host.path(), "net.ipv6.conf." + hostLink + ".disable_ipv6"), hostLink);
    }

    /**
     * Right after Delete returned (the engine's destruction held back): the host link is retired,
     * not destroyed: renamed (its name is free), down, without the network's address, in the
     * engine's graveyard group, with its mark. A namespaced network's veth1 may be gone already, with its netns.
     */
    private static void assertRetired(FirecrackerNetwork n, ScratchNetns host, int index, String group) {
        IpInet address = n.networkType() instanceof Namespaced ns ? ns.veth1Ip() : n.tapIp();
        Optional<JsonObject> found = IpJson.objects(host.ipJson("-d", "addr", "show")).stream()
                .filter(l -> IpJson.number(l, "ifindex") == index).findFirst();
        if (found.isEmpty() && n.networkType() instanceof Namespaced) {
            // The kernel's own (asynchronous) destruction of the unlinked netns took veth2, and veth1 with it.
            return;
        }
        JsonObject link = found.orElseThrow(() -> new AssertionError("the retired link " + index + " is gone"));
        assertEquals("fcg" + index, string(link, "ifname"));
        assertFalse(strings(link, "flags").contains("UP"), link::toString);
        assertEquals(group, string(link, "group"));
        assertEquals(FcnetEngine.LINK_ALIAS, string(link, "ifalias"), "keeps its mark, so a later engine can tell it");
        String json = dev.fcnet.json.Json.write(link);
        assertFalse(json.contains("\"" + IpInet.formatAddress(address.address()) + "\""), json);
    }

    private static void assertDeleted(FirecrackerNetwork n, ScratchNetns host, ScratchNetns reference) {
        // The table and chains stay (other networks share them), nothing else of the network does.
        List<String> tableAndChains = hostCommands(n).subList(0, 3);
        assertEquals(referenceRuleset(reference, tableAndChains), ruleset(host.path()));
        if (n.networkType() instanceof Namespaced ns) {
            assertFalse(ipNetns().contains(ns.netnsName()));
            assertTrue(ipLink(host.name(), ns.veth1Name()).isEmpty());
            assertTrue(ipLink(host.name(), ns.veth2Name()).isEmpty());
            ns.forwardedGuestIp().ifPresent(f -> assertTrue(route(host.name(), IpInet.formatAddress(f)).isEmpty()));
        } else {
            assertTrue(ipLink(host.name(), n.tapName()).isEmpty());
        }
        // No address of the network is left anywhere on the host.
        String addrs = Tools.run("ip", "-n", host.name(), "addr", "show");
        IpInet address = n.networkType() instanceof Namespaced ns ? ns.veth1Ip() : n.tapIp();
        assertFalse(addrs.contains(" " + address + " "), addrs);
    }

    /** After awaitDestruction: only the uplink's pair and lo are left. */
    private static void assertDestroyed(ScratchNetns host) {
        List<String> links = IpJson.objects(host.ipJson("link", "show")).stream().map(l -> string(l, "ifname")).toList();
        assertEquals(List.of("lo", "eth0p", "eth0"), links);
    }

    private static void assertLinkUp(String netns, String name, String kind, IpInet address) {
        JsonObject link = ipLink(netns, name).orElseThrow(() -> new AssertionError("no link " + name + " in " + netns));
        assertTrue(strings(link, "flags").contains("UP"), () -> name + " is up: " + link);
        assertEquals(kind, string(link, "linkinfo", "info_kind"));
        assertEquals(FcnetEngine.LINK_ALIAS, string(link, "ifalias"));
        Optional<JsonObject> addr = ipAddrs(netns, name).stream()
                .filter(a -> IpInet.formatAddress(address.address()).equals(string(a, "local"))).findFirst();
        assertTrue(addr.isPresent(), () -> address + " on " + name + ": " + ipAddrs(netns, name));
        assertEquals(address.prefixLength(), IpJson.number(addr.get(), "prefixlen"));
        // IPv6: usable at once, not waiting for duplicate address detection.
        assertTrue(IpJson.at(addr.get(), "tentative") == null, () -> address + " is tentative");
    }

    /** The main-table route to {@code dst} ("default" or an address without prefix) in {@code netns}. */
    private static Optional<JsonObject> route(String netns, String dst) {
        List<JsonObject> routes = new ArrayList<>(ipRoutes(netns, true));
        routes.addAll(ipRoutes(netns, false));
        return routes.stream().filter(r -> dst.equals(string(r, "dst"))).findFirst();
    }

    /** Every object of §3, plus the forwarding switches. */
    private static int expectedItems(FirecrackerNetwork n) {
        boolean v4 = n.guestIp().isV4();
        if (n.networkType() instanceof Namespaced ns) {
            boolean fwd = ns.forwardedGuestIp().isPresent();
            int netnsSwitches = v4 ? 2 : 1; // tap and veth2, or the netns' IPv6 switch
            // netns, 3 links + 3 addresses, default route, switches, inner table + chains + rules,
            // host table + 2 chains + 3 rules, host route, host switches
            return 1 + 6 + 1 + netnsSwitches + (1 + (fwd ? 4 : 2)) + 6 + (fwd ? 1 : 0) + (v4 ? 2 : 1);
        }
        // link, address, table, 2 chains, 2 rules, host switches
        return 7 + (v4 ? 2 : 1);
    }
}
