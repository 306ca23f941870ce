package dev.fcnet.daemon;

import dev.fcnet.json.JsonValue.JsonString;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonBoolean;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.Json;
import dev.fcnet.engine.FcnetException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.TapOwner;
import dev.fcnet.client.FcnetdClient;
import dev.fcnet.client.FcnetdException;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.ForeignObjects;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon with the real engine, a scratch netns standing in for the host: operations over the
 * socket change the kernel, and links it did not create cannot be deleted through it.
 */
@KernelTest
@Timeout(120)
class DaemonEngineTest {
    @TempDir
    Path dir;

    private static final FirecrackerNetwork SIMPLE = FirecrackerNetwork.builder().tapName("tap7").ifaceName("eth1").build();


    private TestDaemon daemon(ScratchNetns host, ForeignObjects foreign, FcnetEngine[] engine) throws Exception {
        engine[0] = FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()).withForeignObjects(foreign));
        return new TestDaemon(dir, new EngineService(engine[0]), Optional.of("pw"), Duration.ofMinutes(1));
    }

    private static boolean linkExists(ScratchNetns ns, String name) {
        return Tools.exec(null, "ip", "-n", ns.name(), "link", "show", "dev", name).exit() == 0;
    }

    @Test
    void addCheckDeleteThroughTheSocket(ScratchNetns host) throws Exception {
        host.hostLike();
        FcnetEngine[] engine = new FcnetEngine[1];
        try (TestDaemon d = daemon(host, ForeignObjects.REFUSE, engine); RawClient c = d.connect()) {
            c.sendLine("pw");
            assertEquals("OK", c.request(new FcnetdRequest(FirecrackerNetworkOperation.Add, SIMPLE).toJson()));
            String link = host.ipJson("link", "show", "dev", "tap7");
            assertTrue(link.contains("\"ifalias\":\"fcnet\""), link);
            assertTrue(host.exec("nft", "list", "ruleset").contains("iifname \"tap7\" oifname \"eth1\" accept"));
            assertEquals("OK", c.request(new FcnetdRequest(FirecrackerNetworkOperation.Check, SIMPLE).toJson()));
            assertEquals("Add tap7: tap7 already exists in the host netns; nothing was changed",
                    c.request(new FcnetdRequest(FirecrackerNetworkOperation.Add, SIMPLE).toJson()));
            assertEquals("OK", c.request(new FcnetdRequest(FirecrackerNetworkOperation.Delete, SIMPLE).toJson()));
            assertFalse(linkExists(host, "tap7"));
            assertFalse(host.exec("nft", "list", "ruleset").contains("tap7"));
            // Check of a missing network: one line naming every missing object.
            String check = c.request(new FcnetdRequest(FirecrackerNetworkOperation.Check, SIMPLE).toJson());
            assertTrue(check.startsWith("Check tap7: "), check);
            assertTrue(check.contains("MISSING LINK tap7") && check.contains("MISSING RULE"), check);
            assertEquals("Delete tap7: network tap7 does not exist; nothing was deleted",
                    c.request(new FcnetdRequest(FirecrackerNetworkOperation.Delete, SIMPLE).toJson()));
            assertEquals("INFO #1 Add tap7: OK", d.log.visible().get(0));
        } finally {
            engine[0].close();
        }
    }

    /** List, "detail":true answers in JSON, and the client's failures typed by the daemon's kinds. */
    @Test
    void listDetailAndTypedFailures(ScratchNetns host) throws Exception {
        host.hostLike();
        FcnetEngine[] engine = new FcnetEngine[1];
        try (TestDaemon d = daemon(host, ForeignObjects.REFUSE, engine); RawClient c = d.connect();
                FcnetdClient client = FcnetdClient.connect(d.path(), "pw")) {
            c.sendLine("pw");
            assertEquals("[]", c.request("{\"operation\":\"List\"}"));
            client.run(SIMPLE, FirecrackerNetworkOperation.Add);
            FcnetdException twice = assertThrows(FcnetdException.class, () -> client.run(SIMPLE, FirecrackerNetworkOperation.Add));
            assertEquals(FcnetException.Kind.ALREADY_EXISTS, twice.kind());
            assertEquals("Add tap7: tap7 already exists in the host netns; nothing was changed", twice.reason());

            JsonArray listed = (JsonArray) Json.parse(c.request("{\"operation\":\"List\"}"));
            assertEquals(1, listed.elements().size(), listed.toString());
            JsonObject network = (JsonObject) listed.elements().get(0);
            assertEquals(new JsonString("tap7"), network.get("id"));
            assertEquals(SIMPLE, FirecrackerNetwork.fromJson(Json.write(network.get("network"))));

            JsonObject report = (JsonObject) Json.parse(c.request(new FcnetdRequest(FirecrackerNetworkOperation.Check, SIMPLE)
                    .withDetail(true).toJson()));
            assertEquals(new JsonBoolean(true), report.get("clean"), report.toString());
            JsonObject failure = (JsonObject) Json.parse(c.request(new FcnetdRequest(FirecrackerNetworkOperation.Add, SIMPLE)
                    .withDetail(true).toJson()));
            assertEquals(new JsonString("ALREADY_EXISTS"), failure.get("kind"));
            assertEquals(new JsonString("check"), failure.get("step"));
            JsonObject invalid = (JsonObject) Json.parse(c.request("{\"operation\":\"Add\",\"detail\":true}"));
            assertEquals(new JsonString("INVALID"), invalid.get("kind"));

            Tools.run("ip", "-n", host.name(), "link", "del", "tap7"); // broken behind the daemon's back
            FcnetdException incomplete = assertThrows(FcnetdException.class,
                    () -> client.run(SIMPLE, FirecrackerNetworkOperation.Check));
            assertEquals(FcnetException.Kind.INCOMPLETE, incomplete.kind());
            assertTrue(incomplete.reason().startsWith("Check tap7: ") && incomplete.reason().contains("MISSING LINK tap7"),
                    incomplete.reason());
            assertEquals(FcnetException.Kind.INCOMPLETE, assertThrows(FcnetdException.class,
                    () -> client.run(SIMPLE, FirecrackerNetworkOperation.Delete)).kind());
            assertEquals(FcnetException.Kind.NOT_FOUND, assertThrows(FcnetdException.class,
                    () -> client.run(SIMPLE, FirecrackerNetworkOperation.Delete)).kind());
            assertTrue(d.log.visible().contains("INFO #1 List: OK"), d.log.visible().toString());
            assertTrue(d.log.visible().stream().anyMatch(l -> l.startsWith("WARNING #2 Check tap7: failed: Check tap7: ")),
                    d.log.visible().toString());
        } finally {
            engine[0].close();
        }
    }

    @Test
    void forwardingWarningsGoToTheRequestsLogLine(ScratchNetns host) throws Exception {
        FcnetEngine[] engine = new FcnetEngine[1];
        try (TestDaemon d = daemon(host, ForeignObjects.REFUSE, engine); FcnetdClient c = FcnetdClient.connect(d.path(), "pw")) {
            c.run(SIMPLE, FirecrackerNetworkOperation.Add); // forwarding is off in a fresh netns, and eth1 is missing
            String line = d.log.visible().get(0);
            assertTrue(line.startsWith("WARNING #1 Add tap7: OK; Add tap7: ipv4 forwarding on tap7 in the host netns: off"),
                    line);
            c.run(SIMPLE, FirecrackerNetworkOperation.Delete);
        } finally {
            engine[0].close();
        }
    }

    @Test
    void namespacedThroughTheJavaClient(ScratchNetns host) throws Exception {
        FirecrackerNetwork net = FirecrackerNetwork.builder().ifaceName("eth1").networkType(Namespaced.builder()
                .netnsName(host.name() + "-vm").veth1Name("vh7").veth2Name("vn7").build()).build();
        host.hostLike();
        FcnetEngine[] engine = new FcnetEngine[1];
        try (TestDaemon d = daemon(host, ForeignObjects.REFUSE, engine); FcnetdClient c = FcnetdClient.connect(d.path(), "pw")) {
            c.run(net, FirecrackerNetworkOperation.Add);
            assertTrue(Tools.run("ip", "netns", "list").contains(host.name() + "-vm"));
            assertTrue(linkExists(host, "vh7"));
            c.run(net, FirecrackerNetworkOperation.Check);
            c.run(net, FirecrackerNetworkOperation.Delete);
            assertFalse(Tools.run("ip", "netns", "list").contains(host.name() + "-vm"));
            assertFalse(linkExists(host, "vh7"));
            FcnetdException e = assertThrows(FcnetdException.class, () -> c.run(net, FirecrackerNetworkOperation.Check));
            assertTrue(e.reason().startsWith("Check netns " + host.name() + "-vm: "), e.reason());
        } finally {
            engine[0].close();
        }
    }

    /**
     * Clone {@code n} of one snapshot, as EngineFixture.clone makes them: the same tap and guest in
     * netns {@code PREFIX-cN}, its own veth pair, /30 and forwarded address; eth1 is the uplink.
     */
    private static FirecrackerNetwork clone(String netnsPrefix, int n) {
        String prefix = "10.64." + (n * 4 >> 8) + ".";
        return FirecrackerNetwork.builder().ifaceName("eth1").networkType(Namespaced.builder()
                .netnsName(netnsPrefix + "-c" + n).veth1Name("vh" + n).veth2Name("vg" + n)
                .veth1Ip(IpInet.parse(prefix + ((n * 4 & 255) + 1) + "/30"))
                .veth2Ip(IpInet.parse(prefix + ((n * 4 & 255) + 2) + "/30"))
                .forwardedGuestIp(IpInet.parseAddress("192.168.0." + n)).build()).build();
    }

    /**
     * Pipelined Adds and Deletes of a client that is not root go through the engine's bulk calls
     * for its uid: a tap owner it may not name fails alone, its taps are its own, and another
     * user's network in the same bulk Delete is refused while its own is deleted.
     */
    @Test
    void bulkRequestsRunForTheirClient(ScratchNetns host) throws Exception {
        host.hostLike();
        try (FcnetEngine engine = FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()))) {
            EngineService service = new EngineService(engine);
            Peer user = new Peer(1000, 1000);
            FirecrackerNetwork own = simple(1);
            FirecrackerNetwork asRoot = simple(2);
            FirecrackerNetwork others = simple(3);
            service.run(Peer.ROOT, new FcnetdRequest(FirecrackerNetworkOperation.Add, others));

            List<NetworkService.Result> added = service.runAll(user, List.of(
                    new FcnetdRequest(FirecrackerNetworkOperation.Add, own),
                    new FcnetdRequest(FirecrackerNetworkOperation.Add, asRoot, Optional.of(TapOwner.of(0, 0)))));
            assertEquals("OK", added.get(0).answer().line());
            assertEquals(FcnetException.Kind.PERMISSION, added.get(1).failure().kind());
            assertFalse(linkExists(host, "tap12"));
            String link = host.ipJson("-d", "link", "show", "dev", "tap11");
            // ip names the tap's owner by user name where uid 1000 has one: root's it is not.
            assertTrue(link.contains("\"ifalias\":\"fcnet uid=1000\"") && link.contains("\"user\":")
                    && !link.contains("\"user\":\"root\"") && !link.contains("\"group\":\"root\""), link);

            List<NetworkService.Result> deleted = service.runAll(user, List.of(
                    new FcnetdRequest(FirecrackerNetworkOperation.Delete, own),
                    new FcnetdRequest(FirecrackerNetworkOperation.Delete, others)));
            assertEquals("OK", deleted.get(0).answer().line());
            assertEquals(FcnetException.Kind.NOT_OURS, deleted.get(1).failure().kind());
            engine.awaitDestruction();
            assertFalse(linkExists(host, "tap11"));
            assertTrue(linkExists(host, "tap13"));
        }
    }

    /** Simple network {@code n}: tap {@code tap1n} on 172.16.n.1/24, out of eth1. */
    private static FirecrackerNetwork simple(int n) {
        return FirecrackerNetwork.builder().tapName("tap1" + n).ifaceName("eth1")
                .tapIp(IpInet.parse("172.16." + n + ".1/24")).guestIp(IpInet.parse("172.16." + n + ".2/24")).build();
    }

    /** Clones added, checked and deleted over one connection, pipelined; a repeated Add fails alone. */
    @Test
    void clonesInBulkOverOneConnection(ScratchNetns host) throws Exception {
        host.hostLike();
        List<FirecrackerNetwork> clones = new ArrayList<>();
        for (int n = 1; n <= 20; n++) clones.add(clone(host.name(), n));
        List<FirecrackerNetwork> withRepeat = new ArrayList<>(clones);
        withRepeat.add(clones.get(4));
        FcnetEngine[] engine = new FcnetEngine[1];
        try (TestDaemon d = daemon(host, ForeignObjects.REFUSE, engine); FcnetdClient c = FcnetdClient.connect(d.path(), "pw")) {
            List<FcnetdClient.Outcome> added = c.addAll(withRepeat);
            assertEquals(withRepeat, added.stream().map(FcnetdClient.Outcome::network).toList());
            for (FcnetdClient.Outcome o : added.subList(0, 20)) assertTrue(o.succeeded(), o::toString);
            FcnetdException repeat = added.get(20).failure().orElseThrow();
            assertEquals(FcnetException.Kind.ALREADY_EXISTS, repeat.kind(), repeat::getMessage);
            List<String> netns = Tools.run("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).toList();
            for (int n = 1; n <= 20; n++) assertTrue(netns.contains(host.name() + "-c" + n), netns::toString);
            String ruleset = host.exec("nft", "list", "ruleset");
            for (int n = 1; n <= 20; n++) {
                assertTrue(ruleset.contains("iifname \"eth1\" oifname \"vh" + n + "\" accept")
                        && ruleset.contains("oifname \"eth1\" iifname \"vh" + n + "\" accept"), ruleset);
            }

            for (FcnetdClient.Outcome o : c.checkAll(clones)) assertTrue(o.succeeded(), o::toString);
            for (FcnetdClient.Outcome o : c.deleteAll(clones)) assertTrue(o.succeeded(), o::toString);
            assertFalse(Tools.run("ip", "netns", "list").contains(host.name() + "-c"));
            assertFalse(host.exec("nft", "list", "ruleset").contains("\"vh"));
            List<FcnetdClient.Outcome> checked = c.checkAll(clones);
            for (FcnetdClient.Outcome o : checked) {
                assertEquals(FcnetException.Kind.INCOMPLETE, o.failure().orElseThrow().kind(), o::toString);
            }
        } finally {
            engine[0].close();
        }
    }

    @Test
    void linksFcnetDidNotCreateCannotBeDeleted(ScratchNetns host) throws Exception {
        // Stand-ins for the host's uplink (this kernel has no dummy links), a veth and a tap made by hand.
        Tools.run("ip", "-n", host.name(), "link", "add", "eth0", "type", "bridge");
        Tools.run("ip", "-n", host.name(), "link", "add", "veth5", "type", "veth", "peer", "name", "veth5p");
        Tools.run("ip", "-n", host.name(), "tuntap", "add", "tap5", "mode", "tap");
        FcnetEngine[] engine = new FcnetEngine[1];
        try (TestDaemon d = daemon(host, ForeignObjects.REFUSE, engine); FcnetdClient c = FcnetdClient.connect(d.path(), "pw")) {
            FcnetdException e = assertThrows(FcnetdException.class,
                    () -> c.run(SIMPLE.toBuilder().tapName("eth0").build(), FirecrackerNetworkOperation.Delete));
            assertEquals("Delete eth0: link eth0 in the host netns is a bridge, not a tun of this network; nothing was"
                    + " deleted", e.reason());
            // A tap and a veth of the right kinds, but not made by fcnet.
            e = assertThrows(FcnetdException.class,
                    () -> c.run(SIMPLE.toBuilder().tapName("tap5").build(), FirecrackerNetworkOperation.Delete));
            assertEquals("Delete tap5: refusing to delete link tap5 (host netns): it was not created by fcnet (no \"fcnet\""
                    + " alias); nothing was deleted", e.reason());
            FirecrackerNetwork veth5 = SIMPLE.toBuilder().networkType(Namespaced.builder().netnsName(host.name())
                    .veth1Name("veth5").build()).build();
            e = assertThrows(FcnetdException.class, () -> c.run(veth5, FirecrackerNetworkOperation.Delete));
            assertEquals("Delete netns " + host.name() + ": refusing to delete link veth5 (host netns): it was not created"
                    + " by fcnet (no \"fcnet\" alias); nothing was deleted", e.reason());
        } finally {
            engine[0].close();
        }
        for (String link : new String[] {"eth0", "veth5", "tap5"}) assertTrue(linkExists(host, link), link);
    }

    /** A Simple network made the way Rust fcnet makes it (ip and nft, no mark): refused, unless --allow-foreign. */
    @Test
    void foreignNetworksOnlyWithAllowForeign(ScratchNetns host) throws Exception {
        host.hostLike();
        host.exec("sh", "-c", "ip tuntap add tap7 mode tap && ip addr add 172.16.0.1/24 dev tap7 && ip link set tap7 up"
                + " && nft add table ip fcnet"
                + " && nft add chain ip fcnet postrouting '{ type nat hook postrouting priority 100; policy accept; }'"
                + " && nft add chain ip fcnet filter '{ type filter hook forward priority 0; policy accept; }'"
                + " && nft add rule ip fcnet postrouting ip saddr 172.16.0.2 oifname eth1 masquerade"
                + " && nft add rule ip fcnet filter iifname tap7 oifname eth1 accept");
        String ruleset = host.exec("nft", "list", "ruleset");
        FcnetEngine[] engine = new FcnetEngine[1];
        try (TestDaemon d = daemon(host, ForeignObjects.REFUSE, engine); FcnetdClient c = FcnetdClient.connect(d.path(), "pw")) {
            c.run(SIMPLE, FirecrackerNetworkOperation.Check);
            FcnetdException e = assertThrows(FcnetdException.class, () -> c.run(SIMPLE, FirecrackerNetworkOperation.Delete));
            assertTrue(e.reason().startsWith("Delete tap7: refusing to delete link tap7 (host netns)"), e.reason());
        } finally {
            engine[0].close();
        }
        assertTrue(linkExists(host, "tap7"));
        assertEquals(ruleset, host.exec("nft", "list", "ruleset"), "no rule was deleted");
        try (TestDaemon d = daemon(host, ForeignObjects.ALLOW, engine); FcnetdClient c = FcnetdClient.connect(d.path(), "pw")) {
            c.run(SIMPLE, FirecrackerNetworkOperation.Delete);
        } finally {
            engine[0].close();
        }
        assertFalse(linkExists(host, "tap7"));
        assertFalse(host.exec("nft", "list", "ruleset").contains("tap7"));
    }
}
