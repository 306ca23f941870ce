package dev.fcnet.nft;

import static dev.fcnet.nft.NftConstants.NFT_REG32_00;
import static dev.fcnet.nft.NftConstants.NFT_REG32_SIZE;
import static dev.fcnet.nft.NftConstants.NFT_REG_1;
import static dev.fcnet.nft.NftConstants.NFT_REG_SIZE;

import java.util.ArrayList;
import java.util.List;

/**
 * What nft text names on the left of a set match, such as {@code ip saddr . oifname @masq_v4}:
 * each loads one part of the key into registers, and {@link #lookup} makes the whole match as
 * nft 1.0.x does (checked byte for byte against captures of {@code nft add rule}).
 */
public enum Selector {
    /** {@code ip saddr}: 4 bytes at offset 12 of the IPv4 header. */
    IP_SADDR(SetKeyType.IPV4_ADDR, NftConstants.NFPROTO_IPV4),
    /** {@code ip6 saddr}: 16 bytes at offset 8 of the IPv6 header. */
    IP6_SADDR(SetKeyType.IPV6_ADDR, NftConstants.NFPROTO_IPV6),
    IIFNAME(SetKeyType.IFNAME, 0),
    OIFNAME(SetKeyType.IFNAME, 0);

    private final SetKeyType type;
    /** The network protocol an {@code inet} table must check first (nft's dependency), 0 for none. */
    private final int nfproto;

    Selector(SetKeyType type, int nfproto) {
        this.type = type;
        this.nfproto = nfproto;
    }

    /** The type of the key part this selector loads. */
    public SetKeyType type() {
        return type;
    }

    private Expr load(int dreg) {
        return switch (this) {
            case IP_SADDR -> Payload.network(12, 4, dreg);
            case IP6_SADDR -> Payload.network(8, 16, dreg);
            case IIFNAME -> Meta.load(NftConstants.NFT_META_IIFNAME, dreg);
            case OIFNAME -> Meta.load(NftConstants.NFT_META_OIFNAME, dreg);
        };
    }

    /**
     * {@code A . B @set} in a {@code family} table: in {@code inet} tables the {@code meta nfproto}
     * check an address part needs, then each part loaded after the one before (from register 1,
     * in 32-bit register units), then the {@link Lookup} of the key from register 1.
     *
     * @throws IllegalArgumentException when the selectors' types are not the set's key, or an
     *         address part cannot match in a {@code family} table
     */
    public static List<Expr> lookup(NftFamily family, NftSet set, List<Selector> selectors) {
        List<SetKeyType> key = selectors.stream().map(Selector::type).toList();
        if (set.keyTypes().filter(key::equals).isEmpty()) {
            throw new IllegalArgumentException(selectors + " do not make the key of set " + set);
        }
        List<Expr> e = new ArrayList<>();
        int nfproto = 0;
        for (Selector s : selectors) {
            if (s.nfproto == 0) continue;
            boolean fits = family == NftFamily.INET || s.nfproto == family.code();
            if (!fits || nfproto != 0 && nfproto != s.nfproto) {
                throw new IllegalArgumentException(selectors + " cannot match in an " + family + " table");
            }
            nfproto = s.nfproto;
        }
        if (family == NftFamily.INET && nfproto != 0) {
            e.add(Meta.load(NftConstants.NFT_META_NFPROTO, NFT_REG_1));
            e.add(Cmp.eq(NFT_REG_1, NftData.of((byte) nfproto)));
        }
        int unit = 0;
        for (Selector s : selectors) {
            e.add(s.load(register(unit)));
            unit += s.type.length() / NFT_REG32_SIZE;
        }
        e.add(Lookup.of(set, NFT_REG_1));
        return e;
    }

    /**
     * The register holding the 32-bit unit {@code unit} counted from register 1, numbered as nft
     * does: a 16-byte register (NFT_REG_1..4) when the unit starts one, else NFT_REG32_xx.
     */
    static int register(int unit) {
        int perRegister = NFT_REG_SIZE / NFT_REG32_SIZE;
        return unit % perRegister == 0 ? NFT_REG_1 + unit / perRegister : NFT_REG32_00 + unit;
    }
}
