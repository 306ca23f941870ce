package dev.fcnet.nft;

import java.util.Objects;

/** An nf_tables table; {@code flags} are NFT_TABLE_F_*, {@code handle} 0 when not known. */
public record Table(NftFamily family, String name, int flags, long handle) {
    public Table {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(name, "name");
    }

    public static Table of(NftFamily family, String name) {
        return new Table(family, name, 0, 0);
    }
}
