package dev.fcnet.rtnl;

import dev.fcnet.sys.CExpr;
import dev.fcnet.sys.UapiHeaders;

/**
 * rtnetlink message types, attribute ids, flags and struct sizes, written against the kernel
 * UAPI headers (checked by {@code UapiConstantsTest}). Address families come from glibc's
 * sys/socket.h: the kernel keeps them out of its UAPI.
 */
@UapiHeaders(value = {"linux/rtnetlink.h", "linux/if_link.h", "linux/if_addr.h", "linux/veth.h", "linux/netconf.h",
        "linux/if.h", "linux/ip.h"}, libc = {"sys/socket.h"})
public final class RtnlConstants {
    private RtnlConstants() {}

    // Address families (ifi_family, ifa_family, rtm_family, ncm_family).
    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_PACKET = 17;

    // Message types.
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_DELADDR = 21;
    public static final int RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_DELROUTE = 25;
    public static final int RTM_GETROUTE = 26;
    public static final int RTM_NEWNETCONF = 80;
    public static final int RTM_GETNETCONF = 82;

    // Fixed headers.
    @CExpr("sizeof(struct ifinfomsg)")
    public static final int SIZEOF_IFINFOMSG = 16;
    @CExpr("sizeof(struct ifaddrmsg)")
    public static final int SIZEOF_IFADDRMSG = 8;
    @CExpr("sizeof(struct rtmsg)")
    public static final int SIZEOF_RTMSG = 12;
    @CExpr("sizeof(struct netconfmsg)")
    public static final int SIZEOF_NETCONFMSG = 1;
    @CExpr("offsetof(struct ifinfomsg, ifi_index)")
    public static final int IFINFOMSG_INDEX = 4;
    @CExpr("offsetof(struct ifinfomsg, ifi_flags)")
    public static final int IFINFOMSG_FLAGS = 8;
    @CExpr("offsetof(struct ifinfomsg, ifi_change)")
    public static final int IFINFOMSG_CHANGE = 12;
    @CExpr("offsetof(struct ifaddrmsg, ifa_prefixlen)")
    public static final int IFADDRMSG_PREFIXLEN = 1;
    @CExpr("offsetof(struct ifaddrmsg, ifa_flags)")
    public static final int IFADDRMSG_FLAGS = 2;
    @CExpr("offsetof(struct ifaddrmsg, ifa_scope)")
    public static final int IFADDRMSG_SCOPE = 3;
    @CExpr("offsetof(struct ifaddrmsg, ifa_index)")
    public static final int IFADDRMSG_INDEX = 4;
    @CExpr("offsetof(struct rtmsg, rtm_dst_len)")
    public static final int RTMSG_DST_LEN = 1;
    @CExpr("offsetof(struct rtmsg, rtm_table)")
    public static final int RTMSG_TABLE = 4;
    @CExpr("offsetof(struct rtmsg, rtm_protocol)")
    public static final int RTMSG_PROTOCOL = 5;
    @CExpr("offsetof(struct rtmsg, rtm_scope)")
    public static final int RTMSG_SCOPE = 6;
    @CExpr("offsetof(struct rtmsg, rtm_type)")
    public static final int RTMSG_TYPE = 7;
    @CExpr("offsetof(struct rtmsg, rtm_flags)")
    public static final int RTMSG_FLAGS = 8;

    // Link flags (ifi_flags).
    public static final int IFF_UP = 0x1;

    // Link attributes.
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_LINK = 5;
    public static final int IFLA_MASTER = 10;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_IFALIAS = 20;
    public static final int IFLA_GROUP = 27;
    public static final int IFLA_AF_SPEC = 26;
    public static final int IFLA_INET6_ADDR_GEN_MODE = 8;
    public static final int IN6_ADDR_GEN_MODE_NONE = 1;
    public static final int IFLA_INET_CONF = 1;
    public static final int IPV4_DEVCONF_FORWARDING = 1;
    public static final int IFLA_NET_NS_FD = 28;
    public static final int IFLA_EXT_MASK = 29;
    public static final int IFLA_LINK_NETNSID = 37;
    public static final int IFLA_INFO_KIND = 1;
    public static final int IFLA_INFO_DATA = 2;
    public static final int VETH_INFO_PEER = 1;
    // IFLA_INFO_DATA of kind "tun": the tap's owner and group, each absent when unset.
    public static final int IFLA_TUN_OWNER = 1;
    public static final int IFLA_TUN_GROUP = 2;
    public static final int RTEXT_FILTER_VF = 1;

    // Address attributes and flags.
    public static final int IFA_ADDRESS = 1;
    public static final int IFA_LOCAL = 2;
    public static final int IFA_BROADCAST = 4;
    public static final int IFA_FLAGS = 8;
    public static final int IFA_F_NODAD = 0x02;
    public static final int IFA_F_TENTATIVE = 0x40;

    // Routes.
    public static final int RT_TABLE_MAIN = 254;
    public static final int RTPROT_BOOT = 3;
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_NOWHERE = 255;
    public static final int RTN_UNICAST = 1;
    public static final int RTN_LOCAL = 2;
    public static final int RTM_F_LOOKUP_TABLE = 0x1000;
    public static final int RTM_F_FIB_MATCH = 0x2000;
    public static final int RTA_DST = 1;
    public static final int RTA_OIF = 4;
    public static final int RTA_GATEWAY = 5;
    public static final int RTA_PRIORITY = 6;
    public static final int RTA_TABLE = 15;

    // Per-device IP configuration (RTM_GETNETCONF).
    public static final int NETCONFA_IFINDEX = 1;
    public static final int NETCONFA_FORWARDING = 2;
    public static final int NETCONFA_IFINDEX_ALL = -1;
    public static final int NETCONFA_IFINDEX_DEFAULT = -2;
}
