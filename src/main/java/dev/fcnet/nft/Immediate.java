package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.nft.NftConstants.NFTA_DATA_VERDICT;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_IMMEDIATE_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_IMMEDIATE_DREG;
import static dev.fcnet.nft.NftConstants.NFTA_VERDICT_CHAIN;
import static dev.fcnet.nft.NftConstants.NFTA_VERDICT_CODE;

import dev.fcnet.netlink.MessageBuilder;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * {@code immediate} with data: loads constant {@code data} into {@code dreg} (e.g. a NAT
 * address). An immediate carrying a verdict is a {@link Verdict}.
 */
public record Immediate(int dreg, NftData data) implements Expr {
    public Immediate {
        Objects.requireNonNull(data, "data");
    }

    @Override
    public String name() {
        return "immediate";
    }

    @Override
    public void encodeData(MessageBuilder b) {
        int nest = b.nestStart(NFTA_EXPR_DATA | NLA_F_NESTED);
        b.putU32Be(NFTA_IMMEDIATE_DREG, dreg);
        data.encodeValue(b, NFTA_IMMEDIATE_DATA);
        b.nestEnd(nest);
    }

    /** An {@link Immediate} or {@link Verdict}; null unless the data is a dreg and a value or verdict. */
    static Expr decode(MemorySegment data) {
        ExprAttributes a = ExprAttributes.read(data, NFTA_IMMEDIATE_DATA);
        if (a == null || !a.hasExactly(NFTA_IMMEDIATE_DREG, NFTA_IMMEDIATE_DATA)) return null;
        int dreg = a.u32Be(NFTA_IMMEDIATE_DREG);
        NftData value = ExprAttributes.value(a.get(NFTA_IMMEDIATE_DATA));
        if (value != null) return new Immediate(dreg, value);
        ExprAttributes d = ExprAttributes.read(a.get(NFTA_IMMEDIATE_DATA), NFTA_DATA_VERDICT);
        if (dreg != NftConstants.NFT_REG_VERDICT || d == null || !d.hasExactly(NFTA_DATA_VERDICT)) return null;
        ExprAttributes v = ExprAttributes.read(d.get(NFTA_DATA_VERDICT), NFTA_VERDICT_CHAIN);
        if (v == null) return null;
        int code = v.u32Be(NFTA_VERDICT_CODE);
        boolean jump = code == NftConstants.NFT_JUMP || code == NftConstants.NFT_GOTO;
        if (jump && v.hasExactly(NFTA_VERDICT_CODE, NFTA_VERDICT_CHAIN)) {
            return new Verdict(code, v.string(NFTA_VERDICT_CHAIN));
        }
        return !jump && v.hasExactly(NFTA_VERDICT_CODE) ? new Verdict(code, null) : null;
    }

    @Override
    public String toString() {
        return "[ immediate reg " + dreg + " " + data.words() + " ]";
    }
}
