package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.nft.NftConstants.NFTA_DATA_VERDICT;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_IMMEDIATE_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_IMMEDIATE_DREG;
import static dev.fcnet.nft.NftConstants.NFTA_VERDICT_CHAIN;
import static dev.fcnet.nft.NftConstants.NFTA_VERDICT_CODE;
import static dev.fcnet.nft.NftConstants.NFT_REG_VERDICT;

import dev.fcnet.netlink.MessageBuilder;

/**
 * A verdict: on the wire an {@code immediate} into the verdict register (reg 0) with
 * NFTA_DATA_VERDICT; {@code chain} names the target of jump/goto and is null otherwise.
 * Decoded by {@link Immediate#decode}.
 */
public record Verdict(int code, String chain) implements Expr {
    public static final Verdict ACCEPT = new Verdict(NftConstants.NF_ACCEPT, null);
    public static final Verdict DROP = new Verdict(NftConstants.NF_DROP, null);

    public Verdict {
        boolean needsChain = code == NftConstants.NFT_JUMP || code == NftConstants.NFT_GOTO;
        if (needsChain != (chain != null)) {
            throw new IllegalArgumentException("a chain goes with jump and goto only (code " + code + ", chain " + chain + ")");
        }
    }

    @Override
    public String name() {
        return "immediate";
    }

    @Override
    public void encodeData(MessageBuilder b) {
        int nest = b.nestStart(NFTA_EXPR_DATA | NLA_F_NESTED);
        b.putU32Be(NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
        int data = b.nestStart(NFTA_IMMEDIATE_DATA | NLA_F_NESTED);
        int verdict = b.nestStart(NFTA_DATA_VERDICT | NLA_F_NESTED);
        b.putU32Be(NFTA_VERDICT_CODE, code);
        if (chain != null) b.putString(NFTA_VERDICT_CHAIN, chain);
        b.nestEnd(verdict);
        b.nestEnd(data);
        b.nestEnd(nest);
    }

    @Override
    public String toString() {
        return "[ immediate reg " + NFT_REG_VERDICT + " " + text(code) + (chain == null ? "" : " -> " + chain) + " ]";
    }

    /** libnftnl's verdict2str. */
    private static String text(int code) {
        return switch (code) {
            case NftConstants.NF_ACCEPT -> "accept";
            case NftConstants.NF_DROP -> "drop";
            case NftConstants.NF_STOLEN -> "stolen";
            case NftConstants.NF_QUEUE -> "queue";
            case NftConstants.NF_REPEAT -> "repeat";
            case NftConstants.NF_STOP -> "stop";
            case NftConstants.NFT_RETURN -> "return";
            case NftConstants.NFT_JUMP -> "jump";
            case NftConstants.NFT_GOTO -> "goto";
            case NftConstants.NFT_CONTINUE -> "continue";
            case NftConstants.NFT_BREAK -> "break";
            default -> "unknown";
        };
    }
}
