package dev.fcnet.nft;

/**
 * The nftables families fcnet uses (DESIGN §3: V4 → ip, V6 → ip6, Dual → inet), with their
 * NFPROTO_* numbers from linux/netfilter.h (the nfgenmsg family of every nf_tables message).
 */
public enum NftFamily {
    INET(NftConstants.NFPROTO_INET, "inet"),
    IP(NftConstants.NFPROTO_IPV4, "ip"),
    IP6(NftConstants.NFPROTO_IPV6, "ip6");

    private final int code;
    private final String keyword;

    NftFamily(int code, String keyword) {
        this.code = code;
        this.keyword = keyword;
    }

    /** NFPROTO_* number. */
    public int code() {
        return code;
    }

    /** The family as nft writes it: ip, ip6, inet. */
    public String keyword() {
        return keyword;
    }

    public static NftFamily ofCode(int code) {
        for (NftFamily f : values()) if (f.code == code) return f;
        throw new IllegalArgumentException("not an ip, ip6 or inet nftables family: " + code);
    }

    /** libnftnl's family2str, used by the nat text form. */
    static String name(int code) {
        return switch (code) {
            case NftConstants.NFPROTO_IPV4 -> "ip";
            case NftConstants.NFPROTO_IPV6 -> "ip6";
            case NftConstants.NFPROTO_INET -> "inet";
            case NftConstants.NFPROTO_ARP -> "arp";
            case NftConstants.NFPROTO_BRIDGE -> "bridge";
            case NftConstants.NFPROTO_NETDEV -> "netdev";
            default -> "unknown";
        };
    }

    @Override
    public String toString() {
        return keyword;
    }
}
