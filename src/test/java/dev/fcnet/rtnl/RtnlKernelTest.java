package dev.fcnet.rtnl;

import static dev.fcnet.rtnl.Inet.ip;
import static dev.fcnet.rtnl.IpJson.number;
import static dev.fcnet.rtnl.IpJson.string;
import static dev.fcnet.rtnl.IpJson.strings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.sys.Errno;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Links, addresses, routes and forwarding against the kernel, judged by {@code ip -j}. */
@KernelTest
class RtnlKernelTest {

    private static Optional<JsonObject> ipLink(ScratchNetns ns, String name) {
        return IpJson.objects(ns.ipJson("-d", "link", "show")).stream()
                .filter(l -> name.equals(string(l, "ifname"))).findFirst();
    }

    /** The addr_info entries `ip -j addr show dev NAME` prints. */
    private static List<JsonObject> ipAddrs(ScratchNetns ns, String dev) {
        List<JsonObject> links = IpJson.objects(ns.ipJson("addr", "show", "dev", dev));
        assertEquals(1, links.size());
        JsonValue info = links.get(0).get("addr_info");
        return ((JsonArray) info).elements().stream().map(JsonObject.class::cast).toList();
    }

    private static Optional<JsonObject> ipAddr(ScratchNetns ns, String dev, String local) {
        return ipAddrs(ns, dev).stream().filter(a -> local.equals(string(a, "local"))).findFirst();
    }

    /** A veth pair veth1/veth0 in {@code ns}, both up, veth1 returned. */
    private static Link upVeth(Rtnl rtnl) {
        rtnl.createVeth("veth1", "veth0");
        Link veth1 = rtnl.link("veth1").orElseThrow();
        rtnl.setUp(veth1, true);
        rtnl.setUp(rtnl.link("veth0").orElseThrow(), true);
        return veth1;
    }

    @Test
    void getsOneLinkByName(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            Link lo = rtnl.link("lo").orElseThrow();
            assertEquals(1, lo.index());
            assertEquals("lo", lo.name());
            assertTrue(lo.up()); // ScratchNetns set it up
            assertEquals(65536, lo.mtu());
            assertTrue(lo.kind().isEmpty());
            assertEquals(Optional.empty(), rtnl.link("nope"));
        }
    }

    @Test
    void vethWithPeerCreatedInAnotherNamespaceAndOneMovedThere(ScratchNetns scratchA, ScratchNetns scratchB)
            {
        try (Netns a = Netns.open(scratchA.name()); Netns b = Netns.open(scratchB.name());
                Rtnl rtnl = a.call(Rtnl::open); Rtnl rtnlB = b.call(Rtnl::open)) {
            rtnl.createVeth("veth1", "veth0", b.fd());
            JsonObject veth1 = ipLink(scratchA, "veth1").orElseThrow();
            assertEquals("veth", string(veth1, "linkinfo", "info_kind"));
            assertTrue(ipLink(scratchA, "veth0").isEmpty(), "the peer was created in the other namespace");
            JsonObject veth0 = ipLink(scratchB, "veth0").orElseThrow();
            assertEquals("veth", string(veth0, "linkinfo", "info_kind"));

            Link link = rtnl.link("veth1").orElseThrow();
            assertEquals(number(veth1, "ifindex"), link.index());
            assertEquals(Optional.of("veth"), link.kind());
            assertEquals(number(veth0, "ifindex"), link.peer().orElseThrow());
            assertTrue(link.peerNetnsId().isPresent(), "peer in another namespace has a link-netnsid");
            assertEquals(link.index(), rtnlB.link("veth0").orElseThrow().peer().orElseThrow());

            rtnl.createVeth("veth3", "veth2");
            rtnl.moveToNetns(rtnl.link("veth2").orElseThrow(), b.fd());
            assertTrue(ipLink(scratchA, "veth2").isEmpty());
            assertEquals("veth", string(ipLink(scratchB, "veth2").orElseThrow(), "linkinfo", "info_kind"));
            assertTrue(rtnl.link("veth2").isEmpty());
            assertTrue(rtnlB.link("veth2").isPresent());
        }
        // Nothing landed in the JVM's own namespace.
        assertEquals(1, Tools.run("ip", "-o", "link", "show").strip().lines().count());
    }

    @Test
    void upDownRenameGroupAliasAndDelete(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            rtnl.createVeth("veth1", "veth0");
            Link veth1 = rtnl.link("veth1").orElseThrow();
            assertFalse(veth1.up());
            rtnl.setUp(veth1, true);
            assertTrue(strings(ipLink(scratch, "veth1").orElseThrow(), "flags").contains("UP"));
            assertTrue(rtnl.link("veth1").orElseThrow().up());
            rtnl.setUp(veth1, false);
            assertFalse(strings(ipLink(scratch, "veth1").orElseThrow(), "flags").contains("UP"));

            rtnl.setGroup(veth1, 7);
            rtnl.setAlias(veth1, "fcnet:test");
            rtnl.rename(veth1, "veth9");
            JsonObject veth9 = ipLink(scratch, "veth9").orElseThrow();
            assertEquals(veth1.index(), number(veth9, "ifindex"));
            assertEquals("7", string(veth9, "group"));
            assertEquals("fcnet:test", string(veth9, "ifalias"));
            Link renamed = rtnl.link("veth9").orElseThrow();
            assertEquals(7, renamed.group());
            assertEquals(Optional.of("fcnet:test"), renamed.alias());
            assertTrue(rtnl.link("veth1").isEmpty());

            rtnl.deleteLink("veth9");
            assertTrue(ipLink(scratch, "veth9").isEmpty());
            assertTrue(ipLink(scratch, "veth0").isEmpty(), "a veth takes its peer with it");

            rtnl.createVeth("veth5", "veth4");
            rtnl.deleteLink(rtnl.link("veth5").orElseThrow());
            assertTrue(ipLink(scratch, "veth5").isEmpty());
        }
    }

    @Test
    void aBatchIsSentInOneDatagramEachRequestOnItsOwn(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            rtnl.createVeth("veth1", "veth0");
            Link veth1 = rtnl.link("veth1").orElseThrow();
            Link veth0 = rtnl.link("veth0").orElseThrow();
            rtnl.send(new RtnlBatch().setAlias(veth1, "fcnet").addAddress(veth1, ip("10.0.0.1"), 24).setUp(veth1, true));
            JsonObject link = ipLink(scratch, "veth1").orElseThrow();
            assertEquals("fcnet", string(link, "ifalias"));
            assertTrue(strings(link, "flags").contains("UP"));
            assertTrue(ipAddr(scratch, "veth1", "10.0.0.1").isPresent());

            // The address exists: that request fails, the ones around it are carried out.
            NetlinkException e = assertThrows(NetlinkException.class, () -> rtnl.send(new RtnlBatch().setAlias(veth0, "peer")
                    .addAddress(veth1, ip("10.0.0.1"), 24).setUp(veth0, true)));
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals(1, e.messageIndex());
            assertTrue(e.getMessage().startsWith("RTM_NEWADDR 10.0.0.1/24 dev veth1: File exists (EEXIST)"), e::getMessage);
            JsonObject peer = ipLink(scratch, "veth0").orElseThrow();
            assertEquals("peer", string(peer, "ifalias"));
            assertTrue(strings(peer, "flags").contains("UP"));
            rtnl.send(new RtnlBatch()); // nothing to send
        }
    }

    @Test
    void severalLinksInOneDatagramWithTheirIpv4Forwarding(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            rtnl.createVeth("veth1", "veth0");
            scratch.exec("sysctl", "-qw", "net.ipv4.conf.veth1.forwarding=1", "net.ipv4.conf.veth0.forwarding=0");
            List<Optional<Link>> links = rtnl.links(List.of("veth1", "nosuch0", "veth0"));
            assertEquals(3, links.size());
            assertEquals("veth1", links.get(0).orElseThrow().name());
            assertEquals(Optional.empty(), links.get(1));
            assertEquals("veth0", links.get(2).orElseThrow().name());
            // As /proc/sys says, and as RTM_GETNETCONF says.
            assertEquals(Optional.of(true), links.get(0).get().ipv4Forwarding());
            assertEquals(Optional.of(false), links.get(2).get().ipv4Forwarding());
            assertEquals("1", scratch.exec("cat", "/proc/sys/net/ipv4/conf/veth1/forwarding").strip());
            assertTrue(rtnl.forwarding(IpFamily.INET, links.get(0).get()));
            assertEquals(List.of(), rtnl.links(List.of()));
            assertEquals(List.of(Optional.empty(), Optional.empty()), rtnl.links(List.of("nosuch0", "nosuch1")));
            NetlinkException e = assertThrows(NetlinkException.class, () -> rtnl.links(List.of("veth1", "x".repeat(16))));
            assertEquals(Errno.ERANGE, e.errno(), e.getMessage()); // the name is longer than IFNAMSIZ allows
        }
    }

    @Test
    void ipv4ForwardingOfADeviceAndNoIpv6LinkLocalAddress(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            rtnl.createVeth("veth1", "veth0");
            Link veth1 = rtnl.link("veth1").orElseThrow();
            Link veth0 = rtnl.link("veth0").orElseThrow();
            assertFalse(rtnl.forwarding(IpFamily.INET, veth1));
            rtnl.send(new RtnlBatch().addrGenModeNone(veth1).setIpv4Forwarding(veth1, true).setUp(veth1, true)
                    .setUp(veth0, true));
            assertTrue(rtnl.forwarding(IpFamily.INET, veth1));
            assertFalse(rtnl.forwarding(IpFamily.INET, veth0));
            assertFalse(rtnl.forwardingAll(IpFamily.INET), "only the device");
            assertEquals("1", scratch.exec("cat", "/proc/sys/net/ipv4/conf/veth1/forwarding").strip());
            assertEquals("none", string(ipLink(scratch, "veth1").orElseThrow(), "inet6_addr_gen_mode"));
            assertEquals("eui64", string(ipLink(scratch, "veth0").orElseThrow(), "inet6_addr_gen_mode"));
            // Up, but without a link-local address (veth0 gets one).
            assertTrue(ipAddrs(scratch, "veth1").stream().noneMatch(a -> "inet6".equals(string(a, "family"))));
            rtnl.send(new RtnlBatch().setIpv4Forwarding(veth1, false));
            assertFalse(rtnl.forwarding(IpFamily.INET, veth1));
        }
    }

    @Test
    void retiredLinksFreeNameAndAddressAtOnceAndDieTogetherWithTheirGroup(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            assertFalse(rtnl.deleteGroup(77), "an empty group: ENODEV, nothing deleted");
            Link veth1 = upVeth(rtnl);
            rtnl.addAddress(veth1, ip("10.0.0.1"), 24);
            rtnl.createVeth("veth3", "veth2");
            Link veth3 = rtnl.link("veth3").orElseThrow();
            rtnl.setUp(veth3, true);

            rtnl.retire(veth1, ip("10.0.0.1"), 24, "fcg" + veth1.index(), 77);
            // The address was never there: retiring still takes the link down, renames and groups it.
            rtnl.retire(veth3, ip("10.0.3.1"), 24, "fcg" + veth3.index(), 77);
            assertTrue(ipLink(scratch, "veth1").isEmpty());
            for (Link l : List.of(veth1, veth3)) {
                JsonObject retired = ipLink(scratch, "fcg" + l.index()).orElseThrow();
                assertEquals("77", string(retired, "group"));
                assertFalse(strings(retired, "flags").contains("UP"));
                assertEquals(List.of(), ipAddrs(scratch, "fcg" + l.index()).stream()
                        .filter(a -> "inet".equals(string(a, "family"))).toList());
            }
            // The old name and address are free at once.
            rtnl.createVeth("veth1", "veth9");
            rtnl.addAddress(rtnl.link("veth1").orElseThrow(), ip("10.0.0.1"), 24);

            rtnl.createVeth("veth5", "veth4");
            // A name that is taken: the kernel sets the group before it renames, so the failed
            // link is down and in the group, to be destroyed with it (or by its caller) all the same.
            NetlinkException taken = assertThrows(NetlinkException.class,
                    () -> rtnl.retire(rtnl.link("veth5").orElseThrow(), ip("10.0.5.1"), 24, "veth0", 77));
            assertEquals(Errno.EEXIST, taken.errno(), taken::getMessage);
            assertTrue(taken.getMessage().startsWith("RTM_NEWLINK veth5: File exists (EEXIST)"), taken::getMessage);
            assertEquals("77", string(ipLink(scratch, "veth5").orElseThrow(), "group"));

            assertTrue(rtnl.deleteGroup(77));
            List<String> left = IpJson.objects(scratch.ipJson("link", "show")).stream().map(l -> string(l, "ifname")).toList();
            assertEquals(List.of("lo", "veth9", "veth1"), left, "the group's links and their peers are gone, the new pair stays");
            assertFalse(rtnl.deleteGroup(77));
            assertThrows(IllegalArgumentException.class, () -> rtnl.deleteGroup(0));
        }
    }

    @Test
    void errorsNameTheLink(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            rtnl.createVeth("veth1", "veth0");
            NetlinkException exists = assertThrows(NetlinkException.class, () -> rtnl.createVeth("veth1", "veth7"));
            assertEquals(Errno.EEXIST, exists.errno());
            assertTrue(exists.getMessage().startsWith("RTM_NEWLINK veth1: File exists (EEXIST)"), exists.getMessage());
            assertTrue(ipLink(scratch, "veth7").isEmpty());

            NetlinkException missing = assertThrows(NetlinkException.class, () -> rtnl.deleteLink("veth8"));
            assertEquals(Errno.ENODEV, missing.errno());
            assertTrue(missing.getMessage().startsWith("RTM_DELLINK veth8: No such device (ENODEV)"), missing.getMessage());

            Link veth1 = rtnl.link("veth1").orElseThrow();
            rtnl.deleteLink(veth1);
            NetlinkException gone = assertThrows(NetlinkException.class, () -> rtnl.setUp(veth1, true));
            assertEquals(Errno.ENODEV, gone.errno());
            assertTrue(gone.getMessage().startsWith("RTM_NEWLINK veth1: No such device (ENODEV)"), gone.getMessage());
        }
    }

    @Test
    void addressesV4AndV6(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            Link veth1 = upVeth(rtnl);
            Link veth0 = rtnl.link("veth0").orElseThrow();
            rtnl.addAddress(veth1, ip("10.0.0.1"), 24);
            rtnl.addAddress(veth1, ip("2001:db8::1"), 64);
            rtnl.addAddress(veth0, ip("10.0.0.2"), 24);

            JsonObject v4 = ipAddr(scratch, "veth1", "10.0.0.1").orElseThrow();
            assertEquals(24, number(v4, "prefixlen"));
            assertEquals("10.0.0.255", string(v4, "broadcast"));
            JsonObject v6 = ipAddr(scratch, "veth1", "2001:db8::1").orElseThrow();
            assertEquals(64, number(v6, "prefixlen"));
            assertNull(IpJson.at(v6, "tentative"), "usable at once: " + v6);
            assertEquals(JsonValue.JsonBoolean.class, IpJson.at(v6, "nodad").getClass());

            List<Address> ours = rtnl.addresses(veth1);
            assertTrue(ours.stream().allMatch(a -> a.index() == veth1.index()), ours.toString());
            Address a4 = ours.stream().filter(a -> a.address().equals(ip("10.0.0.1"))).findFirst().orElseThrow();
            assertEquals(24, a4.prefixLength());
            assertEquals(Optional.of(ip("10.0.0.255")), a4.broadcast());
            Address a6 = ours.stream().filter(a -> a.address().equals(ip("2001:db8::1"))).findFirst().orElseThrow();
            assertEquals(IpFamily.INET6, a6.family());
            assertFalse(a6.tentative());
            assertTrue(ours.stream().noneMatch(a -> a.address().equals(ip("10.0.0.2"))), "veth0's address filtered out");

            NetlinkException dup = assertThrows(NetlinkException.class, () -> rtnl.addAddress(veth1, ip("10.0.0.1"), 24));
            assertEquals(Errno.EEXIST, dup.errno());
            assertTrue(dup.getMessage().startsWith("RTM_NEWADDR 10.0.0.1/24 dev veth1: File exists (EEXIST)"), dup.getMessage());

            rtnl.deleteAddress(veth1, ip("10.0.0.1"), 24);
            rtnl.deleteAddress(veth1, ip("2001:db8::1"), 64);
            assertTrue(ipAddr(scratch, "veth1", "10.0.0.1").isEmpty());
            assertTrue(ipAddr(scratch, "veth1", "2001:db8::1").isEmpty());
            assertTrue(rtnl.addresses(veth1).stream().noneMatch(a -> a.address().equals(ip("10.0.0.1"))));
            NetlinkException absent = assertThrows(NetlinkException.class, () -> rtnl.deleteAddress(veth1, ip("10.0.0.1"), 24));
            assertEquals(Errno.EADDRNOTAVAIL, absent.errno());
        }
    }

    /** The route `ip -j -d route show table main` prints for {@code dst}, if any. */
    private static Optional<JsonObject> ipRoute(ScratchNetns ns, String family, String dst) {
        return IpJson.objects(ns.ipJson("-d", family, "route", "show", "table", "main")).stream()
                .filter(r -> dst.equals(string(r, "dst"))).findFirst();
    }

    @Test
    void routesV4AndV6(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            Link veth1 = upVeth(rtnl);
            rtnl.addAddress(veth1, ip("10.0.0.1"), 24);
            rtnl.addAddress(veth1, ip("2001:db8::1"), 64);
            rtnl.addRoute(ip("0.0.0.0"), 0, ip("10.0.0.2"));
            rtnl.addRoute(ip("192.168.0.3"), 32, ip("10.0.0.2"));
            rtnl.addRoute(ip("::"), 0, ip("2001:db8::2"));
            rtnl.addRoute(ip("2001:db8:1::3"), 128, ip("2001:db8::2"));

            for (String[] r : new String[][] {{"-4", "default", "10.0.0.2"}, {"-4", "192.168.0.3", "10.0.0.2"},
                    {"-6", "default", "2001:db8::2"}, {"-6", "2001:db8:1::3", "2001:db8::2"}}) {
                JsonObject route = ipRoute(scratch, r[0], r[1]).orElseThrow(() -> new AssertionError("no route " + r[1]));
                assertEquals(r[2], string(route, "gateway"));
                assertEquals("veth1", string(route, "dev"));
                assertEquals("boot", string(route, "protocol"));
                assertEquals("unicast", string(route, "type"));
                assertEquals("global", string(route, "scope"));
            }

            List<Route> v4 = rtnl.routes(IpFamily.INET);
            Route dflt = v4.stream().filter(Route::isDefault).findFirst().orElseThrow();
            assertEquals(Optional.of(ip("10.0.0.2")), dflt.gateway());
            assertEquals(veth1.index(), dflt.outputIndex().orElseThrow());
            assertEquals(RtnlConstants.RTPROT_BOOT, dflt.protocol());
            Route host = v4.stream().filter(r -> r.prefixLength() == 32).findFirst().orElseThrow();
            assertEquals(ip("192.168.0.3"), host.destination());
            assertTrue(v4.stream().allMatch(r -> r.family() == IpFamily.INET && r.table() == RtnlConstants.RT_TABLE_MAIN));
            List<Route> v6 = rtnl.routes(IpFamily.INET6);
            assertTrue(v6.stream().anyMatch(r -> r.isDefault() && r.gateway().equals(Optional.of(ip("2001:db8::2")))), v6.toString());
            assertTrue(v6.stream().anyMatch(r -> r.prefixLength() == 128 && r.destination().equals(ip("2001:db8:1::3"))), v6.toString());
            // The kernel filtered the dumps: no local-table routes (10.0.0.1, ::1, ...), no other family.
            assertTrue(v6.stream().allMatch(r -> r.family() == IpFamily.INET6 && r.table() == RtnlConstants.RT_TABLE_MAIN),
                    v6.toString());

            // One route by lookup: the host routes themselves, else the default route that covers an address.
            Route host4 = rtnl.fibMatch(ip("192.168.0.3")).orElseThrow();
            assertEquals(ip("192.168.0.3"), host4.destination());
            assertEquals(32, host4.prefixLength());
            assertEquals(Optional.of(ip("10.0.0.2")), host4.gateway());
            assertEquals(RtnlConstants.RT_TABLE_MAIN, host4.table());
            Route host6 = rtnl.fibMatch(ip("2001:db8:1::3")).orElseThrow();
            assertEquals(128, host6.prefixLength());
            assertEquals(Optional.of(ip("2001:db8::2")), host6.gateway());
            assertTrue(rtnl.fibMatch(ip("192.168.0.4")).orElseThrow().isDefault());

            NetlinkException dup = assertThrows(NetlinkException.class, () -> rtnl.addRoute(ip("0.0.0.0"), 0, ip("10.0.0.2")));
            assertEquals(Errno.EEXIST, dup.errno());
            assertTrue(dup.getMessage().startsWith("RTM_NEWROUTE default via 10.0.0.2: File exists (EEXIST)"), dup.getMessage());

            rtnl.deleteRoute(ip("0.0.0.0"), 0, ip("10.0.0.2"));
            rtnl.deleteRoute(ip("192.168.0.3"), 32, ip("10.0.0.2"));
            rtnl.deleteRoute(ip("::"), 0, ip("2001:db8::2"));
            rtnl.deleteRoute(ip("2001:db8:1::3"), 128, ip("2001:db8::2"));
            for (String[] r : new String[][] {{"-4", "default"}, {"-4", "192.168.0.3"}, {"-6", "default"}, {"-6", "2001:db8:1::3"}}) {
                assertTrue(ipRoute(scratch, r[0], r[1]).isEmpty(), r[1]);
            }
            assertTrue(rtnl.routes(IpFamily.INET).stream().noneMatch(Route::isDefault));
            assertEquals(Optional.empty(), rtnl.fibMatch(ip("192.168.0.3")), "no route covers it any more");
            assertEquals(Optional.empty(), rtnl.fibMatch(ip("2001:db8:1::3")));
            NetlinkException absent = assertThrows(NetlinkException.class, () -> rtnl.deleteRoute(ip("0.0.0.0"), 0, ip("10.0.0.2")));
            assertEquals(Errno.ESRCH, absent.errno());
        }
    }

    private static String sysctl(ScratchNetns ns, String path) {
        return ns.exec("cat", "/proc/sys/net/" + path).strip();
    }

    @Test
    void forwardingPerDeviceAndNamespaceWide(ScratchNetns scratch) throws IOException {
        String jvmIpForward = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            Link veth1 = upVeth(rtnl);
            // A new namespace inherits IPv4 forwarding from the host's: start from off everywhere.
            ns.call(() -> {
                Rtnl.setForwarding(IpFamily.INET, "all", false);
                Rtnl.setForwarding(IpFamily.INET6, "all", false);
                return null;
            });
            for (IpFamily f : IpFamily.values()) {
                assertFalse(rtnl.forwarding(f, veth1), f.toString());
                assertFalse(rtnl.forwardingAll(f), f.toString());
            }
            ns.call(() -> {
                Rtnl.setForwarding(IpFamily.INET, "veth1", true);
                Rtnl.setForwarding(IpFamily.INET6, "veth1", true);
                return null;
            });
            assertTrue(rtnl.forwarding(IpFamily.INET, veth1));
            assertTrue(rtnl.forwarding(IpFamily.INET6, veth1));
            assertEquals("1", sysctl(scratch, "ipv4/conf/veth1/forwarding"));
            assertEquals("1", sysctl(scratch, "ipv6/conf/veth1/forwarding"));
            assertFalse(rtnl.forwarding(IpFamily.INET, rtnl.link("veth0").orElseThrow()), "only veth1");
            assertFalse(rtnl.forwardingAll(IpFamily.INET));

            ns.call(() -> {
                Rtnl.setForwarding(IpFamily.INET, "all", true);
                return null;
            });
            assertTrue(rtnl.forwardingAll(IpFamily.INET));
            assertEquals("1", sysctl(scratch, "ipv4/ip_forward"));
            // ip_forward turns the default for new devices on too; it can be set apart.
            assertTrue(rtnl.forwardingDefault(IpFamily.INET));
            assertFalse(rtnl.forwardingDefault(IpFamily.INET6));
            ns.call(() -> {
                Rtnl.setForwarding(IpFamily.INET, "default", false);
                Rtnl.setForwarding(IpFamily.INET6, "default", true);
                return null;
            });
            assertFalse(rtnl.forwardingDefault(IpFamily.INET));
            assertTrue(rtnl.forwardingDefault(IpFamily.INET6));
            assertEquals("1", sysctl(scratch, "ipv6/conf/default/forwarding"));
            assertTrue(rtnl.forwardingAll(IpFamily.INET));
            ns.call(() -> {
                Rtnl.setForwarding(IpFamily.INET, "all", false);
                Rtnl.setForwarding(IpFamily.INET, "veth1", false);
                return null;
            });
            assertFalse(rtnl.forwarding(IpFamily.INET, veth1));
            assertEquals("0", sysctl(scratch, "ipv4/ip_forward"));
        }
        // The writes went to the scratch namespace only.
        assertEquals(jvmIpForward, Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip());
    }
}
