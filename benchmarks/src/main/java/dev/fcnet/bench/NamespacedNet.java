package dev.fcnet.bench;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType;
import dev.fcnet.IpInet;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import java.net.InetAddress;

/**
 * Namespaced V4 network number {@code id}: netns {@code fcns<id>}, veth pair {@code fv<id>} (host,
 * first address of its own /30 in 10.128.0.0/10) / {@code veth0} (in the netns, second address),
 * and inside every netns the same tap0 172.16.0.1/24 and guest 172.16.0.2/24, as clones of one
 * snapshot have. No forwarded guest IP.
 */
record NamespacedNet(int id) {
    static final String IFACE = SimpleNet.IFACE;
    static final String VETH2 = "veth0";
    static final String TAP = "tap0";
    static final int PREFIX = 30;
    static final IpInet TAP_IP = IpInet.parse("172.16.0.1/24");
    static final IpInet GUEST_IP = IpInet.parse("172.16.0.2/24");

    NamespacedNet {
        if (id < 0 || id >= SimpleNet.MAX_ID) throw new IllegalArgumentException("network id out of range: " + id);
    }

    String netns() {
        return "fcns" + id;
    }

    String veth1() {
        return "fv" + id;
    }

    InetAddress veth1Ip() {
        return SimpleNet.v4(0x0A800000 + 4 * id + 1);
    }

    InetAddress veth2Ip() {
        return SimpleNet.v4(0x0A800000 + 4 * id + 2);
    }

    String veth1Cidr() {
        return veth1Ip().getHostAddress() + "/" + PREFIX;
    }

    String veth2Cidr() {
        return veth2Ip().getHostAddress() + "/" + PREFIX;
    }

    /** Host postrouting: {@code ip saddr <veth2 addr> oifname "eth0" masquerade}. */
    Rule masquerade() {
        return ShapeRules.masquerade(NftFamily.IP, veth2Ip(), IFACE);
    }

    /** Host filter: {@code iifname "eth0" oifname "<veth1>" accept}. */
    Rule ingress() {
        return ShapeRules.acceptInOut(NftFamily.IP, IFACE, veth1());
    }

    /** Host filter: {@code oifname "eth0" iifname "<veth1>" accept}. */
    Rule egress() {
        return ShapeRules.acceptOutIn(NftFamily.IP, IFACE, veth1());
    }

    /** Netns postrouting: {@code oifname "veth0" ip saddr 172.16.0.2 snat to <veth2 addr>}. */
    Rule snat() {
        return ShapeRules.snat(NftFamily.IP, VETH2, GUEST_IP.address(), veth2Ip());
    }

    String masqueradeText() {
        return "ip saddr " + veth2Ip().getHostAddress() + " oifname \"" + IFACE + "\" masquerade";
    }

    String ingressText() {
        return "iifname \"" + IFACE + "\" oifname \"" + veth1() + "\" accept";
    }

    String egressText() {
        return "oifname \"" + IFACE + "\" iifname \"" + veth1() + "\" accept";
    }

    String snatText() {
        return "oifname \"" + VETH2 + "\" ip saddr " + GUEST_IP.address().getHostAddress() + " snat to "
                + veth2Ip().getHostAddress();
    }

    /** The three host rules as nft text (DESIGN §3 order), for {@code nft -f}. */
    String nftAddHostRules() {
        return "add rule ip fcnet postrouting " + masqueradeText() + "\n"
                + "add rule ip fcnet filter " + ingressText() + "\n"
                + "add rule ip fcnet filter " + egressText() + "\n";
    }

    FirecrackerNetwork network() {
        return FirecrackerNetwork.builder()
                .ipStack(FirecrackerIpStack.V4)
                .ifaceName(IFACE)
                .tapName(TAP)
                .tapIp(TAP_IP)
                .guestIp(GUEST_IP)
                .networkType(FirecrackerNetworkType.Namespaced.builder()
                        .netnsName(netns())
                        .veth1Name(veth1())
                        .veth2Name(VETH2)
                        .veth1Ip(new IpInet(veth1Ip(), PREFIX))
                        .veth2Ip(new IpInet(veth2Ip(), PREFIX))
                        .build())
                .build();
    }
}
