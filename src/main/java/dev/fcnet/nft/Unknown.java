package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.nft.NftConstants.NFTA_EXPR_DATA;

import dev.fcnet.netlink.MessageBuilder;
import java.util.Objects;

/**
 * Any other expression, or a modelled one with attributes its record cannot hold: {@code data}
 * is the raw content of NFTA_EXPR_DATA (the nested attributes as received), re-emitted unchanged.
 */
public record Unknown(String name, NftData data) implements Expr {
    public Unknown {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
    }

    @Override
    public void encodeData(MessageBuilder b) {
        b.putBytes(NFTA_EXPR_DATA | NLA_F_NESTED, data.bytes());
    }

    @Override
    public String toString() {
        return "[ " + name + " raw " + data + " ]";
    }
}
