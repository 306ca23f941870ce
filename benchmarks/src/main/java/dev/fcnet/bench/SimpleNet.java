package dev.fcnet.bench;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType;
import dev.fcnet.IpInet;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Simple V4 network number {@code id} of a benchmark host: tap {@code fc<id>} with the first
 * address of its own /30 in 10.0.0.0/10 and the guest on the second, masqueraded out of eth0
 * (many networks share one host, so each needs its own subnet and guest address).
 */
record SimpleNet(int id) {
    static final String IFACE = "eth0";
    static final int PREFIX = 30;
    /** 10.0.0.0/10 holds 2^20 /30 subnets. */
    static final int MAX_ID = 1 << 20;

    SimpleNet {
        if (id < 0 || id >= MAX_ID) throw new IllegalArgumentException("network id out of range: " + id);
    }

    String tap() {
        return "fc" + id;
    }

    InetAddress tapIp() {
        return v4(0x0A000000 + 4 * id + 1);
    }

    InetAddress guestIp() {
        return v4(0x0A000000 + 4 * id + 2);
    }

    String tapCidr() {
        return tapIp().getHostAddress() + "/" + PREFIX;
    }

    String guest() {
        return guestIp().getHostAddress();
    }

    /** postrouting: {@code ip saddr <guest> oifname "eth0" masquerade}. */
    Rule masquerade() {
        return ShapeRules.masquerade(NftFamily.IP, guestIp(), IFACE);
    }

    /** filter: {@code iifname "<tap>" oifname "eth0" accept}. */
    Rule forward() {
        return ShapeRules.acceptInOut(NftFamily.IP, tap(), IFACE);
    }

    /** The two rules as nft text (DESIGN §3 order), for {@code nft -f}. */
    String nftAddRules() {
        return "add rule ip fcnet postrouting " + masqueradeText() + "\n"
                + "add rule ip fcnet filter " + forwardText() + "\n";
    }

    String masqueradeText() {
        return "ip saddr " + guest() + " oifname \"" + IFACE + "\" masquerade";
    }

    String forwardText() {
        return "iifname \"" + tap() + "\" oifname \"" + IFACE + "\" accept";
    }

    FirecrackerNetwork network() {
        return FirecrackerNetwork.builder()
                .ipStack(FirecrackerIpStack.V4)
                .ifaceName(IFACE)
                .tapName(tap())
                .tapIp(new IpInet(tapIp(), PREFIX))
                .guestIp(new IpInet(guestIp(), PREFIX))
                .networkType(new FirecrackerNetworkType.Simple())
                .build();
    }

    static InetAddress v4(int address) {
        byte[] b = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }
}
