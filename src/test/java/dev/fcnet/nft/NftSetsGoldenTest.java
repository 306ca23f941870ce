package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK;
import static dev.fcnet.nft.NftGoldenTest.addr;
import static dev.fcnet.nft.NftGoldenTest.assertBatch;
import static dev.fcnet.nft.NftGoldenTest.hex;
import static dev.fcnet.nft.NftGoldenTest.maskSeqAndPort;
import static dev.fcnet.nft.NftGoldenTest.message;
import static dev.fcnet.nft.NftGoldenTest.nftFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.MessageView;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sets ruleset of DESIGN §3b against what nft 1.0.6 sent for the same nft text (fixtures
 * sets-* made by golden/nft/capture.sh): each set added to each table family, its rule, an
 * element created (NLM_F_EXCL) and deleted, one element read by key, a set read by name and the
 * dump of a set's elements; byte for byte (sequence numbers masked, plus our NLM_F_ACK), and
 * nft's messages decoded into exactly the records we build, which encode back to nft's bytes.
 */
class NftSetsGoldenTest {
    /** FAMILY-SET: every set in every table family DESIGN §3b puts it in. */
    static final List<String> CONFIGS = List.of("ip-masq_v4", "ip-fwd_pairs", "ip6-masq_v6", "ip6-fwd_pairs",
            "inet-masq_v4", "inet-masq_v6", "inet-fwd_pairs");

    static NftFamily family(String config) {
        return NftFamily.valueOf(config.substring(0, config.indexOf('-')).toUpperCase());
    }

    static String setName(String config) {
        return config.substring(config.indexOf('-') + 1);
    }

    /** The set as capture.sh added it; nft numbered it 1 (the only set its process knew). */
    static NftSet set(NftFamily family, String name) {
        List<SetKeyType> key = switch (name) {
            case "masq_v4" -> List.of(SetKeyType.IPV4_ADDR, SetKeyType.IFNAME);
            case "masq_v6" -> List.of(SetKeyType.IPV6_ADDR, SetKeyType.IFNAME);
            case "fwd_pairs" -> List.of(SetKeyType.IFNAME, SetKeyType.IFNAME);
            default -> throw new IllegalArgumentException(name);
        };
        return NftSet.concat(family, "fcnet", name, 1, key);
    }

    static NftSet set(String config) {
        return set(family(config), setName(config));
    }

    /** capture.sh's element of each set. */
    static SetElement element(String name) {
        return switch (name) {
            case "masq_v4" -> SetElement.of(addr("172.16.0.2"), "eth0");
            case "masq_v6" -> SetElement.of(addr("fd00:16::2"), "eth0");
            case "fwd_pairs" -> SetElement.of("tap0", "eth0");
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The rule of each set: {@code ip saddr . oifname @masq_v4 masquerade}, {@code iifname . oifname @fwd_pairs accept}. */
    static Rule rule(NftSet set) {
        List<Expr> e = new ArrayList<>();
        switch (set.name()) {
            case "masq_v4", "masq_v6" -> {
                Selector address = set.name().equals("masq_v4") ? Selector.IP_SADDR : Selector.IP6_SADDR;
                e.addAll(Selector.lookup(set.family(), set, List.of(address, Selector.OIFNAME)));
                e.add(Masq.PLAIN);
                return Rule.of(set.family(), "fcnet", "postrouting", e);
            }
            default -> {
                e.addAll(Selector.lookup(set.family(), set, List.of(Selector.IIFNAME, Selector.OIFNAME)));
                e.add(Verdict.ACCEPT);
                return Rule.of(set.family(), "fcnet", "filter", e);
            }
        }
    }

    static Stream<String> configs() {
        return CONFIGS.stream();
    }

    static NftFixture fixture(String config, String what) {
        return NftFixture.load("sets-" + config + "-" + what);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void newSetEqualsNftsAndDecodesToOurRecord(String config) {
        NftFixture fx = fixture(config, "set");
        assertBatch(fx, b -> NftMessages.newSet(b, set(config), nftFlags(fx)));
        assertEquals(nftFlags(fx) | NLM_F_ACK, NftMessages.NEWSET_FLAGS, "our flags: nft's plus ACK");
        NftSet decoded = NftMessages.decodeSet(message(fx.batch(), 1));
        assertEquals(set(config), decoded);
        assertBatch(fx, b -> NftMessages.newSet(b, decoded, nftFlags(fx)));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void lookupRuleEqualsNftsAndDecodesToOurRecords(String config) {
        NftFixture fx = fixture(config, "rule");
        Rule rule = rule(set(config));
        assertBatch(fx, b -> NftMessages.newRule(b, rule, nftFlags(fx)));
        assertEquals(fx.debug(), rule.toString().strip());
        Rule decoded = NftMessages.decodeRule(message(fx.batch(), 1));
        assertEquals(rule, decoded);
        assertBatch(fx, b -> NftMessages.newRule(b, decoded, nftFlags(fx)));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void createElementEqualsNftsWithExcl(String config) {
        NftFixture fx = fixture(config, "create-element");
        SetElement element = element(setName(config));
        assertBatch(fx, b -> NftMessages.newSetElems(b, set(config), List.of(element), nftFlags(fx)));
        assertEquals(nftFlags(fx) | NLM_F_ACK, NftMessages.NEWSETELEM_FLAGS, "nft's create: CREATE and EXCL");
        List<SetElement> decoded = NftMessages.decodeSetElems(message(fx.batch(), 1));
        assertEquals(List.of(element), decoded);
        assertBatch(fx, b -> NftMessages.newSetElems(b, set(config), decoded, nftFlags(fx)));
        // nft --debug=netlink prints the set, then "element <key words>  : 0 [end]".
        assertEquals("element " + element + "  : 0 [end]", fx.debug().lines().toList().get(1).strip());
    }

    @ParameterizedTest
    @MethodSource("configs")
    void deleteElementEqualsNfts(String config) {
        NftFixture fx = fixture(config, "delete-element");
        SetElement element = element(setName(config));
        assertBatch(fx, b -> NftMessages.delSetElems(b, set(config), List.of(element), nftFlags(fx)));
        assertEquals(nftFlags(fx) | NLM_F_ACK, NftMessages.DELETE_FLAGS);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void getElementEqualsNfts(String config) {
        assertRequest(fixture(config, "get-element"), b -> NftMessages.getSetElem(b, set(config), element(setName(config))));
    }

    @Test
    void setAndElementReadsEqualNfts() {
        NftSet masq = set(NftFamily.IP, "masq_v4");
        assertRequest(NftFixture.load("sets-ip-getset"), b -> NftMessages.getSet(b, NftFamily.IP, "fcnet", "masq_v4"));
        assertRequest(NftFixture.load("sets-ip-dump-elements"), b -> NftMessages.dumpSetElems(b, masq));
    }

    /** {@code nft delete set ip fcnet masq_v4}: NFT_MSG_DELSET by table and name; a batch's deleteSet sends it with our NLM_F_ACK. */
    @Test
    void deleteSetEqualsNfts() {
        NftFixture fx = NftFixture.load("sets-ip-delete-set");
        NftSet masq = set(NftFamily.IP, "masq_v4");
        assertBatch(fx, b -> NftMessages.delSet(b, masq, nftFlags(fx)));
        assertEquals(nftFlags(fx) | NLM_F_ACK, NftMessages.DELETE_FLAGS);
        MessageBuilder ours = new MessageBuilder();
        new NftBatch().deleteSet(masq).encode(ours);
        byte[] nfts = fx.batch().clone();
        nfts[nftMessageOffset(nfts) + 6] |= NLM_F_ACK; // nlmsg_flags of the DELSET, low byte
        assertEquals(hex(maskSeqAndPort(nfts)), hex(maskSeqAndPort(ours.toByteArray())));
    }

    /** Where the message after BATCH_BEGIN starts: BATCH_BEGIN's nlmsg_len. */
    private static int nftMessageOffset(byte[] batch) {
        return (batch[0] & 0xff) | (batch[1] & 0xff) << 8;
    }

    /**
     * A request nft sent alone (not in a batch), with the same flags as ours: equal with seq and
     * port masked, and the padding after nft's string attributes zeroed (nft leaves stale bytes there).
     */
    static void assertRequest(NftFixture fx, Consumer<MessageBuilder> body) {
        MessageBuilder b = new MessageBuilder();
        body.accept(b);
        assertEquals(hex(maskSeqAndPort(zeroPadding(fx.batch()))), hex(maskSeqAndPort(b.toByteArray())), fx.command());
    }

    /** The message with the padding of its top-level attributes zeroed. */
    static byte[] zeroPadding(byte[] message) {
        byte[] m = message.clone();
        MessageView v = MessageView.of(MemorySegment.ofArray(m));
        int at = 16 + NftMessages.NFGENMSG_LEN;
        while (at + 4 <= v.length()) {
            int len = (m[at] & 0xff) | (m[at + 1] & 0xff) << 8;
            int aligned = len + 3 & ~3;
            for (int i = at + len; i < at + aligned && i < m.length; i++) m[i] = 0;
            at += aligned;
        }
        return m;
    }
}
