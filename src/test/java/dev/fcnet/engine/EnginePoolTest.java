package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.TapOwner;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonNumber;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import dev.fcnet.rtnl.IpJson;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Nsenter;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The clone pool (DESIGN §4b) against the kernel: filling, Adds taking slots (told by the ifindex
 * of veth1, which a rename keeps), Deletes returning them, what a pooled network looks like to
 * {@code ip} and {@code nft} next to a made one, tap owners, and adoption and destruction of the
 * slots an engine that died left.
 */
@KernelTest
class EnginePoolTest {
    private static FcnetEngine engine(ScratchNetns host, int pool) {
        return FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()).withPool(pool));
    }

    private static void awaitFull(FcnetEngine engine) throws Exception {
        engine.poolReady().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    /** The pool's host ends in the scratch host, name to ifindex: one per slot. */
    private static Map<String, Integer> hostEnds(ScratchNetns host) {
        Map<String, Integer> ends = new TreeMap<>();
        for (JsonObject link : IpJson.objects(host.ipJson("link", "show"))) {
            String name = IpJson.string(link, "ifname");
            if (name.startsWith("fcp")) ends.put(name, IpJson.number(link, "ifindex"));
        }
        return ends;
    }

    /** The pool's slot namespaces whose host end is in the scratch host. */
    private static Set<String> slotNetns(ScratchNetns host) {
        return hostEnds(host).keySet().stream().map(n -> PoolSlot.NETNS_PREFIX + n.substring(3)).collect(Collectors.toSet());
    }

    private static int veth1Index(ScratchNetns host, FirecrackerNetwork n) {
        String veth1 = ((Namespaced) n.networkType()).veth1Name();
        return IpJson.number(EngineFixture.ipLink(host.name(), veth1).orElseThrow(), "ifindex");
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    @Test
    void addTakesASlotDeleteReturnsItASecondAddReusesItAndBeyondTheSizeDeleteDestroys(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        FirecrackerNetwork a = EngineFixture.clone(host.name(), 1);
        FirecrackerNetwork b = EngineFixture.clone(host.name(), 2);
        FirecrackerNetwork c = EngineFixture.clone(host.name(), 3);
        try (FcnetEngine engine = engine(host, 2)) {
            awaitFull(engine);
            assertEquals(2, engine.poolSlots());
            Map<String, Integer> slots = hostEnds(host);
            assertEquals(2, slots.size(), slots::toString);
            for (String netns : slotNetns(host)) assertTrue(EngineFixture.ipNetns().contains(netns), netns);
            // A slot is nobody's network: List does not show it.
            assertEquals(List.of(), engine.list());

            engine.holdPool(true);
            engine.add(a);
            assertTrue(slots.containsValue(veth1Index(host, a)), "a is not made of a slot");
            assertEquals(1, engine.poolSlots());
            assertTrue(engine.check(a).isClean(), () -> engine.check(a).toString());
            engine.add(b);
            assertTrue(slots.containsValue(veth1Index(host, b)));
            assertEquals(0, engine.poolSlots());
            engine.add(c); // no slot ready: made as usual
            assertFalse(slots.containsValue(veth1Index(host, c)));
            assertTrue(engine.check(c).isClean());

            int aIndex = veth1Index(host, a);
            engine.delete(a);
            await("a's return", () -> engine.poolSlots() == 1);
            assertTrue(hostEnds(host).containsValue(aIndex), "a's veth pair is not back in the pool");
            assertFalse(EngineFixture.ipNetns().contains(((Namespaced) a.networkType()).netnsName()));
            engine.add(a); // the second Add reuses it
            assertEquals(aIndex, veth1Index(host, a));
            assertTrue(engine.check(a).isClean(), () -> engine.check(a).toString());

            engine.delete(a);
            engine.delete(b);
            await("the returns", () -> engine.poolSlots() == 2);
            int cIndex = veth1Index(host, c);
            engine.delete(c); // the pool is full: destroyed
            engine.awaitDestruction();
            assertEquals(2, engine.poolSlots());
            assertFalse(hostEnds(host).containsValue(cIndex));
            assertEquals(2, hostEnds(host).size(), () -> hostEnds(host).toString());
            for (FirecrackerNetwork n : List.of(a, b, c)) {
                assertFalse(EngineFixture.ipNetns().contains(((Namespaced) n.networkType()).netnsName()));
            }
            engine.holdPool(false);
        }
        // Closing the engine destroys its slots.
        assertEquals(Map.of(), hostEnds(host));
        assertFalse(EngineFixture.ipNetns().stream().anyMatch(n -> n.startsWith(PoolSlot.NETNS_PREFIX)));
    }

    @Test
    void aTakenSlotIsRefilledInTheBackground(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        try (FcnetEngine engine = engine(host, 3)) {
            awaitFull(engine);
            Map<String, Integer> before = hostEnds(host);
            FirecrackerNetwork a = EngineFixture.clone(host.name(), 1);
            engine.add(a);
            await("the refill", () -> engine.poolSlots() == 3);
            Map<String, Integer> after = hostEnds(host);
            assertEquals(3, after.size());
            assertNotEquals(before.keySet(), after.keySet());
            engine.delete(a);
        }
    }

    @Test
    void netnsNamesOfThePoolAreRefused(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, "fcpool-0badcafe", 1, false);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(n));
            assertEquals(FcnetException.Kind.CONFLICT, e.kind());
        }
    }

    /**
     * A network made of a slot, and one made of a returned slot, look to {@code ip -j} and
     * {@code nft} as the same network made without a pool, but for what the kernel assigns
     * (ifindex, MAC addresses and the IPv6 link-local addresses made of them).
     */
    @Test
    void aPooledNetworkLooksLikeAMadeOne(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        List<FirecrackerNetwork> networks = List.of(EngineFixture.clone(host.name(), 5),
                EngineFixture.namespaced(Stack.V4, host.name() + "-v4", 6, false),
                EngineFixture.namespaced(Stack.V6, host.name() + "-v6", 7, true),
                EngineFixture.namespaced(Stack.DUAL_V4, host.name() + "-d4", 8, true),
                EngineFixture.namespaced(Stack.DUAL_V6, host.name() + "-d6", 9, false));
        for (FirecrackerNetwork n : networks) {
            String made;
            try (FcnetEngine engine = EngineFixture.engine(host)) {
                engine.add(n);
                made = view(host, n);
                engine.delete(n);
            }
            try (FcnetEngine engine = engine(host, 1)) {
                awaitFull(engine);
                engine.holdPool(true);
                int slot = hostEnds(host).values().iterator().next();
                engine.add(n);
                assertEquals(slot, veth1Index(host, n), "not made of a slot");
                assertTrue(engine.check(n).isClean(), () -> engine.check(n).toString());
                assertSameView(made, view(host, n), n.toString());
                engine.delete(n);
                if (n.guestIp().address() instanceof java.net.Inet4Address) {
                    await("the return", () -> engine.poolSlots() == 1);
                    assertTrue(hostEnds(host).containsValue(slot), "not returned to the pool");
                    engine.add(n); // made of the returned slot
                    assertEquals(slot, veth1Index(host, n));
                    assertTrue(engine.check(n).isClean(), () -> engine.check(n).toString());
                    assertSameView(made, view(host, n), "returned slot: " + n);
                    engine.delete(n);
                } else {
                    assertEquals(Map.of(), hostEnds(host), "an IPv6 network is not returned");
                }
            }
        }
    }

    @Test
    void aSlotThatAV4NetworkReturnedMakesADualStackNetworkLikeAMadeOne(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        FirecrackerNetwork v4 = EngineFixture.clone(host.name(), 5);
        FirecrackerNetwork dual = EngineFixture.namespaced(Stack.DUAL_V4, host.name() + "-d4", 8, true);
        String made;
        // As with the pool below, after the V4 network (whose host tables stay).
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(v4);
            engine.delete(v4);
            engine.add(dual);
            made = view(host, dual);
            engine.delete(dual);
        }
        try (FcnetEngine engine = engine(host, 1)) {
            awaitFull(engine);
            engine.holdPool(true);
            engine.add(v4);
            int slot = veth1Index(host, v4);
            engine.delete(v4);
            // Returned with its host end's IPv6 off, as the V4 network had it.
            await("the return", () -> engine.poolSlots() == 1);
            engine.add(dual);
            assertEquals(slot, veth1Index(host, dual), "not made of the returned slot");
            assertSameView(made, view(host, dual), "dual-stack network of a V4 network's slot");
            engine.delete(dual);
        }
    }

    /** Equal views; else a failure naming the lines only one has. */
    private static void assertSameView(String made, String pooled, String what) {
        if (made.equals(pooled)) return;
        List<String> a = new ArrayList<>(made.lines().toList());
        List<String> b = new ArrayList<>(pooled.lines().toList());
        List<String> onlyA = new ArrayList<>(a);
        b.forEach(onlyA::remove);
        a.forEach(b::remove);
        throw new AssertionError(what + ": only without the pool:\n  " + String.join("\n  ", onlyA) + "\nonly with it:\n  "
                + String.join("\n  ", b));
    }

    /** What {@code ip -j} (links, addresses, routes) and {@code nft} show of the host and the network's netns. */
    private static String view(ScratchNetns host, FirecrackerNetwork n) {
        // Carrier and IPv6 duplicate address detection settle asynchronously.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
        String netns = ((Namespaced) n.networkType()).netnsName();
        List<String> parts = new ArrayList<>();
        for (String ns : List.of(host.name(), netns)) {
            for (List<String> args : List.of(List.of("link", "show"), List.of("addr", "show"),
                    List.of("route", "show", "table", "all"), List.of("-6", "route", "show", "table", "all"))) {
                List<String> cmd = new ArrayList<>(List.of("ip", "-n", ns, "-j"));
                cmd.addAll(args);
                parts.add(normalize(Tools.run(cmd.toArray(String[]::new))));
            }
            parts.add(Nsenter.run(Path.of("/run/netns", ns), "nft", "list", "ruleset"));
        }
        return String.join("\n--\n", parts);
    }

    /** Sorted, the pool's other slots and what the kernel assigns left out. */
    private static String normalize(String json) {
        List<String> objects = new ArrayList<>();
        for (JsonValue v : ((JsonArray) Json.parse(json)).elements()) {
            JsonObject o = (JsonObject) v;
            if (o.get("ifname") instanceof JsonString s && s.value().startsWith("fcp")) continue;
            String c = canonical(o);
            // A tap's carrier says whether a handle is attached; a made tap's varies from run to run.
            if (c.contains("=tap0,")) {
                c = c.replace("NO-CARRIER, ", "").replace(", LOWER_UP", "").replace("flags=[linkdown]", "flags=[]")
                        .replaceAll("operstate=\\w+", "operstate=?");
            }
            objects.add(c);
        }
        objects.sort(null);
        return String.join("\n", objects).replaceAll("fe80::[0-9a-f:]+", "fe80::X");
    }

    private static final Set<String> ASSIGNED = Set.of("ifindex", "link_index", "address", "link_netnsid", "link",
            "preferred_life_time", "valid_life_time");

    private static String canonical(JsonValue v) {
        return switch (v) {
            case JsonObject o -> {
                Map<String, String> m = new TreeMap<>();
                o.members().forEach((k, x) -> {
                    if (!ASSIGNED.contains(k)) m.put(k, canonical(x));
                });
                yield m.toString();
            }
            case JsonArray a -> a.elements().stream().map(EnginePoolTest::canonical).toList().toString();
            case JsonString s -> s.value();
            case JsonNumber num -> num.text();
            default -> v.toString();
        };
    }

    @Test
    void thePooledTapHasTheOwnerTheAddGives(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        FirecrackerNetwork owned = EngineFixture.namespaced(Stack.V4, host.name() + "-own", 3, false);
        FirecrackerNetwork rootOnly = EngineFixture.namespaced(Stack.V4, host.name() + "-root", 4, false);
        AddOptions options = AddOptions.DEFAULT.withTapOwner(TapOwner.of(4000, 4000));
        try (FcnetEngine engine = engine(host, 2)) {
            awaitFull(engine);
            engine.holdPool(true);
            Map<String, Integer> slots = hostEnds(host);
            engine.add(owned, options);
            engine.add(rootOnly);
            assertTrue(slots.containsValue(veth1Index(host, owned)) && slots.containsValue(veth1Index(host, rootOnly)));
            String netns = host.name() + "-own";
            JsonObject tap = EngineFixture.ipLink(netns, "tap0").orElseThrow();
            assertEquals(4000, IpJson.number(tap, "linkinfo", "info_data", "user"));
            assertEquals(4000, IpJson.number(tap, "linkinfo", "info_data", "group"));
            assertEquals("OK", EngineTapOwnerTest.attach(netns, 4000, 4000, "tap0"));
            assertEquals("errno " + dev.fcnet.sys.Errno.EPERM, EngineTapOwnerTest.attach(netns, 4001, 4001, "tap0"));
            assertTrue(engine.check(owned, options).isClean(), () -> engine.check(owned, options).toString());
            // Without an owner, as without a pool: root's, no group.
            JsonObject rootTap = EngineFixture.ipLink(host.name() + "-root", "tap0").orElseThrow();
            assertEquals("root", IpJson.string(rootTap, "linkinfo", "info_data", "user"));
            assertEquals(null, ((JsonObject) IpJson.at(rootTap, "linkinfo", "info_data")).get("group"));
            // A tap with a group is not returned (the kernel cannot unset a group): the pool stays empty.
            engine.delete(owned);
            assertEquals(0, engine.poolSlots());
            // One with an owner alone is; taken again without an owner, it is root's.
            AddOptions user = AddOptions.DEFAULT.withTapOwner(TapOwner.user(4000));
            engine.add(owned, user);
            assertEquals(4000, IpJson.number(EngineFixture.ipLink(netns, "tap0").orElseThrow(), "linkinfo", "info_data", "user"));
            int index = veth1Index(host, owned);
            engine.delete(owned);
            await("the return", () -> engine.poolSlots() == 1);
            engine.add(owned);
            assertEquals(index, veth1Index(host, owned), "not made of the returned slot");
            JsonObject again = EngineFixture.ipLink(netns, "tap0").orElseThrow();
            assertEquals("root", IpJson.string(again, "linkinfo", "info_data", "user"));
            assertEquals(null, ((JsonObject) IpJson.at(again, "linkinfo", "info_data")).get("group"));
            assertTrue(engine.check(owned).isClean(), () -> engine.check(owned).toString());
            engine.delete(owned);
            engine.delete(rootOnly);
        }
    }

    @Test
    void aLaterEngineAdoptsTheSlotsOfOneThatDied(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        Set<String> left;
        try (FcnetEngine dead = engine(host, 2)) {
            awaitFull(dead);
            dead.abandonPool();
            left = slotNetns(host);
        }
        assertEquals(2, left.size());
        assertTrue(EngineFixture.ipNetns().containsAll(left), "an abandoned pool's slots stay");
        try (FcnetEngine next = engine(host, 2)) {
            awaitFull(next);
            assertEquals(left, slotNetns(host), "adopted, not made anew");
            FirecrackerNetwork a = EngineFixture.clone(host.name(), 1);
            next.add(a);
            assertTrue(next.check(a).isClean());
            next.delete(a);
        }
        assertEquals(Set.of(), slotNetns(host));
    }

    @Test
    void anEngineWithoutAPoolDestroysTheSlotsOfOneThatDiedAndAHalfTakenSlotIsDestroyed(ScratchNetns host)
            throws Exception {
        EngineFixture.readyHost(host);
        try (FcnetEngine dead = engine(host, 2)) {
            awaitFull(dead);
            dead.abandonPool();
        }
        try (FcnetEngine none = EngineFixture.engine(host)) {
            // The sweep runs on the pool's thread, which close waits for.
            none.poolSlots();
        }
        assertEquals(Set.of(), slotNetns(host));
        assertFalse(EngineFixture.ipNetns().stream().anyMatch(n -> n.startsWith(PoolSlot.NETNS_PREFIX)));

        // A slot whose tap an Add had marked as its network's (a take's first change) when its engine died.
        Set<String> left;
        try (FcnetEngine dead = engine(host, 1)) {
            awaitFull(dead);
            dead.abandonPool();
            left = slotNetns(host);
        }
        String netns = left.iterator().next();
        Tools.run("ip", "-n", netns, "link", "set", "fct" + netns.substring(PoolSlot.NETNS_PREFIX.length()), "alias",
                FcnetEngine.LINK_ALIAS);
        try (FcnetEngine next = engine(host, 1)) {
            awaitFull(next);
            Set<String> now = slotNetns(host);
            assertEquals(1, now.size());
            assertFalse(now.contains(netns), "the half-taken slot was adopted");
            assertFalse(EngineFixture.ipNetns().contains(netns), "the half-taken slot is still there");
        }
    }
}
