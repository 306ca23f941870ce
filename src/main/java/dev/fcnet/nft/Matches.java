package dev.fcnet.nft;

import static dev.fcnet.nft.NftConstants.NFT_META_NFPROTO;
import static dev.fcnet.nft.NftConstants.NFT_REG_1;

import dev.fcnet.sys.Names;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The expressions nft 1.0.x makes of a rule's matches and translations (checked byte for byte
 * against captures of {@code nft add rule}): interface names are {@code cmp} data zero-padded to
 * IFNAMSIZ (16 bytes), addresses are big-endian payload matches, and in {@code inet} tables every
 * address match is preceded by a {@code meta nfproto} check. The nat expression always carries
 * its family (nft writes {@code snat ip to} only in inet tables, but sends the family in all of them).
 */
public final class Matches {
    private Matches() {}

    /** {@code iifname|oifname "<name>"} ({@code metaKey} NFT_META_IIFNAME or _OIFNAME): the name zero-padded, compared whole. */
    public static List<Expr> ifname(int metaKey, String name) {
        return List.of(Meta.load(metaKey, NFT_REG_1), Cmp.eq(NFT_REG_1, ifnameData(name)));
    }

    /** An interface name as nft keys it: zero-padded to IFNAMSIZ. */
    public static NftData ifnameData(String name) {
        Names.require(Names.Kind.LINK, "interface name", name);
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[Names.IFNAMSIZ];
        System.arraycopy(b, 0, padded, 0, b.length);
        return new NftData(padded);
    }

    /** {@code ip saddr|daddr A} (or ip6), with nft's {@code meta nfproto} dependency in inet tables. */
    public static List<Expr> address(NftFamily family, InetAddress a, boolean source) {
        boolean v4 = requireFamily(family, a);
        // iphdr: saddr at 12, daddr at 16; ipv6hdr: saddr at 8, daddr at 24.
        int offset = v4 ? (source ? 12 : 16) : (source ? 8 : 24);
        List<Expr> match = List.of(Payload.network(offset, v4 ? 4 : 16, NFT_REG_1),
                Cmp.eq(NFT_REG_1, new NftData(a.getAddress())));
        return family == NftFamily.INET ? concat(nfproto(v4), match) : match;
    }

    /** {@code snat|dnat [ip] to <to>} of traffic whose {@code matched} address was matched: the address loaded, then nat. */
    public static List<Expr> natTo(NftFamily family, int type, InetAddress matched, InetAddress to) {
        boolean v4 = requireFamily(family, to);
        if (v4 != (matched instanceof Inet4Address)) {
            throw new IllegalArgumentException("cannot translate " + matched.getHostAddress() + " to "
                    + to.getHostAddress() + ": address families differ");
        }
        return List.of(new Immediate(NFT_REG_1, new NftData(to.getAddress())),
                Nat.toAddress(type, v4 ? NftConstants.NFPROTO_IPV4 : NftConstants.NFPROTO_IPV6, NFT_REG_1));
    }

    /** The expression lists one after the other, as one rule's. */
    @SafeVarargs
    public static List<Expr> concat(List<? extends Expr>... parts) {
        return Arrays.stream(parts).<Expr>flatMap(List::stream).toList();
    }

    /** {@code meta nfproto ipv4|ipv6}: the dependency nft puts before an address match in inet tables. */
    private static List<Expr> nfproto(boolean v4) {
        return List.of(Meta.load(NFT_META_NFPROTO, NFT_REG_1),
                Cmp.eq(NFT_REG_1, NftData.of((byte) (v4 ? NftConstants.NFPROTO_IPV4 : NftConstants.NFPROTO_IPV6))));
    }

    /** True for IPv4; rejects an address the table family cannot match. */
    private static boolean requireFamily(NftFamily family, InetAddress a) {
        boolean v4 = a instanceof Inet4Address;
        if (family == NftFamily.IP && !v4 || family == NftFamily.IP6 && !(a instanceof Inet6Address)) {
            throw new IllegalArgumentException(a.getHostAddress() + " is not an address of an " + family + " table");
        }
        return v4;
    }
}
