package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_NAT_FAMILY;
import static dev.fcnet.nft.NftConstants.NFTA_NAT_FLAGS;
import static dev.fcnet.nft.NftConstants.NFTA_NAT_REG_ADDR_MAX;
import static dev.fcnet.nft.NftConstants.NFTA_NAT_REG_ADDR_MIN;
import static dev.fcnet.nft.NftConstants.NFTA_NAT_REG_PROTO_MAX;
import static dev.fcnet.nft.NftConstants.NFTA_NAT_REG_PROTO_MIN;
import static dev.fcnet.nft.NftConstants.NFTA_NAT_TYPE;
import static dev.fcnet.nft.NftConstants.NF_NAT_RANGE_MAP_IPS;
import static dev.fcnet.nft.NftConstants.NF_NAT_RANGE_PROTO_SPECIFIED;

import dev.fcnet.netlink.MessageBuilder;
import java.lang.foreign.MemorySegment;

/**
 * {@code nat}: snat or dnat ({@code type} NFT_NAT_*) of {@code family} (NFPROTO_*; nft sends it
 * in every table family, ip and ip6 too) to the addresses/ports in the given registers; a
 * register is 0 when absent. {@code flags} are the NF_NAT_RANGE_* flags of the request.
 *
 * <p>The kernel's dump adds what it derives from a request: {@code addr_max} (= {@code addr_min})
 * with MAP_IPS, {@code proto_max} (= {@code proto_min}) with PROTO_SPECIFIED. Decoding drops
 * exactly those, so a dumped rule equals the record that was sent.
 */
public record Nat(int type, int family, int regAddrMin, int regAddrMax, int regProtoMin, int regProtoMax, int flags)
        implements Expr {
    /** {@code snat|dnat to <address in regAddr>}, as nft emits it. */
    public static Nat toAddress(int type, int family, int regAddr) {
        return new Nat(type, family, regAddr, 0, 0, 0, 0);
    }

    @Override
    public String name() {
        return "nat";
    }

    @Override
    public void encodeData(MessageBuilder b) {
        int data = b.nestStart(NFTA_EXPR_DATA | NLA_F_NESTED);
        b.putU32Be(NFTA_NAT_TYPE, type);
        b.putU32Be(NFTA_NAT_FAMILY, family);
        if (regAddrMin != 0) b.putU32Be(NFTA_NAT_REG_ADDR_MIN, regAddrMin);
        if (regAddrMax != 0) b.putU32Be(NFTA_NAT_REG_ADDR_MAX, regAddrMax);
        if (regProtoMin != 0) b.putU32Be(NFTA_NAT_REG_PROTO_MIN, regProtoMin);
        if (regProtoMax != 0) b.putU32Be(NFTA_NAT_REG_PROTO_MAX, regProtoMax);
        if (flags != 0) b.putU32Be(NFTA_NAT_FLAGS, flags);
        b.nestEnd(data);
    }

    /** Null without type and family, or with a max register but no min. */
    static Nat decode(MemorySegment data) {
        ExprAttributes a = ExprAttributes.read(data, NFTA_NAT_FLAGS);
        if (a == null || !a.has(NFTA_NAT_TYPE) || !a.has(NFTA_NAT_FAMILY)) return null;
        int addrMin = a.u32Be(NFTA_NAT_REG_ADDR_MIN), addrMax = a.u32Be(NFTA_NAT_REG_ADDR_MAX);
        int protoMin = a.u32Be(NFTA_NAT_REG_PROTO_MIN), protoMax = a.u32Be(NFTA_NAT_REG_PROTO_MAX);
        if (addrMin == 0 && addrMax != 0 || protoMin == 0 && protoMax != 0) return null;
        int flags = a.u32Be(NFTA_NAT_FLAGS);
        if (addrMin != 0) flags &= ~NF_NAT_RANGE_MAP_IPS;
        if (protoMin != 0) flags &= ~NF_NAT_RANGE_PROTO_SPECIFIED;
        return new Nat(a.u32Be(NFTA_NAT_TYPE), a.u32Be(NFTA_NAT_FAMILY), addrMin, addrMax == addrMin ? 0 : addrMax,
                protoMin, protoMax == protoMin ? 0 : protoMax, flags);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[ nat ");
        s.append(type == NftConstants.NFT_NAT_SNAT ? "snat" : type == NftConstants.NFT_NAT_DNAT ? "dnat" : "unknown");
        s.append(' ').append(NftFamily.name(family)).append(' ');
        if (regAddrMin != 0) s.append("addr_min reg ").append(regAddrMin).append(' ');
        if (regAddrMax != 0) s.append("addr_max reg ").append(regAddrMax).append(' ');
        if (regProtoMin != 0) s.append("proto_min reg ").append(regProtoMin).append(' ');
        if (regProtoMax != 0) s.append("proto_max reg ").append(regProtoMax).append(' ');
        if (flags != 0) s.append("flags 0x").append(Integer.toHexString(flags)).append(' ');
        return s.append(']').toString();
    }
}
