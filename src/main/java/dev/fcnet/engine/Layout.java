package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.IpFamily;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The objects of DESIGN §3 that one network consists of, in the order Add creates them: what Add
 * makes, Check expects and Delete removes.
 */
final class Layout {
    /** An nftables rule of the network with its text as {@code nft list ruleset} prints it. */
    record RuleSpec(Rule rule, String text) {
        String chain() {
            return rule.chain();
        }

        /** {@code ip fcnet postrouting: ip saddr 172.16.0.2 oifname "eth0" masquerade}. */
        String describe() {
            return rule.family() + " " + rule.table() + " " + rule.chain() + ": " + text;
        }
    }

    /** The host route of a forwarded guest IP: {@code destination/prefix via gateway}. */
    record HostRoute(InetAddress destination, int prefixLength, InetAddress gateway) {
        String describe() {
            return IpInet.formatAddress(destination) + "/" + prefixLength + " via " + IpInet.formatAddress(gateway);
        }
    }

    final FirecrackerNetwork network;
    final NftFamily family;
    /** The family of the guest's (and so the forwarded traffic's) addresses. */
    final IpFamily ipFamily;
    /** Present for a namespaced network. */
    final Optional<Namespaced> namespaced;
    /** Chains of the host's fcnet table, in creation order. */
    final List<Chain> hostChains;
    /** The network's rules in the host netns, in §3's order. */
    final List<RuleSpec> hostRules;
    /** Chains of the netns' fcnet table (namespaced only). */
    final List<Chain> netnsChains;
    /** The network's rules inside its netns (namespaced only). */
    final List<RuleSpec> netnsRules;
    final Optional<HostRoute> hostRoute;

    Layout(FirecrackerNetwork network) {
        this.network = network;
        this.family = switch (network.ipStack()) {
            case V4 -> NftFamily.IP;
            case V6 -> NftFamily.IP6;
            case Dual -> NftFamily.INET;
        };
        this.ipFamily = IpFamily.of(network.guestIp().address());
        this.namespaced = network.networkType() instanceof Namespaced n ? Optional.of(n) : Optional.empty();
        this.hostChains = List.of(FcnetTable.postroutingChain(family), FcnetTable.filterChain(family));
        InetAddress guest = network.guestIp().address();
        String iface = network.ifaceName();
        List<RuleSpec> host = new ArrayList<>();
        List<RuleSpec> inner = new ArrayList<>();
        List<Chain> innerChains = new ArrayList<>();
        Optional<HostRoute> route = Optional.empty();
        if (namespaced.isEmpty()) {
            host.add(masquerade(guest, iface));
            host.add(new RuleSpec(FcnetRuleset.acceptInOut(family, network.tapName(), iface),
                    "iifname " + quote(network.tapName()) + " oifname " + quote(iface) + " accept"));
        } else {
            Namespaced ns = namespaced.get();
            InetAddress veth2 = ns.veth2Ip().address();
            innerChains.add(FcnetTable.postroutingChain(family));
            inner.add(new RuleSpec(FcnetRuleset.snat(family, ns.veth2Name(), guest, veth2),
                    "oifname " + quote(ns.veth2Name()) + " " + l3(guest) + " saddr " + IpInet.formatAddress(guest)
                            + " snat" + natFamily(veth2) + " to " + IpInet.formatAddress(veth2)));
            if (ns.forwardedGuestIp().isPresent()) {
                InetAddress forwarded = ns.forwardedGuestIp().get();
                innerChains.add(FcnetTable.preroutingChain(family));
                inner.add(new RuleSpec(FcnetRuleset.dnat(family, ns.veth2Name(), forwarded, guest),
                        "iifname " + quote(ns.veth2Name()) + " " + l3(forwarded) + " daddr "
                                + IpInet.formatAddress(forwarded) + " dnat" + natFamily(guest) + " to "
                                + IpInet.formatAddress(guest)));
                route = Optional.of(new HostRoute(forwarded, forwarded instanceof Inet4Address ? 32 : 128, veth2));
            }
            host.add(masquerade(veth2, iface));
            host.add(new RuleSpec(FcnetRuleset.acceptInOut(family, iface, ns.veth1Name()),
                    "iifname " + quote(iface) + " oifname " + quote(ns.veth1Name()) + " accept"));
            host.add(new RuleSpec(FcnetRuleset.acceptOutIn(family, iface, ns.veth1Name()),
                    "oifname " + quote(iface) + " iifname " + quote(ns.veth1Name()) + " accept"));
        }
        this.hostRules = List.copyOf(host);
        this.netnsRules = List.copyOf(inner);
        this.netnsChains = List.copyOf(innerChains);
        this.hostRoute = route;
    }

    /** The Simple masquerade rule: that of the guest's address, which two networks cannot both have. */
    boolean isSimpleMasquerade(RuleSpec rule) {
        return namespaced.isEmpty() && rule.chain().equals(FcnetTable.POSTROUTING);
    }

    /** A rule of the network as added, in the named netns or (empty) the host netns. */
    RuleHandle handle(Optional<String> netns, RuleSpec spec, long handle) {
        Rule r = spec.rule();
        return new RuleHandle(netns, network.ipStack(), r.table(), r.chain(), handle, spec.text());
    }

    /** A rule of the network's host part as added. */
    RuleHandle hostHandle(RuleSpec spec, long handle) {
        return handle(Optional.empty(), spec, handle);
    }

    /** For messages: {@code tap0} (simple) or {@code netns fc1} (namespaced). */
    String id() {
        return id(network);
    }

    /** {@code tap0} for a simple network, {@code netns fc1} for a namespaced one: what identifies it on the host. */
    static String id(FirecrackerNetwork network) {
        return network.networkType() instanceof Namespaced ns ? "netns " + ns.netnsName() : network.tapName();
    }

    private RuleSpec masquerade(InetAddress saddr, String iface) {
        return new RuleSpec(FcnetRuleset.masquerade(family, saddr, iface),
                l3(saddr) + " saddr " + IpInet.formatAddress(saddr) + " oifname " + quote(iface) + " masquerade");
    }

    private static String l3(InetAddress a) {
        return a instanceof Inet4Address ? "ip" : "ip6";
    }

    /** nft writes the family after snat/dnat only in inet tables. */
    private String natFamily(InetAddress to) {
        return family == NftFamily.INET ? " " + l3(to) : "";
    }

    private static String quote(String name) {
        return "\"" + name + "\"";
    }
}
