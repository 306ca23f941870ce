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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
                new Lookup("masq_v4", 1, 0, 0), new Lookup("fwd_pairs", 1, 3, 0),
                new Lookup("s", NftConstants.NFT_REG32_00 + 1, 0, NftConstants.NFT_LOOKUP_F_INV),
                new Unknown("counter", attrs(u32(1, 0), u32(2, 5))));
        assertEquals(all, roundTrip(all));
    }

    @Test
    void unknownExpressionsAreReEmittedByteForByte() {
        // A payload write with checksum attributes and a map lookup (with a dreg): no record holds them.
        byte[] first = encode(List.of(
                new Unknown("payload", attrs(u32(5, 1), u32(2, 1), u32(3, 10), u32(4, 2), u32(6, 1), u32(7, 10))),
                new Unknown("lookup", attrs(string(1, "set0"), u32(2, 1), u32(3, 2)))));
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
        // The kernel dumps a lookup as set, sreg and flags 0, without the set id.
        Rule lookup = decode(encode(List.of(new Unknown("lookup", attrs(string(1, "set0"), u32(2, 9), u32(5, 0))))));
        assertEquals(List.of(new Lookup("set0", 9, 0, 0)), lookup.exprs());
    }

    @Test
    void rulesMatchWhateverTheLookupsSetIds() {
        Rule built = Rule.of(NftFamily.IP, "t", "c", List.of(Meta.load(NftConstants.NFT_META_IIFNAME, 1),
                new Lookup("s", 1, 2, 0), Verdict.ACCEPT));
        Rule dumped = Rule.of(NftFamily.IP, "t", "c", List.of(Meta.load(NftConstants.NFT_META_IIFNAME, 1),
                new Lookup("s", 1, 0, 0), Verdict.ACCEPT));
        Rule other = Rule.of(NftFamily.IP, "t", "c", List.of(Meta.load(NftConstants.NFT_META_IIFNAME, 1),
                new Lookup("t", 1, 2, 0), Verdict.ACCEPT));
        assertTrue(built.matches(dumped));
        assertTrue(dumped.matches(built));
        assertFalse(built.matches(other));
    }

    @Test
    void selectorsLoadTheKeyInNftsRegisters() {
        // 32-bit units from register 1: a 16-byte register where one starts, else NFT_REG32_xx.
        assertEquals(List.of(1, 9, 10, 11, 2, 13, 3, 4), List.of(Selector.register(0), Selector.register(1),
                Selector.register(2), Selector.register(3), Selector.register(4), Selector.register(5),
                Selector.register(8), Selector.register(12)));
        NftSet v4 = NftSet.concat(NftFamily.IP, "t", "s", 0, List.of(SetKeyType.IPV4_ADDR, SetKeyType.IFNAME));
        NftSet v6 = NftSet.concat(NftFamily.IP6, "t", "s", 0, List.of(SetKeyType.IPV6_ADDR, SetKeyType.IFNAME));
        var sel = List.of(Selector.IP_SADDR, Selector.OIFNAME);
        assertThrows(IllegalArgumentException.class, () -> Selector.lookup(NftFamily.IP, v6, sel), "key types differ");
        assertThrows(IllegalArgumentException.class, () -> Selector.lookup(NftFamily.IP6, v4, sel), "no ip saddr in ip6");
        assertThrows(IllegalArgumentException.class,
                () -> Selector.lookup(NftFamily.IP, v6, List.of(Selector.IP6_SADDR, Selector.OIFNAME)), "no ip6 saddr in ip");
        assertThrows(IllegalArgumentException.class,
                () -> NftSet.concat(NftFamily.IP, "t", "s", 0, List.of(SetKeyType.IFNAME)), "one type is no concatenation");
    }

    @Test
    void elementMessagesNameTheirElementsAsNftWritesThem() {
        NftSet v6 = NftSet.concat(NftFamily.IP6, "fcnet", "masq_v6", 0, List.of(SetKeyType.IPV6_ADDR, SetKeyType.IFNAME));
        List<String> addrs = List.of("fd00:16::2", "::1", "fd00:0:0:1::1", "1::", "fd00:1:2:3:4:5:6:7", "fd00::1:0:0:1");
        MessageBuilder b = new MessageBuilder();
        NftMessages.newSetElems(b, v6, addrs.stream().map(a -> SetElement.of(NftGoldenTest.addr(a), "eth0")).toList(),
                NftMessages.NEWSETELEM_FLAGS);
        NftMessages.getSetElem(b, NftSet.concat(NftFamily.INET, "fcnet", "fwd_pairs", 0,
                List.of(SetKeyType.IFNAME, SetKeyType.IFNAME)), SetElement.of("tap0", "eth0"));
        assertEquals("NFT_MSG_NEWSETELEM ip6 fcnet masq_v6 { fd00:16::2 . \"eth0\", ::1 . \"eth0\", fd00:0:0:1::1 . \"eth0\", "
                + "1:: . \"eth0\", fd00:1:2:3:4:5:6:7 . \"eth0\", fd00::1:0:0:1 . \"eth0\" }", b.what(0));
        assertEquals("NFT_MSG_GETSETELEM inet fcnet fwd_pairs { \"tap0\" . \"eth0\" }", b.what(1));
    }

    @Test
    void elementKeysArePaddedPartsThatReadBack() {
        var v6 = NftGoldenTest.addr("fd00::1");
        SetElement e = SetElement.of(v6, "eth0");
        assertEquals(32, e.key().length());
        assertEquals(List.of(v6, "eth0"), e.parts(List.of(SetKeyType.IPV6_ADDR, SetKeyType.IFNAME)));
        assertEquals(List.of("tap0", "veth1"), SetElement.of("tap0", "veth1").parts(List.of(SetKeyType.IFNAME, SetKeyType.IFNAME)));
        assertThrows(IllegalArgumentException.class, () -> e.parts(List.of(SetKeyType.IPV4_ADDR, SetKeyType.IFNAME)));
        assertThrows(IllegalArgumentException.class, () -> SetElement.of("tap0", "sixteen-chars-xx"));
        assertEquals(java.util.Optional.of(List.of(SetKeyType.IFNAME, SetKeyType.IFNAME)), SetKeyType.ofConcatId(0xa69));
        assertEquals(java.util.Optional.empty(), SetKeyType.ofConcatId(7 << 6 | 12), "type 12 is not modelled");
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
        assertEquals("[ lookup reg 9 set s 0x1 ]", new Lookup("s", 9, 4, 1).toString());
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
