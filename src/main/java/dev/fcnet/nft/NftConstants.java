package dev.fcnet.nft;

import dev.fcnet.sys.UapiHeaders;

/**
 * nf_tables and nfnetlink numbers, named exactly as in the kernel UAPI headers
 * native-headers/linux/netfilter/nf_tables.h, nfnetlink.h, nf_nat.h and linux/netfilter.h
 * (UapiConstantsTest compiles every field's name against those headers and compares the values).
 */
@UapiHeaders({"linux/netlink.h", "linux/netfilter.h", "linux/netfilter/nfnetlink.h", "linux/netfilter/nf_tables.h",
    "linux/netfilter/nf_nat.h"})
public final class NftConstants {
    private NftConstants() {}

    // nfnetlink.h
    public static final int NFNETLINK_V0 = 0;
    public static final int NFNL_SUBSYS_NFTABLES = 10;
    public static final int NFNL_MSG_BATCH_BEGIN = 0x10;
    public static final int NFNL_MSG_BATCH_END = 0x11;
    public static final int NFNL_BATCH_GENID = 1;

    // linux/netfilter.h: families, verdicts, hooks
    public static final int NFPROTO_INET = 1;
    public static final int NFPROTO_IPV4 = 2;
    public static final int NFPROTO_ARP = 3;
    public static final int NFPROTO_NETDEV = 5;
    public static final int NFPROTO_BRIDGE = 7;
    public static final int NFPROTO_IPV6 = 10;
    public static final int NF_DROP = 0;
    public static final int NF_ACCEPT = 1;
    public static final int NF_STOLEN = 2;
    public static final int NF_QUEUE = 3;
    public static final int NF_REPEAT = 4;
    public static final int NF_STOP = 5;
    public static final int NF_INET_PRE_ROUTING = 0;
    public static final int NF_INET_LOCAL_IN = 1;
    public static final int NF_INET_FORWARD = 2;
    public static final int NF_INET_LOCAL_OUT = 3;
    public static final int NF_INET_POST_ROUTING = 4;

    // nf_nat.h
    public static final int NF_NAT_RANGE_MAP_IPS = 1;
    public static final int NF_NAT_RANGE_PROTO_SPECIFIED = 2;

    // nf_tables.h: registers and verdicts
    public static final int NFT_REG_VERDICT = 0;
    public static final int NFT_REG_1 = 1;
    public static final int NFT_REG_2 = 2;
    public static final int NFT_REG32_00 = 8;
    public static final int NFT_REG_SIZE = 16;
    public static final int NFT_REG32_SIZE = 4;
    public static final int NFT_CONTINUE = -1;
    public static final int NFT_BREAK = -2;
    public static final int NFT_JUMP = -3;
    public static final int NFT_GOTO = -4;
    public static final int NFT_RETURN = -5;

    // enum nf_tables_msg_types
    public static final int NFT_MSG_NEWTABLE = 0;
    public static final int NFT_MSG_GETTABLE = 1;
    public static final int NFT_MSG_DELTABLE = 2;
    public static final int NFT_MSG_NEWCHAIN = 3;
    public static final int NFT_MSG_GETCHAIN = 4;
    public static final int NFT_MSG_DELCHAIN = 5;
    public static final int NFT_MSG_NEWRULE = 6;
    public static final int NFT_MSG_GETRULE = 7;
    public static final int NFT_MSG_DELRULE = 8;
    public static final int NFT_MSG_NEWSET = 9;
    public static final int NFT_MSG_GETSET = 10;
    public static final int NFT_MSG_DELSET = 11;
    public static final int NFT_MSG_NEWSETELEM = 12;
    public static final int NFT_MSG_GETSETELEM = 13;
    public static final int NFT_MSG_DELSETELEM = 14;
    public static final int NFT_MSG_NEWGEN = 15;
    public static final int NFT_MSG_GETGEN = 16;

    public static final int NFTA_GEN_ID = 1;

    public static final int NFTA_LIST_ELEM = 1;

    public static final int NFTA_HOOK_HOOKNUM = 1;
    public static final int NFTA_HOOK_PRIORITY = 2;

    public static final int NFTA_TABLE_NAME = 1;
    public static final int NFTA_TABLE_FLAGS = 2;
    public static final int NFTA_TABLE_HANDLE = 4;

    public static final int NFTA_CHAIN_TABLE = 1;
    public static final int NFTA_CHAIN_HANDLE = 2;
    public static final int NFTA_CHAIN_NAME = 3;
    public static final int NFTA_CHAIN_HOOK = 4;
    public static final int NFTA_CHAIN_POLICY = 5;
    public static final int NFTA_CHAIN_TYPE = 7;

    public static final int NFTA_RULE_TABLE = 1;
    public static final int NFTA_RULE_CHAIN = 2;
    public static final int NFTA_RULE_HANDLE = 3;
    public static final int NFTA_RULE_EXPRESSIONS = 4;
    public static final int NFTA_RULE_POSITION = 6;
    public static final int NFTA_RULE_USERDATA = 7;

    public static final int NFTA_SET_TABLE = 1;
    public static final int NFTA_SET_NAME = 2;
    public static final int NFTA_SET_FLAGS = 3;
    public static final int NFTA_SET_KEY_TYPE = 4;
    public static final int NFTA_SET_KEY_LEN = 5;
    public static final int NFTA_SET_ID = 10;
    public static final int NFTA_SET_USERDATA = 13;
    public static final int NFTA_SET_HANDLE = 16;

    public static final int NFTA_SET_ELEM_KEY = 1;

    public static final int NFTA_SET_ELEM_LIST_TABLE = 1;
    public static final int NFTA_SET_ELEM_LIST_SET = 2;
    public static final int NFTA_SET_ELEM_LIST_ELEMENTS = 3;
    public static final int NFTA_SET_ELEM_LIST_SET_ID = 4;

    public static final int NFTA_EXPR_NAME = 1;
    public static final int NFTA_EXPR_DATA = 2;

    public static final int NFTA_DATA_VALUE = 1;
    public static final int NFTA_DATA_VERDICT = 2;
    public static final int NFTA_VERDICT_CODE = 1;
    public static final int NFTA_VERDICT_CHAIN = 2;

    public static final int NFTA_IMMEDIATE_DREG = 1;
    public static final int NFTA_IMMEDIATE_DATA = 2;

    // The whole enums of cmp ops and payload bases: Cmp and Payload print them by index.
    public static final int NFT_CMP_EQ = 0;
    public static final int NFT_CMP_NEQ = 1;
    public static final int NFT_CMP_LT = 2;
    public static final int NFT_CMP_LTE = 3;
    public static final int NFT_CMP_GT = 4;
    public static final int NFT_CMP_GTE = 5;
    public static final int NFTA_CMP_SREG = 1;
    public static final int NFTA_CMP_OP = 2;
    public static final int NFTA_CMP_DATA = 3;

    public static final int NFT_PAYLOAD_LL_HEADER = 0;
    public static final int NFT_PAYLOAD_NETWORK_HEADER = 1;
    public static final int NFT_PAYLOAD_TRANSPORT_HEADER = 2;
    public static final int NFT_PAYLOAD_INNER_HEADER = 3;
    public static final int NFTA_PAYLOAD_DREG = 1;
    public static final int NFTA_PAYLOAD_BASE = 2;
    public static final int NFTA_PAYLOAD_OFFSET = 3;
    public static final int NFTA_PAYLOAD_LEN = 4;

    public static final int NFT_META_IIFNAME = 6;
    public static final int NFT_META_OIFNAME = 7;
    public static final int NFT_META_NFPROTO = 15;
    public static final int NFTA_META_DREG = 1;
    public static final int NFTA_META_KEY = 2;
    public static final int NFTA_META_SREG = 3;

    public static final int NFT_NAT_SNAT = 0;
    public static final int NFT_NAT_DNAT = 1;
    public static final int NFTA_NAT_TYPE = 1;
    public static final int NFTA_NAT_FAMILY = 2;
    public static final int NFTA_NAT_REG_ADDR_MIN = 3;
    public static final int NFTA_NAT_REG_ADDR_MAX = 4;
    public static final int NFTA_NAT_REG_PROTO_MIN = 5;
    public static final int NFTA_NAT_REG_PROTO_MAX = 6;
    public static final int NFTA_NAT_FLAGS = 7;

    public static final int NFT_LOOKUP_F_INV = 1;
    public static final int NFTA_LOOKUP_SET = 1;
    public static final int NFTA_LOOKUP_SREG = 2;
    public static final int NFTA_LOOKUP_DREG = 3;
    public static final int NFTA_LOOKUP_SET_ID = 4;
    public static final int NFTA_LOOKUP_FLAGS = 5;

    public static final int NFTA_MASQ_FLAGS = 1;
    public static final int NFTA_MASQ_REG_PROTO_MIN = 2;
    public static final int NFTA_MASQ_REG_PROTO_MAX = 3;
}
