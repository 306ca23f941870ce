package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ECHO;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.MessageReader;
import dev.fcnet.netlink.MessageView;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our messages against what nft 1.0.6 sent for the same nft text (fixtures made by
 * golden/nft/capture.sh): the whole batch byte for byte (sequence numbers masked, and with nft's
 * flags: we add NLM_F_ACK, and NLM_F_ECHO on rules, checked separately), the rule text of
 * {@code nft --debug=netlink}, and nft's NEWRULE decoded into exactly the records we build.
 */
class NftGoldenTest {
    static final String[] SHAPES = {"simple-masq", "simple-filter", "ns-snat", "ns-dnat", "host-masq",
        "host-filter-in", "host-filter-out"};
    static final String[] FAMILIES = {"ip", "ip6", "inet-ip", "inet-ip6"};

    static Stream<String> ruleFixtures() {
        List<String> names = new ArrayList<>();
        for (String f : FAMILIES) for (String s : SHAPES) names.add(f + "-" + s);
        return names.stream();
    }

    /** The rule of capture.sh's fixture NAME, made by our builders with the same parameters. */
    static Rule rule(String name) {
        boolean v6 = name.startsWith("ip6-") || name.startsWith("inet-ip6-");
        NftFamily family = name.startsWith("inet-") ? NftFamily.INET : v6 ? NftFamily.IP6 : NftFamily.IP;
        InetAddress guest = addr(v6 ? "fd00:16::2" : "172.16.0.2");
        InetAddress veth2 = addr(v6 ? "fd00:10::2" : "10.0.0.2");
        InetAddress forwarded = addr(v6 ? "fd00:192:168::3" : "192.168.0.3");
        String shape = name.substring(name.indexOf('-', family == NftFamily.INET ? 5 : 0) + 1);
        return switch (shape) {
            case "simple-masq" -> ShapeRules.masquerade(family, guest, "eth0");
            case "simple-filter" -> ShapeRules.acceptInOut(family, "tap0", "eth0");
            case "ns-snat" -> ShapeRules.snat(family, "veth0", guest, veth2);
            case "ns-dnat" -> ShapeRules.dnat(family, "veth0", forwarded, guest);
            case "host-masq" -> ShapeRules.masquerade(family, veth2, "eth0");
            case "host-filter-in" -> ShapeRules.acceptInOut(family, "eth0", "veth1");
            case "host-filter-out" -> ShapeRules.acceptOutIn(family, "eth0", "veth1");
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @MethodSource("ruleFixtures")
    void newRuleBatchEqualsNfts(String name) {
        NftFixture fx = NftFixture.load(name);
        assertBatch(fx, b -> NftMessages.newRule(b, rule(name), nftFlags(fx)));
        assertEquals(nftFlags(fx) | NLM_F_ACK | NLM_F_ECHO, NftMessages.NEWRULE_FLAGS, "our flags: nft's plus ACK and ECHO");
    }

    @ParameterizedTest
    @MethodSource("ruleFixtures")
    void ruleTextEqualsNftDebugNetlink(String name) {
        assertEquals(NftFixture.load(name).debug(), rule(name).toString().strip());
    }

    @ParameterizedTest
    @MethodSource("ruleFixtures")
    void nftsRuleDecodesToOurRecords(String name) {
        Rule decoded = NftMessages.decodeRule(message(NftFixture.load(name).batch(), 1));
        assertEquals(rule(name), decoded);
    }

    @ParameterizedTest
    @MethodSource("tableAndChainFixtures")
    void tableAndChainMessagesEqualNfts(String name) {
        NftFixture fx = NftFixture.load(name);
        NftFamily family = NftFamily.valueOf(name.substring(0, name.indexOf('-')).toUpperCase());
        Chain chain = name.endsWith("-postrouting") ? FcnetTable.postroutingChain(family)
                : name.endsWith("-filter") ? FcnetTable.filterChain(family)
                : name.endsWith("-prerouting") ? FcnetTable.preroutingChain(family) : null;
        if (chain == null) {
            assertBatch(fx, b -> NftMessages.newTable(b, FcnetTable.table(family), nftFlags(fx)));
            assertEquals(nftFlags(fx) | NLM_F_ACK, NftMessages.NEWTABLE_FLAGS);
        } else {
            assertBatch(fx, b -> NftMessages.newChain(b, chain, nftFlags(fx)));
            assertEquals(nftFlags(fx) | NLM_F_ACK, NftMessages.NEWCHAIN_FLAGS);
            assertEquals(chain, NftMessages.decodeChain(message(fx.batch(), 1)));
        }
    }

    static Stream<String> tableAndChainFixtures() {
        return Stream.of("ip", "ip6", "inet").flatMap(f -> Stream.of(f + "-table", f + "-chain-postrouting",
                f + "-chain-filter", f + "-chain-prerouting"));
    }

    @Test
    void getGenEqualsNftsWithAck() {
        byte[] nfts = NftFixture.load("getgen").batch().clone();
        nfts[6] |= NLM_F_ACK; // nlmsg_flags, low byte
        MessageBuilder b = new MessageBuilder();
        NftMessages.getGen(b);
        assertEquals(hex(maskSeqAndPort(nfts)), hex(maskSeqAndPort(b.toByteArray())));
    }

    @Test
    void deleteMessagesEqualNfts() {
        NftFixture rule = NftFixture.load("ip-delete-rule");
        assertEquals(NftMessages.DELETE_FLAGS, nftFlags(rule) | NLM_F_ACK);
        assertBatch(rule, b -> NftMessages.delRule(b, NftFamily.IP, "fcnet", "postrouting", 2, nftFlags(rule)));
        NftFixture chain = NftFixture.load("ip-delete-chain");
        assertBatch(chain, b -> NftMessages.delChain(b, FcnetTable.postroutingChain(NftFamily.IP), nftFlags(chain)));
        NftFixture table = NftFixture.load("ip-delete-table");
        assertBatch(table, b -> NftMessages.delTable(b, FcnetTable.table(NftFamily.IP), nftFlags(table)));
        assertEquals(NftMessages.DELETE_FLAGS, nftFlags(chain) | NLM_F_ACK);
        assertEquals(NftMessages.DELETE_FLAGS, nftFlags(table) | NLM_F_ACK);
    }

    @Test
    void userdataIsKeptAndPrintedAsNftDoes() {
        NftFixture fx = NftFixture.load("ip-rule-comment");
        Rule decoded = NftMessages.decodeRule(message(fx.batch(), 1));
        assertEquals(NftData.of((byte) 0, (byte) 3, (byte) 'h', (byte) 'i', (byte) 0), decoded.userdata());
        assertEquals(List.of(Masq.PLAIN), decoded.exprs());
        assertEquals(fx.debug(), decoded.toString().strip());
        assertBatch(fx, b -> NftMessages.newRule(b, decoded, nftFlags(fx)));
    }

    /** Our BATCH_BEGIN, the message {@code body} writes, BATCH_END: equal to nft's with seq and port id masked. */
    static void assertBatch(NftFixture fx, Consumer<MessageBuilder> body) {
        MessageBuilder b = new MessageBuilder();
        NftMessages.batchBegin(b);
        body.accept(b);
        NftMessages.batchEnd(b);
        assertEquals(hex(maskSeqAndPort(fx.batch())), hex(maskSeqAndPort(b.toByteArray())), fx.command());
    }

    /** nlmsg_flags of nft's message (the one between BATCH_BEGIN and BATCH_END). */
    static int nftFlags(NftFixture fx) {
        return message(fx.batch(), 1).flags();
    }

    static MessageView message(byte[] batch, int index) {
        MessageReader r = new MessageReader(MemorySegment.ofArray(batch));
        for (int i = 0; i <= index; i++) {
            if (!r.next()) throw new AssertionError("batch has no message " + index);
        }
        return r.message();
    }

    static byte[] maskSeqAndPort(byte[] batch) {
        byte[] b = batch.clone();
        MessageReader r = new MessageReader(MemorySegment.ofArray(b));
        int at = 0;
        while (r.next()) {
            java.util.Arrays.fill(b, at + 8, at + 16, (byte) 0);
            at += (r.message().length() + 3) & ~3;
        }
        return b;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        String h = HexFormat.of().formatHex(b);
        for (int i = 0; i < h.length(); i += 32) s.append(h, i, Math.min(h.length(), i + 32)).append('\n');
        return s.toString();
    }

    static InetAddress addr(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
