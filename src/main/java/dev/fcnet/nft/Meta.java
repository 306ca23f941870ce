package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_META_DREG;
import static dev.fcnet.nft.NftConstants.NFTA_META_KEY;
import static dev.fcnet.nft.NftConstants.NFTA_META_SREG;

import dev.fcnet.netlink.MessageBuilder;
import java.lang.foreign.MemorySegment;

/**
 * {@code meta}: loads a packet or interface property ({@code key}, NFT_META_*) into a register,
 * or with {@code set} writes one from a register.
 */
public record Meta(int key, int register, boolean set) implements Expr {
    /** libnftnl's names, indexed by NFT_META_* key. */
    private static final String[] KEYS = {
        "len", "protocol", "priority", "mark", "iif", "oif", "iifname", "oifname", "iiftype", "oiftype",
        "skuid", "skgid", "nftrace", "rtclassid", "secmark", "nfproto", "l4proto", "bri_iifname",
        "bri_oifname", "pkttype", "cpu", "iifgroup", "oifgroup", "cgroup", "prandom", "secpath",
        "iifkind", "oifkind", "bri_iifpvid", "bri_iifvproto", "time", "day", "hour", "sdif", "sdifname",
        "broute",
    };

    public static Meta load(int key, int dreg) {
        return new Meta(key, dreg, false);
    }

    @Override
    public String name() {
        return "meta";
    }

    /** Key, then the register: libnftnl's order. */
    @Override
    public void encodeData(MessageBuilder b) {
        int data = b.nestStart(NFTA_EXPR_DATA | NLA_F_NESTED);
        b.putU32Be(NFTA_META_KEY, key);
        b.putU32Be(set ? NFTA_META_SREG : NFTA_META_DREG, register);
        b.nestEnd(data);
    }

    /** Null unless the data is a key with exactly one of dreg and sreg. */
    static Meta decode(MemorySegment data) {
        ExprAttributes a = ExprAttributes.read(data, NFTA_META_SREG);
        if (a == null) return null;
        if (a.hasExactly(NFTA_META_KEY, NFTA_META_DREG)) return load(a.u32Be(NFTA_META_KEY), a.u32Be(NFTA_META_DREG));
        if (a.hasExactly(NFTA_META_KEY, NFTA_META_SREG)) return new Meta(a.u32Be(NFTA_META_KEY), a.u32Be(NFTA_META_SREG), true);
        return null;
    }

    @Override
    public String toString() {
        String k = key >= 0 && key < KEYS.length ? KEYS[key] : "unknown";
        return set ? "[ meta set " + k + " with reg " + register + " ]"
                : "[ meta load " + k + " => reg " + register + " ]";
    }
}
