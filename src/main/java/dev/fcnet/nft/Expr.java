package dev.fcnet.nft;

import dev.fcnet.netlink.MessageBuilder;

/**
 * One nf_tables expression of a rule. Each record encodes itself as the attributes inside
 * NFTA_EXPR_DATA and prints itself as {@code nft --debug=netlink} (libnftnl) does, e.g.
 * {@code [ meta load oifname => reg 1 ]}. Expressions fcnet does not model, or modelled ones
 * carrying attributes the record cannot hold, decode to {@link Unknown}, which keeps the raw bytes
 * so any rule can be read and re-emitted.
 */
public sealed interface Expr permits Meta, Cmp, Payload, Immediate, Verdict, Masq, Nat, Lookup, Unknown {
    /** The kernel's expression type name (NFTA_EXPR_NAME), e.g. "meta". */
    String name();

    /** Writes this expression's NFTA_EXPR_DATA attribute (a nest, with the flag nft sets on it). */
    void encodeData(MessageBuilder b);
}
