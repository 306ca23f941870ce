package dev.fcnet.nft;

/** The table {@code fcnet} and its base chains (DESIGN §3), as nft 1.0.x creates them. */
public final class FcnetTable {
    private FcnetTable() {}

    public static final String TABLE = "fcnet";
    public static final String POSTROUTING = "postrouting";
    public static final String FILTER = "filter";
    public static final String PREROUTING = "prerouting";

    public static Table table(NftFamily family) {
        return Table.of(family, TABLE);
    }

    /** {@code type nat hook postrouting priority 100; policy accept;} */
    public static Chain postroutingChain(NftFamily family) {
        return Chain.base(family, TABLE, POSTROUTING, "nat", NftConstants.NF_INET_POST_ROUTING, 100,
                NftConstants.NF_ACCEPT);
    }

    /** {@code type filter hook forward priority 0; policy accept;} */
    public static Chain filterChain(NftFamily family) {
        return Chain.base(family, TABLE, FILTER, "filter", NftConstants.NF_INET_FORWARD, 0, NftConstants.NF_ACCEPT);
    }

    /** {@code type nat hook prerouting priority -100; policy accept;} */
    public static Chain preroutingChain(NftFamily family) {
        return Chain.base(family, TABLE, PREROUTING, "nat", NftConstants.NF_INET_PRE_ROUTING, -100,
                NftConstants.NF_ACCEPT);
    }
}
