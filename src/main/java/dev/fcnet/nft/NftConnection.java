package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NETLINK_NETFILTER;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_NAME;
import static dev.fcnet.nft.NftConstants.NFTA_RULE_EXPRESSIONS;
import static dev.fcnet.nft.NftConstants.NFT_MSG_DELCHAIN;
import static dev.fcnet.nft.NftConstants.NFT_MSG_DELRULE;
import static dev.fcnet.nft.NftConstants.NFT_MSG_DELSETELEM;
import static dev.fcnet.nft.NftConstants.NFT_MSG_DELTABLE;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWCHAIN;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWRULE;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWSET;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWSETELEM;
import static dev.fcnet.nft.NftConstants.NFT_MSG_NEWTABLE;

import dev.fcnet.netlink.AttributeReader;
import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.MessageView;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netlink.NetlinkSocket;
import dev.fcnet.sys.Errno;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * nf_tables over one NETLINK_NETFILTER socket: transactions ({@link #commit}) and reads that ask
 * the kernel for exactly what they need (the rules of one chain, one rule by handle, the tables
 * or chains of one family, the sets of one table, one set element by key; never the whole
 * ruleset). Like its socket, it is bound to the network namespace the socket was opened in.
 * Calls are serialized (they share one message buffer).
 */
public final class NftConnection implements AutoCloseable {
    private final NetlinkSocket socket;
    /** Reused for every request: a batch of fcnet rules fits in its first few KiB. */
    private final MessageBuilder builder = new MessageBuilder(8192);
    /**
     * Element lookups go in sends of about this many bytes (some 500 requests): the replies of
     * one send wait in the socket's receive queue until read, and must fit there.
     */
    static final int LOOKUP_SEND_BYTES = 48 * 1024;

    /** Uses a NETLINK_NETFILTER socket opened elsewhere (e.g. inside another netns); closing the connection closes it. */
    public NftConnection(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens a NETLINK_NETFILTER socket in the calling thread's network namespace. */
    public static NftConnection open() {
        return new NftConnection(NetlinkSocket.open(NETLINK_NETFILTER));
    }

    /**
     * Applies {@code batch} as one nf_tables transaction: BATCH_BEGIN, its messages each with
     * NLM_F_ACK, BATCH_END, sent in one datagram. The kernel applies all of them or, when any
     * fails, none.
     *
     * @return the rules the batch added, in batch order, each with the handle the kernel gave it
     * @throws NetlinkException when the kernel refused the batch (nothing was applied): it names
     *         the first failing message, e.g. "NFT_MSG_NEWRULE ip fcnet prerouting (change 3 of
     *         4, seq 17, bad attribute NFTA_RULE_CHAIN "prerouting"; batch not applied): No such
     *         file or directory (ENOENT)", with the kernel's extended-ack text when it gave one;
     *         other failing messages are attached as suppressed exceptions
     */
    public synchronized List<Rule> commit(NftBatch batch) {
        if (batch.isEmpty()) return List.of();
        builder.clear();
        batch.encode(builder);
        return send(batch);
    }

    /**
     * Applies {@code batch} as {@link #commit(NftBatch)} does, but only if the ruleset is still
     * at {@code generation} (see {@link #generation()}): the kernel compares under its commit lock,
     * so no other transaction can come in between. Applied, the ruleset is then at exactly the
     * next generation. A caller that keeps a copy of (part of) the ruleset, read at
     * {@code generation}, thus changes it knowing the copy is exact.
     *
     * @throws NetlinkException with errno ERESTART when the generation has moved on (nothing was
     *         applied), or as {@link #commit(NftBatch)} does
     */
    public synchronized List<Rule> commit(NftBatch batch, int generation) {
        // The kernel reads generation 0 (which it never uses) as "apply unconditionally".
        if (generation == 0) throw new IllegalArgumentException("generation 0 does not exist");
        if (batch.isEmpty()) return List.of();
        builder.clear();
        batch.encode(builder, generation);
        return send(batch);
    }

    /**
     * The ruleset's generation (NFT_MSG_GETGEN, one small request): the kernel counts every
     * transaction that changes the ruleset of this namespace, whoever made it, so an unchanged
     * generation means an unchanged ruleset. (A transaction that changes nothing, or is refused,
     * does not count.)
     */
    public synchronized int generation() {
        builder.clear();
        NftMessages.getGen(builder);
        int[] found = new int[1];
        boolean[] answered = new boolean[1];
        socket.request(builder, (index, reply) -> {
            found[0] = NftMessages.decodeGen(reply);
            answered[0] = true;
        });
        if (!answered[0]) throw new IllegalStateException("NFT_MSG_GETGEN: the kernel acked without a reply");
        return found[0];
    }

    private List<Rule> send(NftBatch batch) {
        long[] handles = new long[builder.messageCount()];
        try {
            socket.request(builder, (index, reply) -> {
                if (reply.type() == NftMessages.type(NFT_MSG_NEWRULE)) handles[index] = NftMessages.decodeRule(reply).handle();
            });
        } catch (NetlinkException e) {
            throw describe(e, batch.size());
        }
        List<Rule> added = new ArrayList<>();
        List<Rule> rules = batch.addedRules();
        for (int i = 0, next = 0; i < builder.messageCount(); i++) {
            if (builder.type(i) != NftMessages.type(NFT_MSG_NEWRULE)) continue;
            if (handles[i] == 0) {
                throw new IllegalStateException("the batch was applied but the kernel did not echo " + builder.what(i)
                        + ", so its handle is unknown");
            }
            added.add(rules.get(next++).withHandle(handles[i]));
        }
        return added;
    }

    /** The rules of one chain, in chain order (a dump the kernel filters by table and chain; empty when either is missing). */
    public synchronized List<Rule> rules(NftFamily family, String table, String chain) {
        builder.clear();
        NftMessages.dumpRules(builder, family, table, chain);
        return socket.dump(builder, NftMessages::decodeRule);
    }

    /** The rule with {@code handle}, or empty when it, its chain or its table does not exist. */
    public synchronized Optional<Rule> rule(NftFamily family, String table, String chain, long handle) {
        builder.clear();
        NftMessages.getRule(builder, family, table, chain, handle);
        Rule[] found = new Rule[1];
        try {
            socket.request(builder, (index, reply) -> found[0] = NftMessages.decodeRule(reply));
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENOENT) return Optional.empty();
            throw e;
        }
        return Optional.ofNullable(found[0]);
    }

    /** The tables of one family. */
    public synchronized List<Table> tables(NftFamily family) {
        builder.clear();
        NftMessages.dumpTables(builder, family);
        return socket.dump(builder, NftMessages::decodeTable);
    }

    /** The chains of all tables of one family, per table in creation order. */
    public synchronized List<Chain> chains(NftFamily family) {
        builder.clear();
        NftMessages.dumpChains(builder, family);
        return socket.dump(builder, NftMessages::decodeChain);
    }

    /** The set {@code name} of {@code table}, or empty when it or its table does not exist (one GETSET, no dump). */
    public synchronized Optional<NftSet> set(NftFamily family, String table, String name) {
        builder.clear();
        NftMessages.getSet(builder, family, table, name);
        NftSet[] found = new NftSet[1];
        try {
            socket.request(builder, (index, reply) -> found[0] = NftMessages.decodeSet(reply));
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENOENT) return Optional.empty();
            throw e;
        }
        return Optional.ofNullable(found[0]);
    }

    /** The sets of one table, in creation order (a dump the kernel filters by family and table; empty when the table is missing). */
    public synchronized List<NftSet> sets(NftFamily family, String table) {
        builder.clear();
        NftMessages.dumpSets(builder, family, table);
        try {
            return socket.dump(builder, NftMessages::decodeSet);
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENOENT) return List.of();
            throw e;
        }
    }

    /**
     * The elements of {@code set} (its family, table and name), by key: a dump, for listing, and
     * the cheapest way to check thousands of elements at once (a few microseconds per element,
     * against some tens for {@link #contains(NftSet, List)}).
     *
     * @throws NetlinkException ENOENT when the set or its table does not exist
     */
    public synchronized List<SetElement> elements(NftSet set) {
        builder.clear();
        NftMessages.dumpSetElems(builder, set);
        List<SetElement> all = new ArrayList<>();
        socket.dump(builder, NftMessages::decodeSetElems).forEach(all::addAll);
        return all;
    }

    /**
     * Whether {@code element} is in {@code set}: one GETSETELEM carrying the key (not a dump),
     * which the kernel answers with the element or ENOENT.
     *
     * @throws NetlinkException ENOENT when the set or its table does not exist
     */
    public boolean contains(NftSet set, SetElement element) {
        return contains(set, List.of(element))[0];
    }

    /**
     * Whether each of {@code elements} is in {@code set}, in order: one GETSETELEM per element as
     * {@link #contains(NftSet, SetElement)} sends it, a few hundred of them per send (answers
     * matched to requests by sequence number), so thousands take a few round trips.
     *
     * @throws NetlinkException ENOENT when the set or its table does not exist
     */
    public synchronized boolean[] contains(NftSet set, List<SetElement> elements) {
        boolean[] present = new boolean[elements.size()];
        int elementsAt = elementsOffset(set);
        for (int start = 0; start < elements.size(); ) {
            builder.clear();
            int end = start;
            while (end < elements.size() && (end == start || builder.size() < LOOKUP_SEND_BYTES)) {
                NftMessages.getSetElem(builder, set, elements.get(end++));
            }
            int first = start;
            // An absent element is an answer, not a failure: no exception is built for it.
            socket.request(builder, (index, reply) -> present[first + index] = true,
                    (index, errno, offset) -> elementMissing(errno, offset, elementsAt));
            start = end;
        }
        return present;
    }

    /**
     * Where NFTA_SET_ELEM_LIST_ELEMENTS starts in a GETSETELEM of {@code set}: after the
     * nlmsghdr, the nfgenmsg and the set and table names (NUL-terminated, padded to 4).
     */
    private static int elementsOffset(NftSet set) {
        int setAttr = 4 + set.name().getBytes(StandardCharsets.UTF_8).length + 1;
        int tableAttr = 4 + set.table().getBytes(StandardCharsets.UTF_8).length + 1;
        return 16 + NftMessages.NFGENMSG_LEN + (setAttr + 3 & ~3) + (tableAttr + 3 & ~3);
    }

    /**
     * Whether an error answer is the kernel's ENOENT for a missing element (its extended ack
     * blames the element list, or is absent); else the set, the table or something else failed.
     */
    private static boolean elementMissing(int errno, int extAckOffset, int elementsAt) {
        return errno == Errno.ENOENT && (extAckOffset < 0 || extAckOffset >= elementsAt);
    }

    /** Closes the socket. */
    @Override
    public void close() {
        socket.close();
    }

    /**
     * The socket's failure with the batch position, sequence number and the attribute the
     * kernel blamed (nf_tables often points at one instead of explaining) in its description.
     */
    private NetlinkException describe(NetlinkException e, int changes) {
        int i = e.messageIndex();
        // A failure with a cause is the socket's own (send failed, replies lost): no kernel verdict to describe.
        if (i < 0 || e.getCause() != null) return e;
        StringBuilder what = new StringBuilder(e.what()).append(" (");
        if (i >= 1 && i <= changes) what.append("change ").append(i).append(" of ").append(changes).append(", ");
        what.append("seq ").append(Integer.toUnsignedString(e.seq()));
        if (e.extAckOffset() >= 0) {
            String blamed = blamedAttribute(MessageView.of(builder.segment().asSlice(builder.messageOffset(i))),
                    e.extAckOffset());
            if (blamed != null) what.append(", bad attribute ").append(blamed);
        }
        what.append("; batch not applied)");
        NetlinkException described = new NetlinkException(what.toString(), e.errno(), e.extAckMessage(),
                e.extAckOffset(), e.seq(), i);
        for (Throwable s : e.getSuppressed()) described.addSuppressed(s);
        described.setStackTrace(e.getStackTrace());
        return described;
    }

    /**
     * The top-level attribute of request {@code m} holding byte {@code offset} (counted from the
     * nlmsghdr, as NLMSGERR_ATTR_OFFS is), named, with its value when it is a name; null if none.
     */
    private static String blamedAttribute(MessageView m, int offset) {
        long base = m.segment().address();
        for (AttributeReader a = m.attributes(NftMessages.NFGENMSG_LEN); a.next(); ) {
            if (!holds(a, base, offset)) continue;
            String name = attributeName(m.type() & 0xff, a.type());
            if (a.type() == NFTA_RULE_EXPRESSIONS && name.equals("NFTA_RULE_EXPRESSIONS")) {
                int n = 1;
                for (AttributeReader e = a.nested(); e.next(); n++) {
                    if (holds(e, base, offset)) return name + " expression " + n + expressionName(e.nested());
                }
                return name;
            }
            if (name.equals("NFTA_SET_ELEM_LIST_ELEMENTS")) {
                int n = 1;
                for (AttributeReader e = a.nested(); e.next(); n++) {
                    if (holds(e, base, offset)) return name + " element " + n;
                }
                return name;
            }
            boolean isName = name.endsWith("_TABLE") || name.endsWith("_CHAIN") || name.endsWith("_NAME")
                    || name.endsWith("_LIST_SET") || name.endsWith("_TYPE") && !name.endsWith("_KEY_TYPE");
            return isName ? name + " \"" + a.string() + "\"" : name;
        }
        return null;
    }

    /** Whether the current attribute of {@code a}, header included, holds byte {@code offset} of the message at {@code base}. */
    private static boolean holds(AttributeReader a, long base, int offset) {
        long payload = a.payload().address() - base;
        return offset >= payload - 4 && offset < payload + a.length();
    }

    private static String expressionName(AttributeReader elem) {
        while (elem.next()) {
            if (elem.type() == NFTA_EXPR_NAME) return " (" + elem.string() + ")";
        }
        return "";
    }

    private static String attributeName(int msg, int type) {
        String[] names = switch (msg) {
            case NFT_MSG_NEWTABLE, NFT_MSG_DELTABLE -> new String[] {null, "NFTA_TABLE_NAME", "NFTA_TABLE_FLAGS"};
            case NFT_MSG_NEWCHAIN, NFT_MSG_DELCHAIN -> new String[] {null, "NFTA_CHAIN_TABLE", null, "NFTA_CHAIN_NAME",
                "NFTA_CHAIN_HOOK", "NFTA_CHAIN_POLICY", null, "NFTA_CHAIN_TYPE"};
            case NFT_MSG_NEWRULE, NFT_MSG_DELRULE -> new String[] {null, "NFTA_RULE_TABLE", "NFTA_RULE_CHAIN",
                "NFTA_RULE_HANDLE", "NFTA_RULE_EXPRESSIONS", null, null, "NFTA_RULE_USERDATA"};
            case NFT_MSG_NEWSET -> new String[] {null, "NFTA_SET_TABLE", "NFTA_SET_NAME", "NFTA_SET_FLAGS",
                "NFTA_SET_KEY_TYPE", "NFTA_SET_KEY_LEN", null, null, null, null, "NFTA_SET_ID", null, null,
                "NFTA_SET_USERDATA"};
            case NFT_MSG_NEWSETELEM, NFT_MSG_DELSETELEM -> new String[] {null, "NFTA_SET_ELEM_LIST_TABLE",
                "NFTA_SET_ELEM_LIST_SET", "NFTA_SET_ELEM_LIST_ELEMENTS", "NFTA_SET_ELEM_LIST_SET_ID"};
            default -> new String[0];
        };
        return type < names.length && names[type] != null ? names[type] : "attribute " + type;
    }
}
