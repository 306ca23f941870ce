package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.nft.ShapeRules;
import dev.fcnet.nft.NftFamily;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a network consists of, as DESIGN §3 words it, and how reports read. */
class LayoutTest {
    private static final Namespaced NS = Namespaced.builder().netnsName("fc1").veth1Name("veth1").veth2Name("veth0")
            .forwardedGuestIp(IpInet.parseAddress("192.168.0.3")).build();

    private static List<String> texts(List<RuleSpec> rules) {
        return rules.stream().map(RuleSpec::describe).toList();
    }

    @Test
    void simpleRulesInTheOrderOfSection3() {
        Layout l = new Layout(FirecrackerNetwork.builder().build());
        assertEquals(NftFamily.IP, l.family);
        assertEquals(List.of("ip fcnet postrouting: ip saddr 172.16.0.2 oifname \"eth0\" masquerade",
                "ip fcnet filter: iifname \"tap0\" oifname \"eth0\" accept"), texts(l.hostRules));
        assertEquals(List.of(ShapeRules.masquerade(NftFamily.IP, IpInet.parseAddress("172.16.0.2"), "eth0"),
                ShapeRules.acceptInOut(NftFamily.IP, "tap0", "eth0")), l.hostRules.stream().map(RuleSpec::rule).toList());
        assertEquals(List.of("postrouting", "filter"), l.hostChains.stream().map(c -> c.name()).toList());
        assertEquals(List.of(), l.netnsRules);
        assertEquals(Optional.empty(), l.hostRoute);
    }

    @Test
    void namespacedRulesInsideAndOnTheHost() {
        Layout l = new Layout(FirecrackerNetwork.builder().networkType(NS).build());
        assertEquals(List.of("ip fcnet postrouting: oifname \"veth0\" ip saddr 172.16.0.2 snat to 10.0.0.2",
                "ip fcnet prerouting: iifname \"veth0\" ip daddr 192.168.0.3 dnat to 172.16.0.2"), texts(l.netnsRules));
        assertEquals(List.of("postrouting", "prerouting"), l.netnsChains.stream().map(c -> c.name()).toList());
        assertEquals(List.of("ip fcnet postrouting: ip saddr 10.0.0.2 oifname \"eth0\" masquerade",
                "ip fcnet filter: iifname \"eth0\" oifname \"veth1\" accept",
                "ip fcnet filter: oifname \"eth0\" iifname \"veth1\" accept"), texts(l.hostRules));
        assertEquals("192.168.0.3/32 via 10.0.0.2", l.hostRoute.orElseThrow().describe());
    }

    @Test
    void inetTablesNameTheFamilyAfterSnatAndDnat() {
        Namespaced v6 = NS.toBuilder().veth1Ip(IpInet.parse("fd00::1/64")).veth2Ip(IpInet.parse("fd00::2/64"))
                .forwardedGuestIp(IpInet.parseAddress("fd00:192::3")).build();
        Layout l = new Layout(FirecrackerNetwork.builder().ipStack(FirecrackerIpStack.Dual).tapIp(IpInet.parse("fd00:16::1/64"))
                .guestIp(IpInet.parse("fd00:16::2/64")).networkType(v6).build());
        assertEquals(NftFamily.INET, l.family);
        assertEquals(List.of("inet fcnet postrouting: oifname \"veth0\" ip6 saddr fd00:16::2 snat ip6 to fd00::2",
                "inet fcnet prerouting: iifname \"veth0\" ip6 daddr fd00:192::3 dnat ip6 to fd00:16::2"), texts(l.netnsRules));
        assertEquals("fd00:192::3/128 via fd00::2", l.hostRoute.orElseThrow().describe());
    }

    @Test
    void reportsReadOneLinePerItem() {
        FirecrackerNetwork n = FirecrackerNetwork.builder().build();
        CheckReport report = new CheckReport(n, List.of(
                new CheckItem(Kind.LINK, Optional.empty(), "tap0", Status.PRESENT, "up"),
                new CheckItem(Kind.RULE, Optional.of("fc1"), "ip fcnet filter: x", Status.MISSING, ""),
                new CheckItem(Kind.NETNS, Optional.empty(), "fc1", Status.DIFFERENT, "not a network namespace")));
        assertEquals("""
                Check tap0: 2 of 3 objects missing or different
                PRESENT    LINK       tap0 (host netns): up
                MISSING    RULE       ip fcnet filter: x (netns fc1)
                DIFFERENT  NETNS      fc1: not a network namespace""", report.toString());
        FcnetException e = org.junit.jupiter.api.Assertions.assertThrows(FcnetException.class, report::requireClean);
        assertEquals("Check tap0: 2 problems; MISSING RULE ip fcnet filter: x; DIFFERENT NETNS fc1 (not a network"
                + " namespace)", e.getMessage());
    }
}
