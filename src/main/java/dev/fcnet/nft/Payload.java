package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;
import static dev.fcnet.nft.NftConstants.NFTA_PAYLOAD_BASE;
import static dev.fcnet.nft.NftConstants.NFTA_PAYLOAD_DREG;
import static dev.fcnet.nft.NftConstants.NFTA_PAYLOAD_LEN;
import static dev.fcnet.nft.NftConstants.NFTA_PAYLOAD_OFFSET;

import dev.fcnet.netlink.MessageBuilder;
import java.lang.foreign.MemorySegment;

/**
 * {@code payload} load: copies {@code len} bytes at {@code offset} from header {@code base}
 * (NFT_PAYLOAD_*) into {@code dreg}. Payload writes (with checksum fixups) decode as {@link Unknown}.
 */
public record Payload(int base, int offset, int len, int dreg) implements Expr {
    private static final String[] BASES = {"link", "network", "transport", "inner"};

    public static Payload network(int offset, int len, int dreg) {
        return new Payload(NftConstants.NFT_PAYLOAD_NETWORK_HEADER, offset, len, dreg);
    }

    @Override
    public String name() {
        return "payload";
    }

    @Override
    public void encodeData(MessageBuilder b) {
        int data = b.nestStart(NFTA_EXPR_DATA | NLA_F_NESTED);
        b.putU32Be(NFTA_PAYLOAD_DREG, dreg);
        b.putU32Be(NFTA_PAYLOAD_BASE, base);
        b.putU32Be(NFTA_PAYLOAD_OFFSET, offset);
        b.putU32Be(NFTA_PAYLOAD_LEN, len);
        b.nestEnd(data);
    }

    /** Null unless the data is exactly dreg, base, offset and len. */
    static Payload decode(MemorySegment data) {
        ExprAttributes a = ExprAttributes.read(data, NFTA_PAYLOAD_LEN);
        if (a == null || !a.hasExactly(NFTA_PAYLOAD_DREG, NFTA_PAYLOAD_BASE, NFTA_PAYLOAD_OFFSET, NFTA_PAYLOAD_LEN)) {
            return null;
        }
        return new Payload(a.u32Be(NFTA_PAYLOAD_BASE), a.u32Be(NFTA_PAYLOAD_OFFSET), a.u32Be(NFTA_PAYLOAD_LEN),
                a.u32Be(NFTA_PAYLOAD_DREG));
    }

    @Override
    public String toString() {
        String b = base >= 0 && base < BASES.length ? BASES[base] : "unknown";
        return "[ payload load " + Integer.toUnsignedString(len) + "b @ " + b + " header + "
                + Integer.toUnsignedString(offset) + " => reg " + dreg + " ]";
    }
}
