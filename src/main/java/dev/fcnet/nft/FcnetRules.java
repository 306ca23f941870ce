package dev.fcnet.nft;

import static dev.fcnet.nft.NftConstants.NFT_META_IIFNAME;
import static dev.fcnet.nft.NftConstants.NFT_META_NFPROTO;
import static dev.fcnet.nft.NftConstants.NFT_META_OIFNAME;
import static dev.fcnet.nft.NftConstants.NFT_NAT_DNAT;
import static dev.fcnet.nft.NftConstants.NFT_NAT_SNAT;
import static dev.fcnet.nft.NftConstants.NFT_REG_1;

import dev.fcnet.sys.Names;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The table, chains and rules of DESIGN §3, as the expressions nft 1.0.x makes of the same nft
 * text (checked byte for byte against captures of {@code nft add rule}): interface names are
 * {@code cmp} data zero-padded to IFNAMSIZ (16 bytes), addresses are big-endian payload
 * matches, and in {@code inet} tables every address match is preceded by a {@code meta nfproto}
 * check. The nat expression always carries its family (nft writes {@code snat ip to} only in inet
 * tables, but sends the family in all of them).
 */
public final class FcnetRules {
    private FcnetRules() {}

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

    /** postrouting: {@code ip saddr <saddr> oifname "<oifname>" masquerade} (Simple: guest; Namespaced host: veth2). */
    public static Rule masquerade(NftFamily family, InetAddress saddr, String oifname) {
        List<Expr> e = new ArrayList<>();
        addressMatch(e, family, saddr, true);
        ifnameMatch(e, NFT_META_OIFNAME, oifname);
        e.add(Masq.PLAIN);
        return Rule.of(family, TABLE, POSTROUTING, e);
    }

    /** filter: {@code iifname "<iifname>" oifname "<oifname>" accept}. */
    public static Rule acceptInOut(NftFamily family, String iifname, String oifname) {
        return accept(family, NFT_META_IIFNAME, iifname, NFT_META_OIFNAME, oifname);
    }

    /** filter: {@code oifname "<oifname>" iifname "<iifname>" accept}. */
    public static Rule acceptOutIn(NftFamily family, String oifname, String iifname) {
        return accept(family, NFT_META_OIFNAME, oifname, NFT_META_IIFNAME, iifname);
    }

    private static Rule accept(NftFamily family, int firstKey, String first, int secondKey, String second) {
        List<Expr> e = new ArrayList<>();
        ifnameMatch(e, firstKey, first);
        ifnameMatch(e, secondKey, second);
        e.add(Verdict.ACCEPT);
        return Rule.of(family, TABLE, FILTER, e);
    }

    /** postrouting (inside the netns): {@code oifname "<oifname>" ip saddr <saddr> snat [ip] to <to>}. */
    public static Rule snat(NftFamily family, String oifname, InetAddress saddr, InetAddress to) {
        List<Expr> e = new ArrayList<>();
        ifnameMatch(e, NFT_META_OIFNAME, oifname);
        addressMatch(e, family, saddr, true);
        natTo(e, family, NFT_NAT_SNAT, saddr, to);
        return Rule.of(family, TABLE, POSTROUTING, e);
    }

    /** prerouting (inside the netns): {@code iifname "<iifname>" ip daddr <daddr> dnat [ip] to <to>}. */
    public static Rule dnat(NftFamily family, String iifname, InetAddress daddr, InetAddress to) {
        List<Expr> e = new ArrayList<>();
        ifnameMatch(e, NFT_META_IIFNAME, iifname);
        addressMatch(e, family, daddr, false);
        natTo(e, family, NFT_NAT_DNAT, daddr, to);
        return Rule.of(family, TABLE, PREROUTING, e);
    }

    /** {@code iifname|oifname "<name>"}: the name zero-padded to IFNAMSIZ, compared whole. */
    private static void ifnameMatch(List<Expr> e, int metaKey, String name) {
        Names.require(Names.Kind.LINK, "interface name", name);
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        byte[] padded = new byte[Names.IFNAMSIZ];
        System.arraycopy(b, 0, padded, 0, b.length);
        e.add(Meta.load(metaKey, NFT_REG_1));
        e.add(Cmp.eq(NFT_REG_1, new NftData(padded)));
    }

    /** {@code ip saddr|daddr A} (or ip6), with nft's {@code meta nfproto} dependency in inet tables. */
    private static void addressMatch(List<Expr> e, NftFamily family, InetAddress a, boolean source) {
        boolean v4 = requireFamily(family, a);
        if (family == NftFamily.INET) {
            e.add(Meta.load(NFT_META_NFPROTO, NFT_REG_1));
            e.add(Cmp.eq(NFT_REG_1, NftData.of((byte) (v4 ? NftConstants.NFPROTO_IPV4 : NftConstants.NFPROTO_IPV6))));
        }
        // iphdr: saddr at 12, daddr at 16; ipv6hdr: saddr at 8, daddr at 24.
        int offset = v4 ? (source ? 12 : 16) : (source ? 8 : 24);
        e.add(Payload.network(offset, v4 ? 4 : 16, NFT_REG_1));
        e.add(Cmp.eq(NFT_REG_1, new NftData(a.getAddress())));
    }

    private static void natTo(List<Expr> e, NftFamily family, int type, InetAddress matched, InetAddress to) {
        boolean v4 = requireFamily(family, to);
        if (v4 != (matched instanceof Inet4Address)) {
            throw new IllegalArgumentException("cannot translate " + matched.getHostAddress() + " to "
                    + to.getHostAddress() + ": address families differ");
        }
        e.add(new Immediate(NFT_REG_1, new NftData(to.getAddress())));
        e.add(Nat.toAddress(type, v4 ? NftConstants.NFPROTO_IPV4 : NftConstants.NFPROTO_IPV6, NFT_REG_1));
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
