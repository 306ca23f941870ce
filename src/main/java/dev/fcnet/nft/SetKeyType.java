package dev.fcnet.nft;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The nft datatypes a set key of fcnet's sets ruleset is made of, with nft's numbers for them
 * (nft's {@code enum datatypes}: userspace numbers the kernel only stores, so they are not in the
 * UAPI headers) and their length in a key. A concatenated key type is the ids folded 6 bits at a
 * time ({@code ipv4_addr . ifname} is {@code 7 << 6 | 41}), and each part takes a multiple of 4
 * bytes of the key, as the kernel's 32-bit registers hold it.
 */
public enum SetKeyType {
    IPV4_ADDR("ipv4_addr", 7, 4),
    IPV6_ADDR("ipv6_addr", 8, 16),
    /** An interface name: IFNAMSIZ bytes, zero-padded. */
    IFNAME("ifname", 41, 16);

    /** nft's TYPE_BITS: the width of one part of a concatenated type id. */
    private static final int TYPE_BITS = 6;

    private final String keyword;
    private final int id;
    private final int length;

    SetKeyType(String keyword, int id, int length) {
        this.keyword = keyword;
        this.id = id;
        this.length = length;
    }

    /** The type as nft writes it, e.g. {@code ipv4_addr}. */
    public String keyword() {
        return keyword;
    }

    /** nft's datatype number. */
    public int id() {
        return id;
    }

    /** Bytes of a value of this type in a key (already a multiple of 4 for every type here). */
    public int length() {
        return length;
    }

    /** NFTA_SET_KEY_TYPE of the concatenation of {@code types}, in order. */
    public static int concatId(List<SetKeyType> types) {
        int id = 0;
        for (SetKeyType t : types) id = id << TYPE_BITS | t.id;
        return id;
    }

    /** NFTA_SET_KEY_LEN of the concatenation of {@code types}. */
    public static int concatLength(List<SetKeyType> types) {
        int len = 0;
        for (SetKeyType t : types) len += t.length;
        return len;
    }

    /** The types a (concatenated) key type id stands for, or empty when one of them is not modelled here. */
    public static Optional<List<SetKeyType>> ofConcatId(int concatId) {
        List<SetKeyType> types = new ArrayList<>();
        for (int rest = concatId; rest != 0; rest >>>= TYPE_BITS) {
            SetKeyType t = ofId(rest & ((1 << TYPE_BITS) - 1));
            if (t == null) return Optional.empty();
            types.addFirst(t);
        }
        return types.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(types));
    }

    private static SetKeyType ofId(int id) {
        for (SetKeyType t : values()) if (t.id == id) return t;
        return null;
    }

    /** As nft writes a key type: {@code ipv4_addr . ifname}. */
    public static String text(List<SetKeyType> types) {
        return String.join(" . ", types.stream().map(SetKeyType::keyword).toList());
    }
}
