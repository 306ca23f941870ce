package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_MASQ_FLAGS;
import static dev.fcnet.nft.NftConstants.NFTA_MASQ_REG_PROTO_MAX;
import static dev.fcnet.nft.NftConstants.NFTA_MASQ_REG_PROTO_MIN;

import dev.fcnet.netlink.MessageBuilder;
import java.lang.foreign.MemorySegment;

/**
 * {@code masq}: source NAT to the outgoing interface's address. {@code flags} are NF_NAT_RANGE_*
 * (0: none sent); the proto registers are 0 when absent (register 0 is the verdict register,
 * never a source). A dumped {@code proto_max} equal to {@code proto_min} decodes as absent: the
 * kernel fills it in when the request had none.
 */
public record Masq(int flags, int regProtoMin, int regProtoMax) implements Expr {
    /** Plain {@code masquerade}: an empty data nest, as nft sends it. */
    public static final Masq PLAIN = new Masq(0, 0, 0);

    @Override
    public String name() {
        return "masq";
    }

    @Override
    public void encodeData(MessageBuilder b) {
        int data = b.nestStart(NFTA_EXPR_DATA | NLA_F_NESTED);
        if (flags != 0) b.putU32Be(NFTA_MASQ_FLAGS, flags);
        if (regProtoMin != 0) b.putU32Be(NFTA_MASQ_REG_PROTO_MIN, regProtoMin);
        if (regProtoMax != 0) b.putU32Be(NFTA_MASQ_REG_PROTO_MAX, regProtoMax);
        b.nestEnd(data);
    }

    /** Null when the data holds other attributes, or a proto_max without proto_min. */
    static Masq decode(MemorySegment data) {
        ExprAttributes a = ExprAttributes.read(data, NFTA_MASQ_REG_PROTO_MAX);
        if (a == null) return null;
        int min = a.u32Be(NFTA_MASQ_REG_PROTO_MIN);
        int max = a.u32Be(NFTA_MASQ_REG_PROTO_MAX);
        if (min == 0 && max != 0) return null;
        return new Masq(a.u32Be(NFTA_MASQ_FLAGS), min, max == min ? 0 : max);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[ masq ");
        if (regProtoMin != 0) s.append("proto_min reg ").append(regProtoMin).append(' ');
        if (regProtoMax != 0) s.append("proto_max reg ").append(regProtoMax).append(' ');
        if (flags != 0) s.append("flags 0x").append(Integer.toHexString(flags)).append(' ');
        return s.append(']').toString();
    }
}
