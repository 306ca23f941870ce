package dev.fcnet.rtnl;

import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_CREATE;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_DUMP;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_EXCL;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_REQUEST;
import static dev.fcnet.rtnl.RtnlConstants.*;

import dev.fcnet.netlink.AttributeReader;
import dev.fcnet.netlink.MalformedMessageException;
import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.MessageView;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Encodes rtnetlink requests byte for byte as iproute2 6.1 sends them (see the golden fixtures
 * under src/test/resources/golden/rtnl) and decodes the kernel's replies. Intended differences:
 * do-requests that iproute2 sends without NLM_F_ACK (RTM_GETLINK) carry it here, so the receive
 * loop knows when the answer is complete; and deleting a link by name (the kernel resolves
 * IFLA_IFNAME) has no iproute2 counterpart, which resolves the name first and deletes by index.
 */
final class RtnlMessages {
    private static final int NEW = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;
    private static final int SET = NLM_F_REQUEST | NLM_F_ACK;
    private static final byte[] VETH = "veth".getBytes(StandardCharsets.US_ASCII);

    private RtnlMessages() {}

    // ---- links

    /** {@code ip link show dev NAME}: a filtered get, never a dump. */
    static void getLink(MessageBuilder b, String name) {
        b.begin(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, "RTM_GETLINK " + name);
        b.setU8(b.reserve(SIZEOF_IFINFOMSG), AF_PACKET);
        b.putString(IFLA_IFNAME, name);
        b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
        b.end();
    }

    /** {@code ip link show} of the link with this index: a get, never a dump. */
    static void getLink(MessageBuilder b, int index) {
        b.begin(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, "RTM_GETLINK index " + index);
        int h = b.reserve(SIZEOF_IFINFOMSG);
        b.setU8(h, AF_PACKET);
        b.setU32(h + IFINFOMSG_INDEX, index);
        b.end();
    }

    /** {@code ip link show}: every link of the netns. */
    static void getLinks(MessageBuilder b) {
        b.begin(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, "RTM_GETLINK dump");
        b.setU8(b.reserve(SIZEOF_IFINFOMSG), AF_PACKET);
        b.end();
    }

    /**
     * {@code ip link add NAME type veth peer name PEER [netns NS]}: {@code peerNetnsFd} < 0 keeps
     * the peer in this namespace.
     */
    static void newVeth(MessageBuilder b, String name, String peer, int peerNetnsFd) {
        b.begin(RTM_NEWLINK, NEW, "RTM_NEWLINK " + name);
        b.reserve(SIZEOF_IFINFOMSG);
        b.putString(IFLA_IFNAME, name);
        int linkInfo = b.nestStart(IFLA_LINKINFO);
        b.putBytes(IFLA_INFO_KIND, VETH); // iproute2 sends the kind without its NUL
        int data = b.nestStart(IFLA_INFO_DATA);
        int peerInfo = b.nestStart(VETH_INFO_PEER);
        b.reserve(SIZEOF_IFINFOMSG); // the peer's own ifinfomsg heads VETH_INFO_PEER
        if (peerNetnsFd >= 0) b.putU32(IFLA_NET_NS_FD, peerNetnsFd);
        b.putString(IFLA_IFNAME, peer);
        b.nestEnd(peerInfo).nestEnd(data).nestEnd(linkInfo);
        b.end();
    }

    /** {@code ip link set NAME up|down}. */
    static void setUp(MessageBuilder b, Link link, boolean up) {
        int h = beginSetLink(b, RTM_NEWLINK, link);
        b.setU32(h + IFINFOMSG_FLAGS, up ? IFF_UP : 0).setU32(h + IFINFOMSG_CHANGE, IFF_UP);
        b.end();
    }

    /** {@code ip link set NAME netns NS}. */
    static void setNetns(MessageBuilder b, Link link, int netnsFd) {
        beginSetLink(b, RTM_NEWLINK, link);
        b.putU32(IFLA_NET_NS_FD, netnsFd);
        b.end();
    }

    /** {@code ip link set NAME name NEW}. */
    static void rename(MessageBuilder b, Link link, String newName) {
        beginSetLink(b, RTM_NEWLINK, link);
        b.putString(IFLA_IFNAME, newName);
        b.end();
    }

    /** {@code ip link set NAME group N}. */
    static void setGroup(MessageBuilder b, Link link, int group) {
        beginSetLink(b, RTM_NEWLINK, link);
        b.putU32(IFLA_GROUP, group);
        b.end();
    }

    /** {@code ip link set NAME addrgenmode none}: no IPv6 link-local address (nor its DAD and router solicitations). */
    static void addrGenModeNone(MessageBuilder b, Link link) {
        addrGenMode(b, link, IN6_ADDR_GEN_MODE_NONE);
    }

    /** {@code ip link set NAME addrgenmode MODE} (IN6_ADDR_GEN_MODE_*). */
    static void addrGenMode(MessageBuilder b, Link link, int mode) {
        beginSetLink(b, RTM_NEWLINK, link);
        int spec = b.nestStart(IFLA_AF_SPEC);
        int inet6 = b.nestStart(AF_INET6);
        b.putU8(IFLA_INET6_ADDR_GEN_MODE, mode);
        b.nestEnd(inet6).nestEnd(spec);
        b.end();
    }

    /**
     * The device's IPv4 forwarding switch ({@code net.ipv4.conf.NAME.forwarding}) through
     * rtnetlink: IFLA_AF_SPEC, AF_INET, IFLA_INET_CONF with the devconf entry (no iproute2
     * command sends this; the layout is that of the kernel's inet_validate_link_af).
     */
    static void setIpv4Forwarding(MessageBuilder b, Link link, boolean on) {
        beginSetLink(b, RTM_NEWLINK, link);
        int spec = b.nestStart(IFLA_AF_SPEC);
        int inet = b.nestStart(AF_INET);
        int conf = b.nestStart(IFLA_INET_CONF);
        b.putU32(IPV4_DEVCONF_FORWARDING, on ? 1 : 0);
        b.nestEnd(conf).nestEnd(inet).nestEnd(spec);
        b.end();
    }

    /** {@code ip link set NAME name NEW group N} (one request; the link must be down). */
    static void renameAndGroup(MessageBuilder b, Link link, String newName, int group) {
        beginSetLink(b, RTM_NEWLINK, link);
        b.putU32(IFLA_GROUP, group);
        b.putString(IFLA_IFNAME, newName);
        b.end();
    }

    /** {@code ip link set NAME alias TEXT}; iproute2 sends the alias without its NUL. */
    static void setAlias(MessageBuilder b, Link link, String alias) {
        beginSetLink(b, RTM_NEWLINK, link);
        b.putBytes(IFLA_IFALIAS, alias.getBytes(StandardCharsets.UTF_8));
        b.end();
    }

    /** {@code ip link del NAME} after iproute2 resolved the name: by index. */
    static void delLink(MessageBuilder b, Link link) {
        beginSetLink(b, RTM_DELLINK, link);
        b.end();
    }

    /** Deletes by name in one request: the kernel resolves IFLA_IFNAME (iproute2 resolves it first). */
    static void delLink(MessageBuilder b, String name) {
        b.begin(RTM_DELLINK, SET, "RTM_DELLINK " + name);
        b.reserve(SIZEOF_IFINFOMSG);
        b.putString(IFLA_IFNAME, name);
        b.end();
    }

    /** {@code ip link del group N}: no index and no name, so the kernel deletes every link of the group. */
    static void delGroup(MessageBuilder b, int group) {
        b.begin(RTM_DELLINK, SET, "RTM_DELLINK group " + Integer.toUnsignedString(group));
        b.reserve(SIZEOF_IFINFOMSG);
        b.putU32(IFLA_GROUP, group);
        b.end();
    }

    private static int beginSetLink(MessageBuilder b, int type, Link link) {
        b.begin(type, SET, (type == RTM_DELLINK ? "RTM_DELLINK " : "RTM_NEWLINK ") + link.name());
        int h = b.reserve(SIZEOF_IFINFOMSG);
        b.setU32(h + IFINFOMSG_INDEX, link.index());
        return h;
    }

    static Link decodeLink(MessageView m) {
        int index = m.u32(IFINFOMSG_INDEX);
        int flags = m.u32(IFINFOMSG_FLAGS);
        String name = null;
        Optional<String> kind = Optional.empty();
        Optional<String> alias = Optional.empty();
        int group = 0;
        int mtu = 0;
        OptionalInt master = OptionalInt.empty();
        OptionalInt peer = OptionalInt.empty();
        OptionalInt peerNetnsId = OptionalInt.empty();
        Optional<Boolean> ipv4Forwarding = Optional.empty();
        LinkInfo info = LinkInfo.NONE;
        for (AttributeReader a = m.attributes(SIZEOF_IFINFOMSG); a.next(); ) {
            switch (a.type()) {
                case IFLA_IFNAME -> name = a.string();
                case IFLA_MTU -> mtu = a.u32();
                case IFLA_GROUP -> group = a.u32();
                case IFLA_MASTER -> master = OptionalInt.of(a.u32());
                case IFLA_LINK -> peer = OptionalInt.of(a.u32());
                case IFLA_LINK_NETNSID -> peerNetnsId = OptionalInt.of(a.u32());
                case IFLA_IFALIAS -> alias = Optional.of(a.string());
                case IFLA_LINKINFO -> info = linkInfo(a.nested());
                case IFLA_AF_SPEC -> ipv4Forwarding = ipv4Forwarding(a.nested());
                default -> { }
            }
        }
        if (name == null) throw new MalformedMessageException("RTM_NEWLINK for index " + index + " has no IFLA_IFNAME");
        return new Link(index, name, flags, info.kind, group, mtu, master, peer, peerNetnsId, alias, ipv4Forwarding,
                info.tunOwner, info.tunGroup);
    }

    /**
     * The forwarding entry of AF_INET's IFLA_INET_CONF. In a reply that is a plain array of u32
     * indexed by IPV4_DEVCONF_* - 1 (unlike in a request, where entries are attributes).
     */
    private static Optional<Boolean> ipv4Forwarding(AttributeReader spec) {
        while (spec.next()) {
            if (spec.type() != AF_INET) continue;
            for (AttributeReader inet = spec.nested(); inet.next(); ) {
                int offset = (IPV4_DEVCONF_FORWARDING - 1) * 4;
                if (inet.type() == IFLA_INET_CONF && inet.length() >= offset + 4) {
                    return Optional.of(inet.payload().get(ValueLayout.JAVA_INT_UNALIGNED, offset) != 0);
                }
            }
        }
        return Optional.empty();
    }

    /** What IFLA_LINKINFO says: the kind and, for a tun device, its owner and group. */
    private record LinkInfo(Optional<String> kind, OptionalInt tunOwner, OptionalInt tunGroup) {
        static final LinkInfo NONE = new LinkInfo(Optional.empty(), OptionalInt.empty(), OptionalInt.empty());
    }

    private static LinkInfo linkInfo(AttributeReader info) {
        Optional<String> kind = Optional.empty();
        AttributeReader data = null;
        while (info.next()) {
            if (info.type() == IFLA_INFO_KIND) kind = Optional.of(info.string());
            else if (info.type() == IFLA_INFO_DATA) data = info.nested();
        }
        OptionalInt owner = OptionalInt.empty();
        OptionalInt group = OptionalInt.empty();
        // The data's attributes are numbered per kind; the kernel puts the kind first, but order is not relied on.
        if (data != null && kind.equals(Optional.of("tun"))) {
            while (data.next()) {
                if (data.type() == IFLA_TUN_OWNER) owner = unlessUnset(data.u32());
                else if (data.type() == IFLA_TUN_GROUP) group = unlessUnset(data.u32());
            }
        }
        return new LinkInfo(kind, owner, group);
    }

    /** (uid_t)-1 is the tun driver's "unset" (it omits the attribute then; older kernels may not). */
    private static OptionalInt unlessUnset(int id) {
        return id == -1 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    // ---- addresses

    /**
     * {@code ip addr add A/P [brd +] dev NAME [nodad]}: IFA_LOCAL and IFA_ADDRESS; IPv4 prefixes up
     * to /30 get their broadcast address (as {@code brd +} and fcnet's rtnetlink crate do); IPv6
     * addresses get IFA_F_NODAD so they are usable at once instead of tentative.
     */
    static void newAddr(MessageBuilder b, Link link, InetAddress address, int prefixLength) {
        IpFamily family = checkPrefix(address, prefixLength);
        b.begin(RTM_NEWADDR, NEW, "RTM_NEWADDR " + address.getHostAddress() + "/" + prefixLength + " dev " + link.name());
        addrHeader(b, family, prefixLength, family == IpFamily.INET6 ? IFA_F_NODAD : 0, link.index());
        byte[] raw = address.getAddress();
        b.putBytes(IFA_LOCAL, raw);
        b.putBytes(IFA_ADDRESS, raw);
        if (family == IpFamily.INET && prefixLength <= 30) b.putBytes(IFA_BROADCAST, broadcast(raw, prefixLength));
        b.end();
    }

    /** {@code ip addr del A/P dev NAME}. */
    static void delAddr(MessageBuilder b, Link link, InetAddress address, int prefixLength) {
        IpFamily family = checkPrefix(address, prefixLength);
        b.begin(RTM_DELADDR, SET, "RTM_DELADDR " + address.getHostAddress() + "/" + prefixLength + " dev " + link.name());
        addrHeader(b, family, prefixLength, 0, link.index());
        byte[] raw = address.getAddress();
        b.putBytes(IFA_LOCAL, raw);
        b.putBytes(IFA_ADDRESS, raw);
        b.end();
    }

    /** {@code ip addr show dev NAME}: a dump the kernel filters by ifa_index (strict checking). */
    static void getAddrs(MessageBuilder b, Link link) {
        b.begin(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, "RTM_GETADDR dev " + link.name());
        int h = b.reserve(SIZEOF_IFADDRMSG);
        b.setU32(h + IFADDRMSG_INDEX, link.index());
        b.end();
    }

    private static void addrHeader(MessageBuilder b, IpFamily family, int prefixLength, int flags, int index) {
        int h = b.reserve(SIZEOF_IFADDRMSG);
        b.setU8(h, family.af()).setU8(h + IFADDRMSG_PREFIXLEN, prefixLength).setU8(h + IFADDRMSG_FLAGS, flags);
        b.setU32(h + IFADDRMSG_INDEX, index);
    }

    private static byte[] broadcast(byte[] v4, int prefixLength) {
        int host = prefixLength == 0 ? -1 : -1 >>> prefixLength;
        int addr = ((v4[0] & 0xFF) << 24 | (v4[1] & 0xFF) << 16 | (v4[2] & 0xFF) << 8 | (v4[3] & 0xFF)) | host;
        return new byte[] {(byte) (addr >>> 24), (byte) (addr >>> 16), (byte) (addr >>> 8), (byte) addr};
    }

    /** Decodes an RTM_NEWADDR; null for a family other than IPv4 and IPv6. */
    static Address decodeAddr(MessageView m) {
        int family = m.u8(0);
        int prefixLength = m.u8(IFADDRMSG_PREFIXLEN);
        int flags = m.u8(IFADDRMSG_FLAGS);
        int scope = m.u8(IFADDRMSG_SCOPE);
        int index = m.u32(IFADDRMSG_INDEX);
        if (family != AF_INET && family != AF_INET6) return null;
        byte[] local = null;
        byte[] address = null;
        Optional<InetAddress> broadcast = Optional.empty();
        for (AttributeReader a = m.attributes(SIZEOF_IFADDRMSG); a.next(); ) {
            switch (a.type()) {
                case IFA_LOCAL -> local = a.bytes();
                case IFA_ADDRESS -> address = a.bytes();
                case IFA_BROADCAST -> broadcast = Optional.of(inet(a.bytes()));
                case IFA_FLAGS -> flags = a.u32();
                default -> { }
            }
        }
        byte[] raw = local != null ? local : address;
        if (raw == null) throw new MalformedMessageException("RTM_NEWADDR for index " + index + " has no address");
        return new Address(index, inet(raw), prefixLength, flags, scope, broadcast);
    }

    // ---- routes

    /**
     * {@code ip route add DST/LEN via GW} (main table, proto boot, scope universe, unicast, as
     * iproute2 sends it). An IPv4 default route has no RTA_DST; an IPv6 one carries {@code ::}.
     */
    static void newRoute(MessageBuilder b, InetAddress destination, int prefixLength, InetAddress gateway) {
        IpFamily family = checkRoute(destination, prefixLength, gateway);
        b.begin(RTM_NEWROUTE, NEW, "RTM_NEWROUTE " + describeRoute(destination, prefixLength, gateway));
        int h = b.reserve(SIZEOF_RTMSG);
        b.setU8(h, family.af()).setU8(h + RTMSG_DST_LEN, prefixLength).setU8(h + RTMSG_TABLE, RT_TABLE_MAIN);
        b.setU8(h + RTMSG_PROTOCOL, RTPROT_BOOT).setU8(h + RTMSG_SCOPE, RT_SCOPE_UNIVERSE).setU8(h + RTMSG_TYPE, RTN_UNICAST);
        routeAddrs(b, family, destination, prefixLength, gateway);
        b.end();
    }

    /** {@code ip route del DST/LEN via GW}: iproute2 leaves protocol and type open and asks scope nowhere for IPv4. */
    static void delRoute(MessageBuilder b, InetAddress destination, int prefixLength, InetAddress gateway) {
        IpFamily family = checkRoute(destination, prefixLength, gateway);
        b.begin(RTM_DELROUTE, SET, "RTM_DELROUTE " + describeRoute(destination, prefixLength, gateway));
        int h = b.reserve(SIZEOF_RTMSG);
        b.setU8(h, family.af()).setU8(h + RTMSG_DST_LEN, prefixLength).setU8(h + RTMSG_TABLE, RT_TABLE_MAIN);
        b.setU8(h + RTMSG_SCOPE, family == IpFamily.INET ? RT_SCOPE_NOWHERE : RT_SCOPE_UNIVERSE);
        routeAddrs(b, family, destination, prefixLength, gateway);
        b.end();
    }

    private static void routeAddrs(MessageBuilder b, IpFamily family, InetAddress destination, int prefixLength,
            InetAddress gateway) {
        if (family == IpFamily.INET6 || prefixLength > 0) b.putBytes(RTA_DST, destination.getAddress());
        b.putBytes(RTA_GATEWAY, gateway.getAddress());
    }

    /** {@code ip -4|-6 route show table main}: a dump the kernel filters by family and table. */
    static void getRoutes(MessageBuilder b, IpFamily family) {
        b.begin(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, "RTM_GETROUTE " + family + " table main");
        b.setU8(b.reserve(SIZEOF_RTMSG), family.af());
        b.putU32(RTA_TABLE, RT_TABLE_MAIN);
        b.end();
    }

    /**
     * {@code ip route get fibmatch ADDRESS}: the routing entry a lookup of the full-length address
     * hits, not a dump. Like ip, asks IPv4 lookups for the table they found the entry in.
     */
    static void getRouteFibMatch(MessageBuilder b, InetAddress destination) {
        IpFamily family = IpFamily.of(destination);
        b.begin(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_ACK, "RTM_GETROUTE fibmatch " + destination.getHostAddress());
        int h = b.reserve(SIZEOF_RTMSG);
        b.setU8(h, family.af()).setU8(h + RTMSG_DST_LEN, family.maxPrefixLength());
        b.setU32(h + RTMSG_FLAGS, RTM_F_FIB_MATCH | (family == IpFamily.INET ? RTM_F_LOOKUP_TABLE : 0));
        b.putBytes(RTA_DST, destination.getAddress());
        b.end();
    }

    static Route decodeRoute(MessageView m) {
        int af = m.u8(0);
        IpFamily family = af == AF_INET ? IpFamily.INET : af == AF_INET6 ? IpFamily.INET6 : null;
        if (family == null) return null;
        int prefixLength = m.u8(RTMSG_DST_LEN);
        int table = m.u8(RTMSG_TABLE);
        InetAddress destination = null;
        Optional<InetAddress> gateway = Optional.empty();
        OptionalInt oif = OptionalInt.empty();
        OptionalInt priority = OptionalInt.empty();
        for (AttributeReader a = m.attributes(SIZEOF_RTMSG); a.next(); ) {
            switch (a.type()) {
                case RTA_DST -> destination = inet(a.bytes());
                case RTA_GATEWAY -> gateway = Optional.of(inet(a.bytes()));
                case RTA_OIF -> oif = OptionalInt.of(a.u32());
                case RTA_PRIORITY -> priority = OptionalInt.of(a.u32());
                case RTA_TABLE -> table = a.u32();
                default -> { }
            }
        }
        if (destination == null) destination = inet(new byte[family.addressLength()]);
        return new Route(family, destination, prefixLength, gateway, oif, table, m.u8(RTMSG_PROTOCOL),
                m.u8(RTMSG_SCOPE), m.u8(RTMSG_TYPE), priority);
    }

    private static IpFamily checkRoute(InetAddress destination, int prefixLength, InetAddress gateway) {
        IpFamily family = checkPrefix(destination, prefixLength);
        if (IpFamily.of(gateway) != family) {
            throw new IllegalArgumentException("gateway " + gateway.getHostAddress() + " is not "
                    + family + " like " + destination.getHostAddress());
        }
        if (prefixLength == 0 && !destination.isAnyLocalAddress()) {
            throw new IllegalArgumentException("a /0 route must have the all-zero destination, not "
                    + destination.getHostAddress());
        }
        return family;
    }

    static String describeRoute(InetAddress destination, int prefixLength, InetAddress gateway) {
        String dst = prefixLength == 0 ? "default" : destination.getHostAddress() + "/" + prefixLength;
        return dst + " via " + gateway.getHostAddress();
    }

    // ---- netconf

    /** {@code ip -4|-6 netconf show dev NAME} ({@code ifindex} may be NETCONFA_IFINDEX_ALL). */
    static void getNetconf(MessageBuilder b, IpFamily family, int ifindex, String what) {
        b.begin(RTM_GETNETCONF, NLM_F_REQUEST | NLM_F_ACK, "RTM_GETNETCONF " + family + " " + what);
        b.setU8(b.reserve(SIZEOF_NETCONFMSG), family.af());
        b.putU32(NETCONFA_IFINDEX, ifindex);
        b.end();
    }

    /** NETCONFA_FORWARDING of an RTM_NEWNETCONF, or null when the reply has none. */
    static Boolean decodeForwarding(MessageView m) {
        for (AttributeReader a = m.attributes(SIZEOF_NETCONFMSG); a.next(); ) {
            if (a.type() == NETCONFA_FORWARDING) return a.u32() != 0;
        }
        return null;
    }

    // ---- helpers

    private static IpFamily checkPrefix(InetAddress address, int prefixLength) {
        IpFamily family = IpFamily.of(address);
        if (prefixLength < 0 || prefixLength > family.maxPrefixLength()) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is out of range for "
                    + address.getHostAddress());
        }
        return family;
    }

    /** From bytes, no lookup; 16 bytes stay IPv6 even when IPv4-mapped. */
    private static InetAddress inet(byte[] raw) {
        try {
            return raw.length == 16 ? Inet6Address.getByAddress(null, raw, -1) : InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new MalformedMessageException("address of " + raw.length + " bytes");
        }
    }
}
