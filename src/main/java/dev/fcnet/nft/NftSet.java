package dev.fcnet.nft;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A named set of {@code table}: {@code flags} NFT_SET_* (0 for a plain hash set),
 * {@code keyType}/{@code keyLen} as NFTA_SET_KEY_TYPE/KEY_LEN (see {@link SetKeyType}),
 * {@code handle} the kernel's id (0 when not known), {@code id} the NFTA_SET_ID that names the set
 * within one transaction (0: none sent; the kernel never dumps it) and {@code userdata} the raw
 * NFTA_SET_USERDATA, where nft keeps how to print the key ({@link NftData#EMPTY} when absent).
 */
public record NftSet(NftFamily family, String table, String name, long handle, int flags, int keyType, int keyLen,
        int id, NftData userdata) {
    /** nft's NFTNL_UDATA_SET_KEYBYTEORDER, NFTNL_UDATA_SET_KEY_TYPEOF (libnftnl udata.h). */
    private static final int UDATA_KEYBYTEORDER = 0;
    private static final int UDATA_KEY_TYPEOF = 3;
    /** Inside KEY_TYPEOF: NFTNL_UDATA_SET_TYPEOF_EXPR, NFTNL_UDATA_SET_TYPEOF_DATA. */
    private static final int UDATA_TYPEOF_EXPR = 0;
    private static final int UDATA_TYPEOF_DATA = 1;
    /** nft's EXPR_CONCAT (enum expr_types) and BYTEORDER_INVALID, the byte order of a concatenation. */
    private static final int EXPR_CONCAT = 13;
    private static final int BYTEORDER_INVALID = 0;

    public NftSet {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(userdata, "userdata");
    }

    /**
     * The set nft makes of {@code add set FAMILY TABLE NAME { type A . B; }}: flags 0, the
     * concatenated key type and length, and the userdata nft 1.0.x writes for a concatenation
     * (key byte order "invalid", key expression "concat", in host byte order as nft writes them).
     * nft sends no NFTA_SET_DESC for such a set (field lengths go only with interval sets).
     *
     * @param id the set's NFTA_SET_ID in the transaction that adds it (nft counts from 1), or 0
     * @throws IllegalArgumentException unless {@code key} has at least two types
     */
    public static NftSet concat(NftFamily family, String table, String name, int id, List<SetKeyType> key) {
        if (key.size() < 2) throw new IllegalArgumentException("a concatenation has two types or more: " + key);
        ByteBuffer u = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        u.put((byte) UDATA_KEYBYTEORDER).put((byte) 4).putInt(BYTEORDER_INVALID);
        u.put((byte) UDATA_KEY_TYPEOF).put((byte) 8);
        u.put((byte) UDATA_TYPEOF_EXPR).put((byte) 4).putInt(EXPR_CONCAT);
        u.put((byte) UDATA_TYPEOF_DATA).put((byte) 0);
        return new NftSet(family, table, name, 0, 0, SetKeyType.concatId(key), SetKeyType.concatLength(key), id,
                new NftData(u.array()));
    }

    /** The key's types, or empty when one is not a {@link SetKeyType}. */
    public Optional<List<SetKeyType>> keyTypes() {
        return SetKeyType.ofConcatId(keyType);
    }

    /**
     * Same family, table, name, flags and key, whatever the handles, transaction ids and
     * userdata: a set a lookup or an element of the other would work with unchanged (the kernel
     * itself accepts adding a set again on these terms).
     */
    public boolean matches(NftSet other) {
        return family == other.family && table.equals(other.table) && name.equals(other.name) && flags == other.flags
                && keyType == other.keyType && keyLen == other.keyLen;
    }

    /**
     * As nft writes the set, {@code ip fcnet masq_v4 { type ipv4_addr . ifname; }} (the type's
     * number when unknown; flags in hex when any), then handle and id when known.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder().append(family).append(' ').append(table).append(' ').append(name)
                .append(" { type ").append(keyTypes().map(SetKeyType::text).orElse("0x" + Integer.toHexString(keyType)))
                .append("; ");
        if (flags != 0) s.append("flags 0x").append(Integer.toHexString(flags)).append("; ");
        s.append('}');
        if (handle != 0) s.append(" handle ").append(Long.toUnsignedString(handle));
        if (id != 0) s.append(" id ").append(Integer.toUnsignedString(id));
        return s.toString();
    }
}
