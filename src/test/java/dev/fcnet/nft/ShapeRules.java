package dev.fcnet.nft;

import static dev.fcnet.nft.NftConstants.NFT_META_IIFNAME;
import static dev.fcnet.nft.NftConstants.NFT_META_OIFNAME;
import static dev.fcnet.nft.NftConstants.NFT_NAT_DNAT;
import static dev.fcnet.nft.NftConstants.NFT_NAT_SNAT;

import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.Masq;
import dev.fcnet.nft.Matches;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import dev.fcnet.nft.Verdict;
import java.net.InetAddress;
import java.util.List;

/**
 * The rule shapes of DESIGN §3 made of the nft layer's matches, as the engine's fcnet ruleset
 * makes them (its policy is engine code, out of reach here): the nft tests check them against
 * nft's captures, FcnetRulesetTest checks the engine's against them.
 */
public final class ShapeRules {
    private ShapeRules() {}

    /** {@code ip saddr <saddr> oifname "<oifname>" masquerade}. */
    public static Rule masquerade(NftFamily family, InetAddress saddr, String oifname) {
        return Rule.of(family, FcnetTable.TABLE, FcnetTable.POSTROUTING, Matches.concat(Matches.address(family, saddr, true),
                Matches.ifname(NFT_META_OIFNAME, oifname), List.of(Masq.PLAIN)));
    }

    /** {@code iifname "<iifname>" oifname "<oifname>" accept}. */
    public static Rule acceptInOut(NftFamily family, String iifname, String oifname) {
        return Rule.of(family, FcnetTable.TABLE, FcnetTable.FILTER, Matches.concat(Matches.ifname(NFT_META_IIFNAME, iifname),
                Matches.ifname(NFT_META_OIFNAME, oifname), List.of(Verdict.ACCEPT)));
    }

    /** {@code oifname "<oifname>" iifname "<iifname>" accept}. */
    public static Rule acceptOutIn(NftFamily family, String oifname, String iifname) {
        return Rule.of(family, FcnetTable.TABLE, FcnetTable.FILTER, Matches.concat(Matches.ifname(NFT_META_OIFNAME, oifname),
                Matches.ifname(NFT_META_IIFNAME, iifname), List.of(Verdict.ACCEPT)));
    }

    /** {@code oifname "<oifname>" ip saddr <saddr> snat [ip] to <to>}. */
    public static Rule snat(NftFamily family, String oifname, InetAddress saddr, InetAddress to) {
        return Rule.of(family, FcnetTable.TABLE, FcnetTable.POSTROUTING, Matches.concat(Matches.ifname(NFT_META_OIFNAME,
                oifname), Matches.address(family, saddr, true), Matches.natTo(family, NFT_NAT_SNAT, saddr, to)));
    }

    /** {@code iifname "<iifname>" ip daddr <daddr> dnat [ip] to <to>}. */
    public static Rule dnat(NftFamily family, String iifname, InetAddress daddr, InetAddress to) {
        return Rule.of(family, FcnetTable.TABLE, FcnetTable.PREROUTING, Matches.concat(Matches.ifname(NFT_META_IIFNAME,
                iifname), Matches.address(family, daddr, false), Matches.natTo(family, NFT_NAT_DNAT, daddr, to)));
    }
}
