package dev.fcnet.nft;

import static dev.fcnet.nft.NftConstants.NFPROTO_IPV4;
import static dev.fcnet.nft.NftConstants.NFPROTO_IPV6;
import static dev.fcnet.nft.NftConstants.NF_NAT_RANGE_MAP_IPS;
import static dev.fcnet.nft.NftConstants.NF_NAT_RANGE_PROTO_SPECIFIED;
import static dev.fcnet.nft.NftConstants.NFT_GOTO;
import static dev.fcnet.nft.NftConstants.NFT_JUMP;
import static dev.fcnet.nft.NftConstants.NFT_NAT_DNAT;
import static dev.fcnet.nft.NftConstants.NFT_NAT_SNAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.MessageView;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Expression records through NEWRULE messages and back, the kernel's dump forms, and the text forms. */
class NftExprCodecTest {
    /** Encodes a rule holding {@code exprs}, decodes the message, returns the decoded expressions. */
    static List<Expr> roundTrip(List<Expr> exprs) {
        return decode(encode(exprs)).exprs();
    }

    static byte[] encode(List<Expr> exprs) {
        MessageBuilder b = new MessageBuilder();
        NftMessages.newRule(b, Rule.of(NftFamily.INET, "t", "c", exprs), NftMessages.NEWRULE_FLAGS);
        return b.toByteArray();
    }

    static Rule decode(byte[] message) {
        return NftMessages.decodeRule(MessageView.of(MemorySegment.ofArray(message)));
    }

    @Test
    void everyRecordSurvivesEncodeAndDecode() {
        List<Expr> all = List.of(
                Meta.load(NftConstants.NFT_META_IIFNAME, 1),
                new Meta(3, 2, true),
                Cmp.eq(1, NftData.of((byte) 1, (byte) 2, (byte) 3)),
                new Cmp(NftConstants.NFT_CMP_GTE, 9, NftData.of((byte) 7)),
                Payload.network(12, 4, 1),
                new Payload(NftConstants.NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, 3),
                new Immediate(1, NftData.of((byte) 10, (byte) 0, (byte) 0, (byte) 2)),
                Verdict.ACCEPT, Verdict.DROP,
                new Verdict(NFT_JUMP, "other"), new Verdict(NFT_GOTO, "x"), new Verdict(NftConstants.NFT_RETURN, null),
                Masq.PLAIN, new Masq(4, 1, 2), new Masq(0, 1, 0),
                Nat.toAddress(NFT_NAT_SNAT, NFPROTO_IPV4, 1),
                new Nat(NFT_NAT_DNAT, NFPROTO_IPV6, 1, 2, 3, 4, 0x10),
                new Unknown("counter", attrs(u32(1, 0), u32(2, 5))));
        assertEquals(all, roundTrip(all));
    }

    @Test
    void unknownExpressionsAreReEmittedByteForByte() {
        // A payload write with checksum attributes and a lookup: no record holds them.
        byte[] first = encode(List.of(
                new Unknown("payload", attrs(u32(5, 1), u32(2, 1), u32(3, 10), u32(4, 2), u32(6, 1), u32(7, 10))),
                new Unknown("lookup", attrs(string(1, "set0"), u32(2, 1)))));
        Rule decoded = decode(first);
        assertInstanceOf(Unknown.class, decoded.exprs().get(0));
        assertEquals("lookup", decoded.exprs().get(1).name());
        assertArrayEquals(first, encode(decoded.exprs()));
    }

    @Test
    void kernelDumpFormsDecodeToTheRequestedRecords() {
        // The kernel dumps nat with addr_max = addr_min and MAP_IPS, masq with proto_max = proto_min.
        Rule nat = decode(encode(List.of(new Nat(NFT_NAT_SNAT, NFPROTO_IPV4, 1, 1, 2, 2,
                NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED | 8))));
        assertEquals(List.of(new Nat(NFT_NAT_SNAT, NFPROTO_IPV4, 1, 0, 2, 0, 8)), nat.exprs());
        assertEquals(List.of(new Masq(0, 3, 0)), roundTrip(List.of(new Masq(0, 3, 3))));
    }

    @Test
    void textFormsFollowLibnftnl() {
        assertEquals("[ meta set mark with reg 2 ]", new Meta(3, 2, true).toString());
        assertEquals("[ meta load unknown => reg 1 ]", Meta.load(99, 1).toString());
        assertEquals("[ cmp gte reg 9 0x00000007 ]", new Cmp(NftConstants.NFT_CMP_GTE, 9, NftData.of((byte) 7)).toString());
        assertEquals("[ payload load 2b @ transport header + 2 => reg 3 ]", new Payload(2, 2, 2, 3).toString());
        assertEquals("[ immediate reg 0 jump -> other ]", new Verdict(NFT_JUMP, "other").toString());
        assertEquals("[ immediate reg 0 drop ]", Verdict.DROP.toString());
        assertEquals("[ masq proto_min reg 1 proto_max reg 2 flags 0x4 ]", new Masq(4, 1, 2).toString());
        assertEquals("[ nat dnat ip6 addr_min reg 1 addr_max reg 2 proto_min reg 3 proto_max reg 4 flags 0x10 ]",
                new Nat(NFT_NAT_DNAT, NFPROTO_IPV6, 1, 2, 3, 4, 0x10).toString());
        assertEquals("[ counter raw 0c00 ]", new Unknown("counter", NftData.of((byte) 12, (byte) 0)).toString());
    }

    @Test
    void buildersRejectWhatNftWouldReject() {
        var v6 = NftGoldenTest.addr("fd00::1");
        var v4 = NftGoldenTest.addr("10.0.0.1");
        assertThrows(IllegalArgumentException.class, () -> ShapeRules.masquerade(NftFamily.IP, v6, "eth0"));
        assertThrows(IllegalArgumentException.class, () -> ShapeRules.masquerade(NftFamily.IP6, v4, "eth0"));
        assertThrows(IllegalArgumentException.class, () -> ShapeRules.snat(NftFamily.INET, "veth0", v4, v6));
        assertThrows(IllegalArgumentException.class, () -> ShapeRules.acceptInOut(NftFamily.IP, "sixteen-chars-xx", "eth0"));
        assertThrows(IllegalArgumentException.class, () -> ShapeRules.acceptInOut(NftFamily.IP, "", "eth0"));
        assertThrows(IllegalArgumentException.class, () -> new Verdict(NFT_JUMP, null));
    }

    private static NftData attrs(byte[]... attrs) {
        int n = 0;
        for (byte[] a : attrs) n += a.length;
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] a : attrs) {
            System.arraycopy(a, 0, all, at, a.length);
            at += a.length;
        }
        return new NftData(all);
    }

    private static byte[] u32(int type, int bigEndianValue) {
        return new byte[] {8, 0, (byte) type, 0, (byte) (bigEndianValue >>> 24), (byte) (bigEndianValue >>> 16),
            (byte) (bigEndianValue >>> 8), (byte) bigEndianValue};
    }

    /** A NUL-terminated string attribute, padded to 4 ({@code s} of 1 to 3 bytes plus NUL: 8 bytes). */
    private static byte[] string(int type, String s) {
        byte[] a = new byte[(4 + s.length() + 1 + 3) & ~3];
        a[0] = (byte) (4 + s.length() + 1);
        a[2] = (byte) type;
        System.arraycopy(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, a, 4, s.length());
        return a;
    }
}
