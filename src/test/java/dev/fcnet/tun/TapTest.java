package dev.fcnet.tun;

import static dev.fcnet.rtnl.IpJson.bool;
import static dev.fcnet.rtnl.IpJson.number;
import static dev.fcnet.rtnl.IpJson.string;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.netns.Netns;
import dev.fcnet.rtnl.IpJson;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TapTest {
    /** The ioctl lines of a golden/tun fixture: "ioctl 0xREQUEST (ifreq bytes | 0xARG)". */
    private static List<String[]> fixture(String name) throws IOException {
        try (InputStream in = TapTest.class.getResourceAsStream("/golden/tun/" + name + ".txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("ioctl ")).map(l -> l.substring(6).split(" ")).toList();
        }
    }

    /** Our ioctl plan equals the ioctls `ip tuntap add` makes: same requests, order, ifreq bytes and arguments. */
    private static void assertSameIoctls(String fixture, String name, TapOptions options) throws IOException {
        List<String[]> ip = fixture(fixture);
        List<Tap.Ioctl> ours = Tap.plan(options);
        assertEquals(ip.size(), ours.size(), fixture);
        for (int i = 0; i < ip.size(); i++) {
            String[] call = ip.get(i);
            Tap.Ioctl step = ours.get(i);
            assertEquals(Long.decode(call[0]).longValue(), step.request(), fixture + " ioctl " + i);
            if (step.request() == TunConstants.TUNSETIFF) {
                byte[] expected = HexFormat.of().parseHex(String.join("", List.of(call).subList(1, call.length)));
                try (Arena arena = Arena.ofConfined()) {
                    byte[] actual = Tap.ifreq(arena, name, (int) step.value()).toArray(ValueLayout.JAVA_BYTE);
                    assertArrayEquals(expected, actual, fixture + " ifreq");
                }
            } else {
                assertEquals(Long.decode(call[1]).longValue(), step.value(), fixture + " ioctl " + i);
            }
        }
    }

    @Test
    void ioctlsEqualIproute2s() throws IOException {
        assertSameIoctls("tap-persist", "tap0", TapOptions.DEFAULT);
        assertSameIoctls("tap-owner-vnet-hdr", "tap1", TapOptions.DEFAULT.withOwner(1000).withGroup(100).withVnetHdr(true));
    }

    @Test
    void rejectsNamesTheKernelWouldRefuseOrIfreqCannotHold() {
        for (String bad : new String[] {"", ".", "..", "a/b", "a b", "a:b", "sixteen-chars-xx", "tap%d", "a\u0001"}) {
            assertThrows(IllegalArgumentException.class, () -> Tap.validateName(bad), bad);
        }
        // TUNSETIFF would make "tap0" of it: the kernel fills in "%d" templates.
        assertEquals("tap name contains '%', which Linux interface names cannot contain (the kernel would replace"
                + " \"%d\" with a number)", assertThrows(IllegalArgumentException.class, () -> Tap.validateName("tap%d"))
                .getMessage());
        Tap.validateName("fifteen-chars-x");
    }

    private static JsonObject link(ScratchNetns ns, String name) {
        List<JsonObject> links = IpJson.objects(ns.ipJson("-d", "link", "show", "dev", name));
        assertEquals(1, links.size());
        return links.get(0);
    }

    @Test
    @KernelTest
    void persistentTapWithOwnerAndGroupInAGivenNamespace(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name())) {
            Tap.create("tap0", TapOptions.DEFAULT.withOwner(4242).withGroup(4343).withVnetHdr(true), ns);
        }
        JsonObject tap = link(scratch, "tap0");
        assertEquals("tun", string(tap, "linkinfo", "info_kind"));
        assertEquals("tap", string(tap, "linkinfo", "info_data", "type"));
        assertTrue(bool(tap, "linkinfo", "info_data", "persist"));
        assertFalse(bool(tap, "linkinfo", "info_data", "pi"));
        assertTrue(bool(tap, "linkinfo", "info_data", "vnet_hdr"));
        assertEquals(4242, number(tap, "linkinfo", "info_data", "user"));
        assertEquals(4343, number(tap, "linkinfo", "info_data", "group"));
        // rtnetlink reports the owner and group as ip does (IFLA_TUN_OWNER, IFLA_TUN_GROUP).
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            Link link = rtnl.link("tap0").orElseThrow();
            assertEquals(OptionalInt.of(4242), link.tunOwner());
            assertEquals(OptionalInt.of(4343), link.tunGroup());
        }
        // Created in the scratch namespace, not in the JVM's.
        assertFalse(Tools.run("ip", "-o", "link", "show").contains("tap0"));
    }

    @Test
    @KernelTest
    void defaultTapInTheCallersNamespace(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name())) {
            // Run on a thread inside the scratch namespace, so nothing lands in the JVM's namespace.
            ns.call(() -> {
                Tap.create("tap1", TapOptions.DEFAULT);
                return null;
            });
        }
        JsonObject tap = link(scratch, "tap1");
        assertEquals("tap", string(tap, "linkinfo", "info_data", "type"));
        assertTrue(bool(tap, "linkinfo", "info_data", "persist"));
        assertFalse(bool(tap, "linkinfo", "info_data", "vnet_hdr"));
        assertNull(IpJson.at(tap, "linkinfo", "info_data", "user"));
        try (Netns ns = Netns.open(scratch.name()); Rtnl rtnl = ns.call(Rtnl::open)) {
            Link link = rtnl.link("tap1").orElseThrow();
            assertEquals(OptionalInt.empty(), link.tunOwner());
            assertEquals(OptionalInt.empty(), link.tunGroup());
        }
    }

    @Test
    @KernelTest
    void anOpenTapLivesOnlyAsLongAsItsFdUntilPersisted(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name())) {
            try (Tap tap = Tap.open("tap4", TapOptions.DEFAULT.withOwner(4242), ns)) {
                JsonObject link = link(scratch, "tap4");
                assertFalse(bool(link, "linkinfo", "info_data", "persist"));
                assertEquals(4242, number(link, "linkinfo", "info_data", "user"));
            }
            assertTrue(IpJson.objects(scratch.ipJson("link", "show")).stream().noneMatch(l -> "tap4".equals(string(l, "ifname"))),
                    "closing the fd destroyed the tap");
            try (Tap tap = Tap.open("tap4", TapOptions.DEFAULT, ns)) {
                tap.persist();
            }
            assertTrue(bool(link(scratch, "tap4"), "linkinfo", "info_data", "persist"));
        }
    }

    @Test
    @KernelTest
    void existingNameIsEbusyNamingTheTapAndLeavesItAlone(ScratchNetns scratch) {
        scratch.exec("ip", "link", "add", "tap2", "type", "veth", "peer", "name", "tap2p");
        try (Netns ns = Netns.open(scratch.name())) {
            SysException e = assertThrows(SysException.class, () -> Tap.create("tap2", TapOptions.DEFAULT, ns));
            assertEquals(Errno.EBUSY, e.errno());
            assertEquals("TUNSETIFF tap2 (already exists): Device or resource busy (EBUSY)", e.getMessage());
            Tap.create("tap3", TapOptions.DEFAULT, ns);
            SysException again = assertThrows(SysException.class, () -> Tap.create("tap3", TapOptions.DEFAULT, ns));
            assertEquals(Errno.EBUSY, again.errno());
        }
        assertEquals("veth", string(link(scratch, "tap2"), "linkinfo", "info_kind"));
        assertTrue(bool(link(scratch, "tap3"), "linkinfo", "info_data", "persist"));
    }
}
