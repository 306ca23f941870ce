package dev.fcnet.netlink;

import dev.fcnet.sys.CExpr;
import dev.fcnet.sys.UapiHeaders;

/** Netlink protocol numbers, message types, flags and socket options (linux/netlink.h). */
@UapiHeaders("linux/netlink.h")
public final class NetlinkConstants {
    private NetlinkConstants() {}

    // Protocols (socket(AF_NETLINK, SOCK_RAW, protocol)).
    public static final int NETLINK_ROUTE = 0;
    public static final int NETLINK_NETFILTER = 12;

    // Control message types.
    public static final int NLMSG_NOOP = 0x1;
    public static final int NLMSG_ERROR = 0x2;
    public static final int NLMSG_DONE = 0x3;
    public static final int NLMSG_OVERRUN = 0x4;
    public static final int NLMSG_MIN_TYPE = 0x10;

    // nlmsg_flags, all messages.
    public static final int NLM_F_REQUEST = 0x01;
    public static final int NLM_F_MULTI = 0x02;
    public static final int NLM_F_ACK = 0x04;
    public static final int NLM_F_ECHO = 0x08;
    public static final int NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_DUMP_FILTERED = 0x20;
    // GET requests.
    public static final int NLM_F_ROOT = 0x100;
    public static final int NLM_F_MATCH = 0x200;
    public static final int NLM_F_ATOMIC = 0x400;
    public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    // NEW requests.
    public static final int NLM_F_REPLACE = 0x100;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    public static final int NLM_F_APPEND = 0x800;
    // DELETE requests.
    public static final int NLM_F_NONREC = 0x100;
    public static final int NLM_F_BULK = 0x200;
    // On NLMSG_ERROR / NLMSG_DONE replies.
    public static final int NLM_F_CAPPED = 0x100;
    public static final int NLM_F_ACK_TLVS = 0x200;

    // Layout.
    public static final int NLMSG_ALIGNTO = 4;
    public static final int NLMSG_HDRLEN = 16;
    public static final int NLA_ALIGNTO = 4;
    public static final int NLA_HDRLEN = 4;
    @CExpr("sizeof(struct nlmsgerr)")
    public static final int SIZEOF_NLMSGERR = 20;
    @CExpr("sizeof(struct sockaddr_nl)")
    public static final int SIZEOF_SOCKADDR_NL = 12;

    // nla_type flag bits.
    public static final int NLA_F_NESTED = 1 << 15;
    public static final int NLA_F_NET_BYTEORDER = 1 << 14;
    public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

    // Extended-ack attributes after struct nlmsgerr (NLM_F_ACK_TLVS).
    public static final int NLMSGERR_ATTR_MSG = 1;
    public static final int NLMSGERR_ATTR_OFFS = 2;
    public static final int NLMSGERR_ATTR_COOKIE = 3;
    public static final int NLMSGERR_ATTR_POLICY = 4;
    public static final int NLMSGERR_ATTR_MISS_TYPE = 5;
    public static final int NLMSGERR_ATTR_MISS_NEST = 6;

    // Socket options at level SOL_NETLINK.
    public static final int NETLINK_ADD_MEMBERSHIP = 1;
    public static final int NETLINK_NO_ENOBUFS = 5;
    public static final int NETLINK_CAP_ACK = 10;
    public static final int NETLINK_EXT_ACK = 11;
    public static final int NETLINK_GET_STRICT_CHK = 12;
}
