package dev.fcnet.rtnl;

import static dev.fcnet.rtnl.Inet.ip;
import static dev.fcnet.rtnl.RtnlConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.netlink.MalformedMessageException;
import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.MessageView;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Decoding of kernel replies, from messages built here (the kernel tests decode real ones). */
class RtnlDecodeTest {
    private static MessageView view(MessageBuilder b) {
        return MessageView.of(b.segment());
    }

    @Test
    void linkWithEveryFieldAndAnUnknownAttribute() {
        MessageBuilder b = new MessageBuilder().begin(RTM_NEWLINK, 0, "reply");
        int h = b.reserve(SIZEOF_IFINFOMSG);
        b.setU32(h + IFINFOMSG_INDEX, 7).setU32(h + IFINFOMSG_FLAGS, IFF_UP | 0x40);
        b.putString(IFLA_IFNAME, "veth1").putU32(IFLA_MTU, 1400).putU32(IFLA_GROUP, 9).putU32(IFLA_LINK, 3);
        b.putU32(IFLA_LINK_NETNSID, 0).putBytes(IFLA_IFALIAS, "fcnet".getBytes(StandardCharsets.UTF_8));
        b.putU32(999, 1); // unknown: skipped
        int info = b.nestStart(IFLA_LINKINFO);
        b.putBytes(IFLA_INFO_KIND, "veth".getBytes(StandardCharsets.US_ASCII)).nestEnd(info);
        // As the kernel replies: AF_INET6's settings, then AF_INET's IFLA_INET_CONF as a plain u32 array.
        int spec = b.nestStart(IFLA_AF_SPEC);
        int inet6 = b.nestStart(AF_INET6);
        b.putBytes(1, new byte[] {1, 0, 0, 0}).nestEnd(inet6);
        int inet = b.nestStart(AF_INET);
        byte[] conf = new byte[4 * 33];
        conf[(IPV4_DEVCONF_FORWARDING - 1) * 4] = 1;
        b.putBytes(IFLA_INET_CONF, conf).nestEnd(inet).nestEnd(spec);
        b.end();
        Link l = RtnlMessages.decodeLink(view(b));
        assertEquals(new Link(7, "veth1", IFF_UP | 0x40, Optional.of("veth"), 9, 1400, OptionalInt.empty(),
                OptionalInt.of(3), OptionalInt.of(0), Optional.of("fcnet"), Optional.of(true), OptionalInt.empty(),
                OptionalInt.empty()), l);
        assertTrue(l.up());
    }

    @Test
    void tapOwnerAndGroupFromTheTunKindsData() {
        MessageBuilder b = new MessageBuilder().begin(RTM_NEWLINK, 0, "reply");
        b.setU32(b.reserve(SIZEOF_IFINFOMSG) + IFINFOMSG_INDEX, 5);
        b.putString(IFLA_IFNAME, "tap0");
        int info = b.nestStart(IFLA_LINKINFO);
        b.putBytes(IFLA_INFO_KIND, "tun".getBytes(StandardCharsets.US_ASCII));
        int data = b.nestStart(IFLA_INFO_DATA);
        b.putU8(3, 2).putU32(IFLA_TUN_OWNER, 1000).putU32(IFLA_TUN_GROUP, 100).nestEnd(data).nestEnd(info);
        b.end();
        Link tap = RtnlMessages.decodeLink(view(b));
        assertEquals(OptionalInt.of(1000), tap.tunOwner());
        assertEquals(OptionalInt.of(100), tap.tunGroup());

        // The same attribute numbers mean other things for other kinds.
        MessageBuilder veth = new MessageBuilder().begin(RTM_NEWLINK, 0, "reply");
        veth.reserve(SIZEOF_IFINFOMSG);
        veth.putString(IFLA_IFNAME, "veth0");
        info = veth.nestStart(IFLA_LINKINFO);
        veth.putBytes(IFLA_INFO_KIND, "veth".getBytes(StandardCharsets.US_ASCII));
        data = veth.nestStart(IFLA_INFO_DATA);
        veth.putU32(IFLA_TUN_OWNER, 1000).nestEnd(data).nestEnd(info);
        veth.end();
        assertEquals(OptionalInt.empty(), RtnlMessages.decodeLink(view(veth)).tunOwner());
    }

    @Test
    void linkWithoutNameIsMalformed() {
        MessageBuilder b = new MessageBuilder().begin(RTM_NEWLINK, 0, "reply");
        b.reserve(SIZEOF_IFINFOMSG);
        b.putU32(IFLA_MTU, 1500).end();
        assertThrows(MalformedMessageException.class, () -> RtnlMessages.decodeLink(view(b)));
    }

    @Test
    void ipv6AddressFromIfaAddressWithExtendedFlags() {
        MessageBuilder b = new MessageBuilder().begin(RTM_NEWADDR, 0, "reply");
        int h = b.reserve(SIZEOF_IFADDRMSG);
        b.setU8(h, AF_INET6).setU8(h + IFADDRMSG_PREFIXLEN, 64).setU32(h + IFADDRMSG_INDEX, 4);
        b.putBytes(IFA_ADDRESS, ip("2001:db8::1").getAddress()).putU32(IFA_FLAGS, IFA_F_TENTATIVE | 0x100).end();
        Address a = RtnlMessages.decodeAddr(view(b));
        assertEquals(ip("2001:db8::1"), a.address());
        assertEquals(IpFamily.INET6, a.family());
        assertEquals(64, a.prefixLength());
        assertEquals(4, a.index());
        assertTrue(a.tentative());
        assertEquals(Optional.empty(), a.broadcast());
    }

    @Test
    void ipv4AddressPrefersIfaLocalAndSkipsOtherFamilies() {
        MessageBuilder b = new MessageBuilder().begin(RTM_NEWADDR, 0, "reply");
        int h = b.reserve(SIZEOF_IFADDRMSG);
        b.setU8(h, AF_INET).setU8(h + IFADDRMSG_PREFIXLEN, 24).setU32(h + IFADDRMSG_INDEX, 2);
        b.putBytes(IFA_ADDRESS, ip("10.0.0.9").getAddress()).putBytes(IFA_LOCAL, ip("10.0.0.1").getAddress());
        b.putBytes(IFA_BROADCAST, ip("10.0.0.255").getAddress()).end();
        Address a = RtnlMessages.decodeAddr(view(b));
        assertEquals(ip("10.0.0.1"), a.address());
        assertEquals(Optional.of(ip("10.0.0.255")), a.broadcast());
        assertFalse(a.tentative());

        MessageBuilder other = new MessageBuilder().begin(RTM_NEWADDR, 0, "reply");
        other.setU8(other.reserve(SIZEOF_IFADDRMSG), AF_PACKET);
        other.end();
        assertNull(RtnlMessages.decodeAddr(view(other)));
    }

    @Test
    void defaultRouteHasTheZeroDestination() {
        MessageBuilder b = new MessageBuilder().begin(RTM_NEWROUTE, 0, "reply");
        int h = b.reserve(SIZEOF_RTMSG);
        b.setU8(h, AF_INET).setU8(h + RTMSG_TABLE, RT_TABLE_MAIN).setU8(h + RTMSG_PROTOCOL, RTPROT_BOOT);
        b.setU8(h + RTMSG_TYPE, RTN_UNICAST);
        b.putU32(RTA_TABLE, RT_TABLE_MAIN).putBytes(RTA_GATEWAY, ip("10.0.0.2").getAddress()).putU32(RTA_OIF, 5);
        b.putU32(RTA_PRIORITY, 100).end();
        Route r = RtnlMessages.decodeRoute(view(b));
        assertEquals(new Route(IpFamily.INET, ip("0.0.0.0"), 0, Optional.of(ip("10.0.0.2")), OptionalInt.of(5),
                RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, OptionalInt.of(100)), r);
        assertTrue(r.isDefault());
        assertEquals("default via 10.0.0.2 oif 5", r.toString());
    }

    @Test
    void truncatedAttributeIsMalformedNotAnOutOfBoundsRead() {
        MessageBuilder b = new MessageBuilder().begin(RTM_NEWROUTE, 0, "reply");
        b.setU8(b.reserve(SIZEOF_RTMSG), AF_INET);
        b.putU16(RTA_OIF, 5).end(); // 2 bytes where a u32 belongs
        assertThrows(MalformedMessageException.class, () -> RtnlMessages.decodeRoute(view(b)));
    }

    @Test
    void netconfForwarding() {
        MessageBuilder b = new MessageBuilder().begin(RTM_NEWNETCONF, 0, "reply");
        b.setU8(b.reserve(SIZEOF_NETCONFMSG), AF_INET);
        b.putU32(NETCONFA_IFINDEX, 3).putU32(NETCONFA_FORWARDING, 1).end();
        assertEquals(Boolean.TRUE, RtnlMessages.decodeForwarding(view(b)));
        MessageBuilder none = new MessageBuilder().begin(RTM_NEWNETCONF, 0, "reply");
        none.setU8(none.reserve(SIZEOF_NETCONFMSG), AF_INET);
        none.putU32(NETCONFA_IFINDEX, 3).end();
        assertNull(RtnlMessages.decodeForwarding(view(none)));
    }

    @Test
    void requestsRejectMismatchedFamiliesAndBadPrefixes() {
        MessageBuilder b = new MessageBuilder();
        assertThrows(IllegalArgumentException.class, () -> RtnlMessages.newRoute(b.clear(), ip("::"), 0, ip("10.0.0.1")));
        assertThrows(IllegalArgumentException.class, () -> RtnlMessages.newRoute(b.clear(), ip("10.0.0.0"), 0, ip("10.0.0.1")));
        assertThrows(IllegalArgumentException.class,
                () -> RtnlMessages.newAddr(b.clear(), RtnlGoldenTest.link(2, "x"), ip("10.0.0.1"), 33));
    }
}
