package dev.fcnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Named.named;

import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.FirecrackerNetworkType.Simple;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FirecrackerNetworkTest {

    private static IpInet ip(String cidr) {
        return IpInet.parse(cidr);
    }

    private static FirecrackerNetwork.Builder net() {
        return FirecrackerNetwork.builder();
    }

    private static Namespaced.Builder ns() {
        return Namespaced.builder();
    }

    private static FirecrackerNetwork.Builder v6() {
        return net().ipStack(FirecrackerIpStack.V6).tapIp(ip("fd00::1/64")).guestIp(ip("fd00::2/64"));
    }

    @Test
    void defaultsAreFcnetClis() {
        FirecrackerNetwork n = net().build();
        assertEquals(Optional.empty(), n.nftPath());
        assertEquals(FirecrackerIpStack.V4, n.ipStack());
        assertEquals("eth0", n.ifaceName());
        assertEquals("tap0", n.tapName());
        assertEquals(ip("172.16.0.1/24"), n.tapIp());
        assertEquals(ip("172.16.0.2/24"), n.guestIp());
        assertEquals(new Simple(), n.networkType());

        Namespaced d = ns().build();
        assertEquals(new Namespaced("fcnet", "veth1", "veth0", ip("10.0.0.1/24"), ip("10.0.0.2/24"), Optional.empty()), d);
    }

    @Test
    void builderAndToBuilderRoundTrip() {
        FirecrackerNetwork n = net().nftPath("/usr/sbin/nft").ipStack(FirecrackerIpStack.Dual).ifaceName("ens3")
                .tapName("fc-tap-7").tapIp(ip("fd00:7::1/64")).guestIp(ip("fd00:7::2/64"))
                .networkType(ns().netnsName("vm7").veth1Name("v7h").veth2Name("v7n").veth1Ip(ip("fd01::1/126"))
                        .veth2Ip(ip("fd01::2/126")).forwardedGuestIp(IpInet.parseAddress("2001:db8::7")).build())
                .build();
        assertEquals(n, n.toBuilder().build());
        Namespaced type = assertInstanceOf(Namespaced.class, n.networkType());
        assertEquals(type, type.toBuilder().build());
        assertEquals(Optional.of("/usr/sbin/nft"), n.nftPath());
        assertNotEquals(n, n.toBuilder().tapName("fc-tap-8").build());
    }

    @Test
    void bootArgIsFcnetTypesFormat() {
        assertEquals("ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off", net().build().guestIpBootArg("eth0"));
        assertEquals("ip=10.1.2.3::10.1.0.1:255.255.0.0::ens3:off",
                net().tapIp(ip("10.1.0.1/16")).guestIp(ip("10.1.2.3/16")).build().guestIpBootArg("ens3"));
        // IPv6: fcnet-types formats the same way (Rust's Display of the address and of the mask).
        assertEquals("ip=fd00::2::fd00::1:ffff:ffff:ffff:ffff::::eth0:off", v6().build().guestIpBootArg("eth0"));
        assertEquals("ip=2001:db8::2::2001:db8::1:ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffc::eth0:off",
                v6().tapIp(ip("2001:db8::1/126")).guestIp(ip("2001:db8::2/126")).build().guestIpBootArg("eth0"));
    }

    @Test
    void acceptsLimitsAndWhatOnlyClashesElsewhere() {
        net().tapName("a23456789012345").build(); // 15 bytes
        net().tapName("tap" + "é".repeat(6)).build(); // 3 + 6 * 2 = 15 bytes
        net().tapName("tap\uD83D\uDE00x").build(); // 3 + 4 + 1 bytes
        ns().netnsName("n".repeat(255)).build();
        ns().netnsName("odd:name.with-dots").build(); // a file name may hold ':'
        net().tapName("tap\u00e9").build(); // é is C3 A9 in UTF-8: no byte the kernel takes for a space
        // The tap is in the netns, the host interface in the host: no clash.
        net().tapName("eth0").networkType(ns().build()).build();
        // veth1 is in the host, the tap in the netns.
        net().tapName("veth1").networkType(ns().build()).build();
        // Dual: one family throughout is fine, either family.
        net().ipStack(FirecrackerIpStack.Dual).build();
        v6().ipStack(FirecrackerIpStack.Dual).networkType(ns().veth1Ip(ip("fd01::1/64")).veth2Ip(ip("fd01::2/64"))
                .forwardedGuestIp(IpInet.parseAddress("fd02::3")).build()).build();
        net().networkType(ns().forwardedGuestIp(IpInet.parseAddress("10.0.0.3")).build()).build();
    }

    @Test
    void nullsAreRejectedByName() {
        assertEquals("tap_name", assertThrows(NullPointerException.class, () -> net().tapName(null).build()).getMessage());
        assertEquals("network_type",
                assertThrows(NullPointerException.class, () -> net().networkType(null).build()).getMessage());
        assertEquals("veth1_ip", assertThrows(NullPointerException.class, () -> ns().veth1Ip(null).build()).getMessage());
        assertThrows(NullPointerException.class, () -> net().build().guestIpBootArg(null));
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                bad("tap name too long", () -> net().tapName("averyveryverylongname").build(),
                        "tap_name \"averyveryverylongname\" is 21 bytes; Linux interface names are at most 15"),
                bad("tap name of 17 bytes in 10 characters", () -> net().tapName("tap" + "é".repeat(7)).build(),
                        "tap_name \"tapééééééé\" is 17 bytes; Linux interface names are at most 15"),
                bad("iface name 16 bytes", () -> net().ifaceName("0123456789abcdef").build(),
                        "iface_name \"0123456789abcdef\" is 16 bytes; Linux interface names are at most 15"),
                bad("tap name empty", () -> net().tapName("").build(),
                        "tap_name \"\" is empty"),
                bad("tap name .", () -> net().tapName(".").build(),
                        "tap_name \".\" is reserved; Linux interface names cannot be \".\" or \"..\""),
                bad("iface name ..", () -> net().ifaceName("..").build(),
                        "iface_name \"..\" is reserved; Linux interface names cannot be \".\" or \"..\""),
                bad("tap name with /", () -> net().tapName("tap/0").build(),
                        "tap_name \"tap/0\" contains '/', which Linux interface names cannot contain"),
                bad("tap name with :", () -> net().tapName("tap:0").build(),
                        "tap_name \"tap:0\" contains ':', which Linux interface names cannot contain"),
                bad("tap name with space", () -> net().tapName("tap 0").build(),
                        "tap_name \"tap 0\" contains whitespace (U+0020), which Linux interface names cannot contain"),
                bad("iface name with tab", () -> net().ifaceName("eth\t0").build(),
                        "iface_name \"eth\\t0\" contains whitespace (U+0009), which Linux interface names cannot contain"),
                bad("tap name as a template", () -> net().tapName("t%d").build(),
                        "tap_name \"t%d\" contains '%', which Linux interface names cannot contain (the kernel would"
                                + " replace \"%d\" with a number)"),
                bad("iface name with a control character", () -> net().ifaceName("eth\u00010").build(),
                        "iface_name \"eth\\u00010\" contains a control character (U+0001), which Linux interface names"
                                + " cannot contain"),
                bad("tap name with DEL", () -> net().tapName("tap\u007f").build(),
                        "tap_name \"tap\u007f\" contains a control character (U+007F), which Linux interface names"
                                + " cannot contain"),
                bad("tap name with a no-break space", () -> net().tapName("tap\u00a00").build(),
                        "tap_name \"tap\u00a00\" contains whitespace (U+00A0), which Linux interface names cannot"
                                + " contain"),
                bad("tap name whose UTF-8 holds the byte 0xA0", () -> net().tapName("tap\u00e0").build(),
                        "tap_name \"tap\u00e0\" contains U+00E0, which Linux interface names cannot contain (its UTF-8"
                                + " form holds the byte 0xA0, which the kernel counts as whitespace)"),
                bad("tap name with NUL", () -> net().tapName("tap\0").build(),
                        "tap_name \"tap\\u0000\" contains NUL, which Linux interface names cannot contain"),
                bad("tap name with an unpaired surrogate", () -> net().tapName("tap\uD800").build(),
                        "tap_name \"tap\\ud800\" is not valid Unicode (unpaired surrogate)"),
                bad("simple: tap named like the host interface", () -> net().tapName("eth0").build(),
                        "tap_name and iface_name are both \"eth0\"; both are links of the host netns"),
                bad("V4 stack, IPv6 tap", () -> net().tapIp(ip("fd00::1/64")).guestIp(ip("fd00::2/64")).build(),
                        "tap_ip fd00::1/64 is IPv6 but ip_stack is V4"),
                bad("V6 stack, default IPv4 addresses", () -> net().ipStack(FirecrackerIpStack.V6).build(),
                        "tap_ip 172.16.0.1/24 is IPv4 but ip_stack is V6"),
                bad("V4 stack, IPv6 guest", () -> net().guestIp(ip("fd00::2/64")).build(),
                        "guest_ip fd00::2/64 is IPv6 but ip_stack is V4"),
                bad("dual stack, guest and tap of different families",
                        () -> net().ipStack(FirecrackerIpStack.Dual).guestIp(ip("fd00::2/24")).build(),
                        "guest_ip fd00::2/24 and tap_ip 172.16.0.1/24 are not the same address family"),
                bad("guest outside the tap's subnet", () -> net().guestIp(ip("172.16.1.2/24")).build(),
                        "guest_ip 172.16.1.2/24 and tap_ip 172.16.0.1/24 are not in one subnet"),
                bad("guest with another prefix length", () -> net().guestIp(ip("172.16.0.2/16")).build(),
                        "guest_ip 172.16.0.2/16 and tap_ip 172.16.0.1/24 have different prefix lengths"),
                bad("guest as a bare host address", () -> net().guestIp(ip("172.16.0.2")).build(),
                        "guest_ip 172.16.0.2/32 and tap_ip 172.16.0.1/24 have different prefix lengths"),
                bad("guest with the tap's address", () -> net().guestIp(ip("172.16.0.1/24")).build(),
                        "guest_ip and tap_ip are both 172.16.0.1; they need different addresses"),
                bad("IPv6 guest outside the tap's subnet", () -> v6().guestIp(ip("fd00:0:0:1::2/64")).build(),
                        "guest_ip fd00:0:0:1::2/64 and tap_ip fd00::1/64 are not in one subnet"),
                bad("netns name empty", () -> ns().netnsName("").build(), "netns_name \"\" is empty"),
                bad("netns name .", () -> ns().netnsName(".").build(),
                        "netns_name \".\" is reserved; network namespace names cannot be \".\" or \"..\""),
                bad("netns name ..", () -> ns().netnsName("..").build(),
                        "netns_name \"..\" is reserved; network namespace names cannot be \".\" or \"..\""),
                bad("netns name with /", () -> ns().netnsName("../etc").build(),
                        "netns_name \"../etc\" contains '/', which network namespace names cannot contain"),
                bad("netns name with NUL", () -> ns().netnsName("fc\0").build(),
                        "netns_name \"fc\\u0000\" contains NUL, which network namespace names cannot contain"),
                bad("netns name as a template", () -> ns().netnsName("fc%d").build(),
                        "netns_name \"fc%d\" contains '%', which network namespace names cannot contain"),
                bad("netns name with a space", () -> ns().netnsName("fc 1").build(),
                        "netns_name \"fc 1\" contains whitespace (U+0020), which network namespace names cannot contain"),
                bad("netns name with a control character", () -> ns().netnsName("fc\u001b[1m").build(),
                        "netns_name \"fc\\u001b[1m\" contains a control character (U+001B), which network namespace"
                                + " names cannot contain"),
                bad("netns name 256 bytes", () -> ns().netnsName("n".repeat(256)).build(),
                        "netns_name \"" + "n".repeat(256) + "\" is 256 bytes; network namespace names are at most 255"),
                bad("veth1 name too long", () -> ns().veth1Name("veth-host-side-1").build(),
                        "veth1_name \"veth-host-side-1\" is 16 bytes; Linux interface names are at most 15"),
                bad("veth2 name with whitespace", () -> ns().veth2Name("veth\n0").build(),
                        "veth2_name \"veth\\n0\" contains whitespace (U+000A), which Linux interface names cannot contain"),
                bad("veth ends named alike", () -> ns().veth1Name("veth0").build(),
                        "veth1_name and veth2_name are both \"veth0\"; the two ends of a veth pair need different names"),
                bad("veth addresses of two families", () -> ns().veth2Ip(ip("fd01::2/24")).build(),
                        "veth1_ip 10.0.0.1/24 and veth2_ip fd01::2/24 are not the same address family"),
                bad("veth addresses in two subnets", () -> ns().veth2Ip(ip("10.0.1.2/24")).build(),
                        "veth1_ip 10.0.0.1/24 and veth2_ip 10.0.1.2/24 are not in one subnet"),
                bad("veth addresses with two prefix lengths", () -> ns().veth2Ip(ip("10.0.0.2/30")).build(),
                        "veth1_ip 10.0.0.1/24 and veth2_ip 10.0.0.2/30 have different prefix lengths"),
                bad("veth addresses equal", () -> ns().veth2Ip(ip("10.0.0.1/24")).build(),
                        "veth1_ip and veth2_ip are both 10.0.0.1; they need different addresses"),
                bad("forwarded guest IP of the other family",
                        () -> ns().forwardedGuestIp(IpInet.parseAddress("fd00::3")).build(),
                        "forwarded_guest_ip fd00::3 is IPv6 but veth1_ip 10.0.0.1/24 is IPv4; the host routes it to veth2_ip"),
                bad("forwarded guest IP is veth2's address",
                        () -> ns().forwardedGuestIp(IpInet.parseAddress("10.0.0.2")).build(),
                        "forwarded_guest_ip 10.0.0.2 is the address of veth2_ip; it must be an address of its own"),
                bad("forwarded guest IP is veth1's address",
                        () -> ns().forwardedGuestIp(IpInet.parseAddress("10.0.0.1")).build(),
                        "forwarded_guest_ip 10.0.0.1 is the address of veth1_ip; it must be an address of its own"),
                bad("veth1 named like the host interface",
                        () -> net().networkType(ns().veth1Name("eth0").build()).build(),
                        "veth1_name and iface_name are both \"eth0\"; both are links of the host netns"),
                bad("veth2 named like the host interface",
                        () -> net().networkType(ns().veth2Name("eth0").build()).build(),
                        "veth2_name and iface_name are both \"eth0\"; the veth pair is made in the host netns before"
                                + " veth2 moves into its netns"),
                bad("veth2 named like the tap", () -> net().tapName("veth0").networkType(ns().build()).build(),
                        "veth2_name and tap_name are both \"veth0\"; both are links of the netns"),
                bad("V4 stack, IPv6 veth pair", () -> net().networkType(
                                ns().veth1Ip(ip("fd01::1/64")).veth2Ip(ip("fd01::2/64")).build()).build(),
                        "veth1_ip fd01::1/64 is IPv6 but ip_stack is V4"),
                bad("dual stack, IPv4 guest behind an IPv6 veth pair", () -> net().ipStack(FirecrackerIpStack.Dual)
                                .networkType(ns().veth1Ip(ip("fd01::1/64")).veth2Ip(ip("fd01::2/64")).build()).build(),
                        "veth1_ip fd01::1/64 and veth2_ip fd01::2/64 are IPv6 but guest_ip 172.16.0.2/24 is IPv4;"
                                + " the netns translates the guest's address to veth2_ip's"),
                bad("tap subnet overlapping the veth subnet", () -> net().tapIp(ip("10.0.0.1/16")).guestIp(ip("10.0.9.2/16"))
                                .networkType(ns().veth1Ip(ip("10.0.5.1/24")).veth2Ip(ip("10.0.5.2/24")).build()).build(),
                        "tap_ip 10.0.0.1/16 and veth2_ip 10.0.5.2/24 are in overlapping subnets, which the netns cannot"
                                + " route apart"));
    }

    private static Arguments bad(String name, Supplier<?> build, String message) {
        return Arguments.of(named(name, build), message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void rejectsWithASpecificMessage(Supplier<?> build, String message) {
        InvalidNetworkException e = assertThrows(InvalidNetworkException.class, build::get);
        assertEquals(message, e.getMessage());
        // Every message starts with the field it is about (the first one named, for a pair).
        assertEquals(Optional.of(message.substring(0, message.indexOf(' '))), e.field());
        // The message is one line: the CLI prints it as its single stderr line.
        assertEquals(-1, e.getMessage().indexOf('\n'));
    }

    @Test
    void ipStackFamilies() {
        assertEquals("ip", FirecrackerIpStack.V4.nftFamily());
        assertEquals("ip6", FirecrackerIpStack.V6.nftFamily());
        assertEquals("inet", FirecrackerIpStack.Dual.nftFamily());
    }
}
