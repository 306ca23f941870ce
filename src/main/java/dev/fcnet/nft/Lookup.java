package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_LOOKUP_FLAGS;
import static dev.fcnet.nft.NftConstants.NFTA_LOOKUP_SET;
import static dev.fcnet.nft.NftConstants.NFTA_LOOKUP_SET_ID;
import static dev.fcnet.nft.NftConstants.NFTA_LOOKUP_SREG;

import dev.fcnet.netlink.MessageBuilder;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * {@code lookup}: the rule goes on only if the key starting at register {@code sreg} is an element
 * of named set {@code set} (with NFT_LOOKUP_F_INV in {@code flags}: only if it is not).
 * {@code setId} is the NFTA_SET_ID of the set when it is added in the same transaction (0: none
 * sent); the kernel looks the set up by name first and never dumps the id, so a dumped lookup has
 * 0 there (see {@link Rule#matches}). Lookups into maps (with a dreg) decode as {@link Unknown}.
 */
public record Lookup(String set, int sreg, int setId, int flags) implements Expr {
    public Lookup {
        Objects.requireNonNull(set, "set");
    }

    /** A match on {@code set} (its name and transaction id) of the key at {@code sreg}. */
    public static Lookup of(NftSet set, int sreg) {
        return new Lookup(set.name(), sreg, set.id(), 0);
    }

    /** This lookup as the kernel dumps it: without the transaction id. */
    public Lookup withoutSetId() {
        return setId == 0 ? this : new Lookup(set, sreg, 0, flags);
    }

    @Override
    public String name() {
        return "lookup";
    }

    /** sreg, set, set id, flags: libnftnl's order; the id and flags only when not 0, as nft sends them. */
    @Override
    public void encodeData(MessageBuilder b) {
        int data = b.nestStart(NFTA_EXPR_DATA | NLA_F_NESTED);
        b.putU32Be(NFTA_LOOKUP_SREG, sreg);
        b.putString(NFTA_LOOKUP_SET, set);
        if (setId != 0) b.putU32Be(NFTA_LOOKUP_SET_ID, setId);
        if (flags != 0) b.putU32Be(NFTA_LOOKUP_FLAGS, flags);
        b.nestEnd(data);
    }

    /** Null unless the data is a set name and sreg, with optional set id and flags (the kernel dumps flags 0). */
    static Lookup decode(MemorySegment data) {
        ExprAttributes a = ExprAttributes.read(data, NFTA_LOOKUP_FLAGS);
        if (a == null || !a.has(NFTA_LOOKUP_SET) || !a.has(NFTA_LOOKUP_SREG) || a.has(NftConstants.NFTA_LOOKUP_DREG)) {
            return null;
        }
        return new Lookup(a.string(NFTA_LOOKUP_SET), a.u32Be(NFTA_LOOKUP_SREG), a.u32Be(NFTA_LOOKUP_SET_ID),
                a.u32Be(NFTA_LOOKUP_FLAGS));
    }

    @Override
    public String toString() {
        return "[ lookup reg " + sreg + " set " + set + (flags == 0 ? "" : " 0x" + Integer.toHexString(flags)) + " ]";
    }
}
