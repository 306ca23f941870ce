package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.nft.NftConstants.NFTA_CMP_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_CMP_OP;
import static dev.fcnet.nft.NftConstants.NFTA_CMP_SREG;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;

import dev.fcnet.netlink.MessageBuilder;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** {@code cmp}: compares register {@code sreg} with {@code data} (op NFT_CMP_*); the rule stops on mismatch. */
public record Cmp(int op, int sreg, NftData data) implements Expr {
    private static final String[] OPS = {"eq", "neq", "lt", "lte", "gt", "gte"};

    public Cmp {
        Objects.requireNonNull(data, "data");
    }

    public static Cmp eq(int sreg, NftData data) {
        return new Cmp(NftConstants.NFT_CMP_EQ, sreg, data);
    }

    @Override
    public String name() {
        return "cmp";
    }

    @Override
    public void encodeData(MessageBuilder b) {
        int nest = b.nestStart(NFTA_EXPR_DATA | NLA_F_NESTED);
        b.putU32Be(NFTA_CMP_SREG, sreg);
        b.putU32Be(NFTA_CMP_OP, op);
        data.encodeValue(b, NFTA_CMP_DATA);
        b.nestEnd(nest);
    }

    /** Null unless the data is sreg, op and a value. */
    static Cmp decode(MemorySegment data) {
        ExprAttributes a = ExprAttributes.read(data, NFTA_CMP_DATA);
        if (a == null || !a.hasExactly(NFTA_CMP_SREG, NFTA_CMP_OP, NFTA_CMP_DATA)) return null;
        NftData value = ExprAttributes.value(a.get(NFTA_CMP_DATA));
        return value == null ? null : new Cmp(a.u32Be(NFTA_CMP_OP), a.u32Be(NFTA_CMP_SREG), value);
    }

    @Override
    public String toString() {
        String o = op >= 0 && op < OPS.length ? OPS[op] : "unknown";
        return "[ cmp " + o + " reg " + sreg + " " + data.words() + " ]";
    }
}
