package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_APPEND;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_CREATE;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_DUMP;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ECHO;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_EXCL;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_REQUEST;
import static dev.fcnet.nft.NftConstants.NFNETLINK_V0;
import static dev.fcnet.nft.NftConstants.NFNL_BATCH_GENID;
import static dev.fcnet.nft.NftConstants.NFNL_MSG_BATCH_BEGIN;
import static dev.fcnet.nft.NftConstants.NFNL_MSG_BATCH_END;
import static dev.fcnet.nft.NftConstants.NFNL_SUBSYS_NFTABLES;
import static dev.fcnet.nft.NftConstants.NFTA_CHAIN_HANDLE;
import static dev.fcnet.nft.NftConstants.NFTA_CHAIN_HOOK;
import static dev.fcnet.nft.NftConstants.NFTA_CHAIN_NAME;
import static dev.fcnet.nft.NftConstants.NFTA_CHAIN_POLICY;
import static dev.fcnet.nft.NftConstants.NFTA_CHAIN_TABLE;
import static dev.fcnet.nft.NftConstants.NFTA_CHAIN_TYPE;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_NAME;
import static dev.fcnet.nft.NftConstants.NFTA_GEN_ID;
import static dev.fcnet.nft.NftConstants.NFTA_HOOK_HOOKNUM;
import static dev.fcnet.nft.NftConstants.NFTA_HOOK_PRIORITY;
import static dev.fcnet.nft.NftConstants.NFTA_LIST_ELEM;
import static dev.fcnet.nft.NftConstants.NFTA_RULE_CHAIN;
import static dev.fcnet.nft.NftConstants.NFTA_RULE_EXPRESSIONS;
import static dev.fcnet.nft.NftConstants.NFTA_RULE_HANDLE;
import static dev.fcnet.nft.NftConstants.NFTA_RULE_POSITION;
import static dev.fcnet.nft.NftConstants.NFTA_RULE_TABLE;
import static dev.fcnet.nft.NftConstants.NFTA_RULE_USERDATA;
import static dev.fcnet.nft.NftConstants.NFTA_SET_ELEM_KEY;
import static dev.fcnet.nft.NftConstants.NFTA_SET_ELEM_LIST_ELEMENTS;
import static dev.fcnet.nft.NftConstants.NFTA_SET_ELEM_LIST_SET;
import static dev.fcnet.nft.NftConstants.NFTA_SET_ELEM_LIST_SET_ID;
import static dev.fcnet.nft.NftConstants.NFTA_SET_ELEM_LIST_TABLE;
import static dev.fcnet.nft.NftConstants.NFTA_SET_FLAGS;
import static dev.fcnet.nft.NftConstants.NFTA_SET_HANDLE;
import static dev.fcnet.nft.NftConstants.NFTA_SET_ID;
import static dev.fcnet.nft.NftConstants.NFTA_SET_KEY_LEN;
import static dev.fcnet.nft.NftConstants.NFTA_SET_KEY_TYPE;
import static dev.fcnet.nft.NftConstants.NFTA_SET_NAME;
import static dev.fcnet.nft.NftConstants.NFTA_SET_TABLE;
import static dev.fcnet.nft.NftConstants.NFTA_SET_USERDATA;
import static dev.fcnet.nft.NftConstants.NFTA_TABLE_FLAGS;
import static dev.fcnet.nft.NftConstants.NFTA_TABLE_HANDLE;
import static dev.fcnet.nft.NftConstants.NFTA_TABLE_NAME;
import static dev.fcnet.nft.NftConstants.NFT_MSG_DELCHAIN;
import static dev.fcnet.nft.NftConstants.NFT_MSG_DELRULE;
import static dev.fcnet.nft.NftConstants.NFT_MSG_DELSET;
import static dev.fcnet.nft.NftConstants.NFT_MSG_DELSETELEM;
import static dev.fcnet.nft.NftConstants.NFT_MSG_DELTABLE;
import static dev.fcnet.nft.NftConstants.NFT_MSG_GETSET;
import static dev.fcnet.nft.NftConstants.NFT_MSG_GETSETELEM;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWSET;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWSETELEM;
import static dev.fcnet.nft.NftConstants.NFT_MSG_GETCHAIN;
import static dev.fcnet.nft.NftConstants.NFT_MSG_GETGEN;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWGEN;
import static dev.fcnet.nft.NftConstants.NFT_MSG_GETRULE;
import static dev.fcnet.nft.NftConstants.NFT_MSG_GETTABLE;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWCHAIN;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWRULE;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWTABLE;
import static dev.fcnet.nft.NftConstants.NF_ACCEPT;

import dev.fcnet.netlink.AttributeReader;
import dev.fcnet.netlink.MalformedMessageException;
import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.MessageView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * nf_tables messages: every request with the attributes and order nft 1.0.x uses (compared byte
 * for byte with strace captures of nft), and the decoders of the kernel's replies. Every
 * message starts with a 4-byte nfgenmsg (family, version 0, res_id 0).
 */
final class NftMessages {
    private NftMessages() {}

    static final int NFGENMSG_LEN = 4;

    /** Flags of a table add, as nft sends them (no NLM_F_EXCL: an existing table is fine). */
    static final int NEWTABLE_FLAGS = NLM_F_REQUEST | NLM_F_ACK;
    /** Flags of a chain add (no NLM_F_EXCL: an existing chain with the same hook is fine). */
    static final int NEWCHAIN_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
    /** Flags of a rule append; ECHO makes the kernel send the new rule back with its handle. */
    static final int NEWRULE_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND | NLM_F_ECHO;
    static final int DELETE_FLAGS = NLM_F_REQUEST | NLM_F_ACK;
    /** Flags of a set add (no NLM_F_EXCL: an existing set with the same key is fine). */
    static final int NEWSET_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
    /** Flags of an element add: with NLM_F_EXCL (nft's {@code create element}) an element already there fails with EEXIST. */
    static final int NEWSETELEM_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;

    static int type(int nftMsg) {
        return NFNL_SUBSYS_NFTABLES << 8 | nftMsg;
    }

    private static void begin(MessageBuilder b, int nftMsg, int flags, NftFamily family, String what) {
        b.begin(type(nftMsg), flags, what);
        int h = b.reserve(NFGENMSG_LEN);
        b.setU8(h, family.code()).setU8(h + 1, NFNETLINK_V0);
    }

    /** NFNL_MSG_BATCH_BEGIN for the nf_tables subsystem: res_id carries the subsystem, big-endian. */
    static void batchBegin(MessageBuilder b) {
        batchMarker(b, NFNL_MSG_BATCH_BEGIN, "NFNL_MSG_BATCH_BEGIN");
        b.end();
    }

    /**
     * A BATCH_BEGIN that makes the batch conditional: the kernel applies it only while the
     * ruleset's generation is still {@code generation} (NFNL_BATCH_GENID, checked under the commit
     * mutex) and refuses it as a whole with ERESTART otherwise.
     */
    static void batchBegin(MessageBuilder b, int generation) {
        batchMarker(b, NFNL_MSG_BATCH_BEGIN, "NFNL_MSG_BATCH_BEGIN generation " + Integer.toUnsignedString(generation));
        b.putU32Be(NFNL_BATCH_GENID, generation);
        b.end();
    }

    static void batchEnd(MessageBuilder b) {
        batchMarker(b, NFNL_MSG_BATCH_END, "NFNL_MSG_BATCH_END");
        b.end();
    }

    private static void batchMarker(MessageBuilder b, int type, String what) {
        b.begin(type, NLM_F_REQUEST, what);
        int h = b.reserve(NFGENMSG_LEN);
        b.setU8(h + 1, NFNETLINK_V0).setU16Be(h + 2, NFNL_SUBSYS_NFTABLES);
    }

    /** {@code NFT_MSG_GETGEN}, the request nft starts every command with (plus NLM_F_ACK, to end the do-request). */
    static void getGen(MessageBuilder b) {
        b.begin(type(NFT_MSG_GETGEN), NLM_F_REQUEST | NLM_F_ACK, "NFT_MSG_GETGEN");
        b.reserve(NFGENMSG_LEN);
        b.end();
    }

    /** The ruleset generation of an NFT_MSG_NEWGEN reply. */
    static int decodeGen(MessageView m) {
        expect(m, NFT_MSG_NEWGEN);
        for (AttributeReader a = m.attributes(NFGENMSG_LEN); a.next(); ) {
            if (a.type() == NFTA_GEN_ID) return a.u32Be();
        }
        throw new MalformedMessageException("NFT_MSG_NEWGEN without NFTA_GEN_ID");
    }

    static void newTable(MessageBuilder b, Table t, int flags) {
        begin(b, NFT_MSG_NEWTABLE, flags, t.family(), "NFT_MSG_NEWTABLE " + t.family() + " " + t.name());
        b.putString(NFTA_TABLE_NAME, t.name());
        b.putU32Be(NFTA_TABLE_FLAGS, t.flags());
        b.end();
    }

    static void delTable(MessageBuilder b, Table t, int flags) {
        begin(b, NFT_MSG_DELTABLE, flags, t.family(), "NFT_MSG_DELTABLE " + t.family() + " " + t.name());
        b.putString(NFTA_TABLE_NAME, t.name());
        b.end();
    }

    static void newChain(MessageBuilder b, Chain c, int flags) {
        begin(b, NFT_MSG_NEWCHAIN, flags, c.family(), "NFT_MSG_NEWCHAIN " + c.family() + " " + c.table() + " " + c.name());
        b.putString(NFTA_CHAIN_TABLE, c.table());
        b.putString(NFTA_CHAIN_NAME, c.name());
        Chain.Base base = c.base();
        if (base != null) {
            b.putString(NFTA_CHAIN_TYPE, base.type());
            b.putU32Be(NFTA_CHAIN_POLICY, base.policy());
            int hook = b.nestStart(NFTA_CHAIN_HOOK | NLA_F_NESTED);
            b.putU32Be(NFTA_HOOK_HOOKNUM, base.hook());
            b.putU32Be(NFTA_HOOK_PRIORITY, base.priority());
            b.nestEnd(hook);
        }
        b.end();
    }

    static void delChain(MessageBuilder b, Chain c, int flags) {
        begin(b, NFT_MSG_DELCHAIN, flags, c.family(), "NFT_MSG_DELCHAIN " + c.family() + " " + c.table() + " " + c.name());
        b.putString(NFTA_CHAIN_TABLE, c.table());
        b.putString(NFTA_CHAIN_NAME, c.name());
        b.end();
    }

    /** Table, chain, expressions, then userdata when there is any: libnftnl's order. */
    static void newRule(MessageBuilder b, Rule r, int flags) {
        begin(b, NFT_MSG_NEWRULE, flags, r.family(), "NFT_MSG_NEWRULE " + r.family() + " " + r.table() + " " + r.chain());
        b.putString(NFTA_RULE_TABLE, r.table());
        b.putString(NFTA_RULE_CHAIN, r.chain());
        int list = b.nestStart(NFTA_RULE_EXPRESSIONS | NLA_F_NESTED);
        for (Expr e : r.exprs()) {
            int elem = b.nestStart(NFTA_LIST_ELEM | NLA_F_NESTED);
            b.putString(NFTA_EXPR_NAME, e.name());
            e.encodeData(b);
            b.nestEnd(elem);
        }
        b.nestEnd(list);
        if (!r.userdata().isEmpty()) b.putBytes(NFTA_RULE_USERDATA, r.userdata().bytes());
        b.end();
    }

    static void delRule(MessageBuilder b, NftFamily family, String table, String chain, long handle, int flags) {
        begin(b, NFT_MSG_DELRULE, flags, family, "NFT_MSG_DELRULE " + family + " " + table + " " + chain
                + " handle " + Long.toUnsignedString(handle));
        ruleKey(b, table, chain, handle);
    }

    /** One rule by handle: a GETRULE without NLM_F_DUMP (the kernel answers one NEWRULE, then the ack). */
    static void getRule(MessageBuilder b, NftFamily family, String table, String chain, long handle) {
        begin(b, NFT_MSG_GETRULE, NLM_F_REQUEST | NLM_F_ACK, family, "NFT_MSG_GETRULE " + family + " " + table + " "
                + chain + " handle " + Long.toUnsignedString(handle));
        ruleKey(b, table, chain, handle);
    }

    private static void ruleKey(MessageBuilder b, String table, String chain, long handle) {
        b.putString(NFTA_RULE_TABLE, table);
        b.putString(NFTA_RULE_CHAIN, chain);
        b.putU64Be(NFTA_RULE_HANDLE, handle);
        b.end();
    }

    /** The rules of one chain: the kernel filters the dump by the table and chain attributes. */
    static void dumpRules(MessageBuilder b, NftFamily family, String table, String chain) {
        begin(b, NFT_MSG_GETRULE, NLM_F_REQUEST | NLM_F_DUMP, family, "NFT_MSG_GETRULE " + family + " " + table + " " + chain);
        b.putString(NFTA_RULE_TABLE, table);
        b.putString(NFTA_RULE_CHAIN, chain);
        b.end();
    }

    /** The tables of one family: the kernel filters the dump by nfgen_family. */
    static void dumpTables(MessageBuilder b, NftFamily family) {
        begin(b, NFT_MSG_GETTABLE, NLM_F_REQUEST | NLM_F_DUMP, family, "NFT_MSG_GETTABLE " + family);
        b.end();
    }

    /** The chains of one family (all its tables): the kernel filters the dump by nfgen_family. */
    static void dumpChains(MessageBuilder b, NftFamily family) {
        begin(b, NFT_MSG_GETCHAIN, NLM_F_REQUEST | NLM_F_DUMP, family, "NFT_MSG_GETCHAIN " + family);
        b.end();
    }

    /** A NEWRULE message (dump part, echo, or a request) as a {@link Rule}. */
    static Rule decodeRule(MessageView m) {
        expect(m, NFT_MSG_NEWRULE);
        String table = null, chain = null;
        long handle = 0, position = 0;
        List<Expr> exprs = List.of();
        NftData userdata = NftData.EMPTY;
        for (AttributeReader a = m.attributes(NFGENMSG_LEN); a.next(); ) {
            switch (a.type()) {
                case NFTA_RULE_TABLE -> table = a.string();
                case NFTA_RULE_CHAIN -> chain = a.string();
                case NFTA_RULE_HANDLE -> handle = a.u64Be();
                case NFTA_RULE_POSITION -> position = a.u64Be();
                case NFTA_RULE_EXPRESSIONS -> exprs = decodeExprs(a.nested());
                case NFTA_RULE_USERDATA -> userdata = new NftData(a.bytes());
                default -> {} // e.g. NFTA_RULE_ID, NFTA_RULE_COMPAT: not kept
            }
        }
        if (table == null || chain == null) throw new MalformedMessageException("NFT_MSG_NEWRULE without table or chain");
        return new Rule(NftFamily.ofCode(m.u8(0)), table, chain, handle, position, exprs, userdata);
    }

    private static List<Expr> decodeExprs(AttributeReader list) {
        List<Expr> exprs = new ArrayList<>();
        while (list.next()) {
            if (list.type() != NFTA_LIST_ELEM) continue;
            String name = null;
            MemorySegment data = MemorySegment.NULL;
            for (AttributeReader e = list.nested(); e.next(); ) {
                if (e.type() == NFTA_EXPR_NAME) name = e.string();
                else if (e.type() == NFTA_EXPR_DATA) data = e.payload();
            }
            if (name == null) throw new MalformedMessageException("rule expression without NFTA_EXPR_NAME");
            exprs.add(decodeExpr(name, data));
        }
        return exprs;
    }

    /** The record for {@code name}, or {@link Unknown} when the name or its attributes are not modelled. */
    static Expr decodeExpr(String name, MemorySegment data) {
        Expr e = switch (name) {
            case "meta" -> Meta.decode(data);
            case "cmp" -> Cmp.decode(data);
            case "payload" -> Payload.decode(data);
            case "immediate" -> Immediate.decode(data);
            case "masq" -> Masq.decode(data);
            case "nat" -> Nat.decode(data);
            case "lookup" -> Lookup.decode(data);
            default -> null;
        };
        return e != null ? e : new Unknown(name, new NftData(data.toArray(ValueLayout.JAVA_BYTE)));
    }

    static Table decodeTable(MessageView m) {
        expect(m, NFT_MSG_NEWTABLE);
        String name = null;
        int flags = 0;
        long handle = 0;
        for (AttributeReader a = m.attributes(NFGENMSG_LEN); a.next(); ) {
            switch (a.type()) {
                case NFTA_TABLE_NAME -> name = a.string();
                case NFTA_TABLE_FLAGS -> flags = a.u32Be();
                case NFTA_TABLE_HANDLE -> handle = a.u64Be();
                default -> {}
            }
        }
        if (name == null) throw new MalformedMessageException("NFT_MSG_NEWTABLE without a name");
        return new Table(NftFamily.ofCode(m.u8(0)), name, flags, handle);
    }

    static Chain decodeChain(MessageView m) {
        expect(m, NFT_MSG_NEWCHAIN);
        String table = null, name = null, type = null;
        long handle = 0;
        int policy = NF_ACCEPT, hooknum = -1, priority = 0;
        for (AttributeReader a = m.attributes(NFGENMSG_LEN); a.next(); ) {
            switch (a.type()) {
                case NFTA_CHAIN_TABLE -> table = a.string();
                case NFTA_CHAIN_NAME -> name = a.string();
                case NFTA_CHAIN_HANDLE -> handle = a.u64Be();
                case NFTA_CHAIN_TYPE -> type = a.string();
                case NFTA_CHAIN_POLICY -> policy = a.u32Be();
                case NFTA_CHAIN_HOOK -> {
                    for (AttributeReader h = a.nested(); h.next(); ) {
                        if (h.type() == NFTA_HOOK_HOOKNUM) hooknum = h.u32Be();
                        else if (h.type() == NFTA_HOOK_PRIORITY) priority = h.u32Be();
                    }
                }
                default -> {}
            }
        }
        if (table == null || name == null) throw new MalformedMessageException("NFT_MSG_NEWCHAIN without table or name");
        Chain.Base base = hooknum < 0 || type == null ? null : new Chain.Base(type, hooknum, priority, policy);
        return new Chain(NftFamily.ofCode(m.u8(0)), table, name, handle, base);
    }

    /** Table, name, flags, key type and length, id, userdata: nft's attributes in nft's order. */
    static void newSet(MessageBuilder b, NftSet s, int flags) {
        begin(b, NFT_MSG_NEWSET, flags, s.family(), "NFT_MSG_NEWSET " + s);
        b.putString(NFTA_SET_TABLE, s.table());
        b.putString(NFTA_SET_NAME, s.name());
        b.putU32Be(NFTA_SET_FLAGS, s.flags());
        b.putU32Be(NFTA_SET_KEY_TYPE, s.keyType());
        b.putU32Be(NFTA_SET_KEY_LEN, s.keyLen());
        if (s.id() != 0) b.putU32Be(NFTA_SET_ID, s.id());
        if (!s.userdata().isEmpty()) b.putBytes(NFTA_SET_USERDATA, s.userdata().bytes());
        b.end();
    }

    /** Deletes a set by family, table and name, as nft does (its elements go with it; a set a rule uses is EBUSY). */
    static void delSet(MessageBuilder b, NftSet s, int flags) {
        begin(b, NFT_MSG_DELSET, flags, s.family(), "NFT_MSG_DELSET " + s.family() + " " + s.table() + " " + s.name());
        b.putString(NFTA_SET_TABLE, s.table());
        b.putString(NFTA_SET_NAME, s.name());
        b.end();
    }

    /** One set by name: a GETSET without NLM_F_DUMP (the kernel answers one NEWSET, or ENOENT). */
    static void getSet(MessageBuilder b, NftFamily family, String table, String name) {
        begin(b, NFT_MSG_GETSET, NLM_F_REQUEST | NLM_F_ACK, family, "NFT_MSG_GETSET " + family + " " + table + " " + name);
        b.putString(NFTA_SET_TABLE, table);
        b.putString(NFTA_SET_NAME, name);
        b.end();
    }

    /** The sets of one table: the kernel filters the dump by family and table. */
    static void dumpSets(MessageBuilder b, NftFamily family, String table) {
        begin(b, NFT_MSG_GETSET, NLM_F_REQUEST | NLM_F_DUMP, family, "NFT_MSG_GETSET " + family + " " + table);
        b.putString(NFTA_SET_TABLE, table);
        b.end();
    }

    /** A NEWSET message as an {@link NftSet} (the kernel sends no NFTA_SET_ID: id 0). */
    static NftSet decodeSet(MessageView m) {
        expect(m, NFT_MSG_NEWSET);
        String table = null, name = null;
        long handle = 0;
        int flags = 0, keyType = 0, keyLen = 0, id = 0;
        NftData userdata = NftData.EMPTY;
        for (AttributeReader a = m.attributes(NFGENMSG_LEN); a.next(); ) {
            switch (a.type()) {
                case NFTA_SET_TABLE -> table = a.string();
                case NFTA_SET_NAME -> name = a.string();
                case NFTA_SET_HANDLE -> handle = a.u64Be();
                case NFTA_SET_FLAGS -> flags = a.u32Be();
                case NFTA_SET_KEY_TYPE -> keyType = a.u32Be();
                case NFTA_SET_KEY_LEN -> keyLen = a.u32Be();
                case NFTA_SET_ID -> id = a.u32Be();
                case NFTA_SET_USERDATA -> userdata = new NftData(a.bytes());
                default -> {} // e.g. NFTA_SET_DESC, NFTA_SET_POLICY: not kept
            }
        }
        if (table == null || name == null) throw new MalformedMessageException("NFT_MSG_NEWSET without table or name");
        return new NftSet(NftFamily.ofCode(m.u8(0)), table, name, handle, flags, keyType, keyLen, id, userdata);
    }

    /** Adds {@code elements} to {@code set} in one message: table, set, set id (when not 0), elements. */
    static void newSetElems(MessageBuilder b, NftSet set, List<SetElement> elements, int flags) {
        begin(b, NFT_MSG_NEWSETELEM, flags, set.family(), "NFT_MSG_NEWSETELEM " + elementsText(set, elements));
        b.putString(NFTA_SET_ELEM_LIST_TABLE, set.table());
        b.putString(NFTA_SET_ELEM_LIST_SET, set.name());
        if (set.id() != 0) b.putU32Be(NFTA_SET_ELEM_LIST_SET_ID, set.id());
        putElements(b, elements);
        b.end();
    }

    /** Deletes {@code elements} from {@code set} in one message: table, set, elements (nft sends no set id here). */
    static void delSetElems(MessageBuilder b, NftSet set, List<SetElement> elements, int flags) {
        begin(b, NFT_MSG_DELSETELEM, flags, set.family(), "NFT_MSG_DELSETELEM " + elementsText(set, elements));
        b.putString(NFTA_SET_ELEM_LIST_TABLE, set.table());
        b.putString(NFTA_SET_ELEM_LIST_SET, set.name());
        putElements(b, elements);
        b.end();
    }

    /**
     * One element by key: a GETSETELEM without NLM_F_DUMP, set then table as nft orders them. The
     * kernel answers a NEWSETELEM with the element, or ENOENT (blaming the element when only the
     * element is missing, the table or set attribute when they are).
     */
    static void getSetElem(MessageBuilder b, NftSet set, SetElement element) {
        begin(b, NFT_MSG_GETSETELEM, NLM_F_REQUEST | NLM_F_ACK, set.family(),
                "NFT_MSG_GETSETELEM " + elementsText(set, List.of(element)));
        b.putString(NFTA_SET_ELEM_LIST_SET, set.name());
        b.putString(NFTA_SET_ELEM_LIST_TABLE, set.table());
        putElements(b, List.of(element));
        b.end();
    }

    /** The elements of one set (a dump; set then table, as nft sends it). */
    static void dumpSetElems(MessageBuilder b, NftSet set) {
        begin(b, NFT_MSG_GETSETELEM, NLM_F_REQUEST | NLM_F_DUMP, set.family(),
                "NFT_MSG_GETSETELEM " + set.family() + " " + set.table() + " " + set.name());
        b.putString(NFTA_SET_ELEM_LIST_SET, set.name());
        b.putString(NFTA_SET_ELEM_LIST_TABLE, set.table());
        b.end();
    }

    private static void putElements(MessageBuilder b, List<SetElement> elements) {
        int list = b.nestStart(NFTA_SET_ELEM_LIST_ELEMENTS | NLA_F_NESTED);
        for (SetElement e : elements) {
            int elem = b.nestStart(NFTA_LIST_ELEM | NLA_F_NESTED);
            e.key().encodeValue(b, NFTA_SET_ELEM_KEY);
            b.nestEnd(elem);
        }
        b.nestEnd(list);
    }

    /** The elements of a NEWSETELEM message (a dump part or a GETSETELEM answer), by key; other element attributes are not kept. */
    static List<SetElement> decodeSetElems(MessageView m) {
        expect(m, NFT_MSG_NEWSETELEM);
        List<SetElement> elements = new ArrayList<>();
        for (AttributeReader a = m.attributes(NFGENMSG_LEN); a.next(); ) {
            if (a.type() != NFTA_SET_ELEM_LIST_ELEMENTS) continue;
            for (AttributeReader list = a.nested(); list.next(); ) {
                if (list.type() != NFTA_LIST_ELEM) continue;
                NftData key = null;
                for (AttributeReader e = list.nested(); e.next(); ) {
                    if (e.type() == NFTA_SET_ELEM_KEY) key = ExprAttributes.value(e.payload());
                }
                if (key == null) throw new MalformedMessageException("set element without a key value");
                elements.add(new SetElement(key));
            }
        }
        return elements;
    }

    /** {@code ip fcnet masq_v4 { 172.16.0.2 . "eth0" }} (the key words when the key types are not known). */
    private static String elementsText(NftSet set, List<SetElement> elements) {
        StringBuilder s = new StringBuilder().append(set.family()).append(' ').append(set.table()).append(' ')
                .append(set.name()).append(" { ");
        for (int i = 0; i < elements.size(); i++) {
            if (i > 0) s.append(", ");
            SetElement e = elements.get(i);
            var types = set.keyTypes().filter(t -> SetKeyType.concatLength(t) == e.key().length());
            if (types.isEmpty()) {
                s.append(e);
                continue;
            }
            List<Object> parts = e.parts(types.get());
            for (int p = 0; p < parts.size(); p++) {
                if (p > 0) s.append(" . ");
                s.append(parts.get(p) instanceof InetAddress a ? text(a) : "\"" + parts.get(p) + "\"");
            }
        }
        return s.append(" }").toString();
    }

    /** An address as nft prints it: IPv6 with its longest run of two or more zero groups as {@code ::} (RFC 5952). */
    private static String text(InetAddress a) {
        String full = a.getHostAddress(); // IPv6: eight groups, lower case, no leading zeros
        if (!(a instanceof Inet6Address)) return full;
        String[] g = full.split(":");
        int bestAt = -1, bestLen = 1;
        for (int i = 0; i < g.length; ) {
            int j = i;
            while (j < g.length && g[j].equals("0")) j++;
            if (j - i > bestLen) {
                bestAt = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        if (bestAt < 0) return full;
        return String.join(":", Arrays.copyOfRange(g, 0, bestAt)) + "::"
                + String.join(":", Arrays.copyOfRange(g, bestAt + bestLen, g.length));
    }

    private static void expect(MessageView m, int nftMsg) {
        if (m.type() != type(nftMsg)) {
            throw new MalformedMessageException("expected nf_tables message " + nftMsg + ", got type 0x"
                    + Integer.toHexString(m.type()));
        }
    }
}
