package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.testing.InternetPeer;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Nsenter;
import dev.fcnet.testing.QemuGuest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real VMM on networks the engine made: QEMU guests booted with the network's
 * {@code guestIpBootArg} reach an "internet" peer through the rules of DESIGN §3 (or the sets of
 * §3b), and the host reaches namespaced guests through their forwarded IPs.
 */
@KernelTest
class EngineEndToEndTest {
    private static final String GUEST = "172.16.0.2/24";
    private static final String TAP_IP = "172.16.0.1/24";

    /** The scratch host with an uplink eth0 to the peer (10.99.0.1 here, 10.99.0.2 there) and forwarding on. */
    private static InternetPeer internet(ScratchNetns host) {
        InternetPeer peer = InternetPeer.attach(host, "eth0", "10.99.0.1/24", "10.99.0.2/24", 8080);
        EngineFixture.forwarding(host.path(), true);
        return peer;
    }

    private static FcnetEngine engine(ScratchNetns host, RulesetKind ruleset) {
        return FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()).withRuleset(ruleset));
    }

    @Test
    void simpleGuestReachesTheInternetThroughTheMasquerade(ScratchNetns host) {
        FirecrackerNetwork n = FirecrackerNetwork.builder().tapName("tap0").tapIp(IpInet.parse(TAP_IP))
                .guestIp(IpInet.parse(GUEST)).ifaceName("eth0").build();
        try (InternetPeer peer = internet(host); FcnetEngine engine = EngineFixture.engine(host)) {
            assertEquals(java.util.List.of(), engine.add(n).warnings());
            try (QemuGuest guest = QemuGuest.start(host.path(), n.tapName(), n.guestIpBootArg("eth0"))) {
                QemuGuest.Result ping = guest.ping(peer.address());
                assertTrue(ping.ok(), () -> ping + "\n" + guest.console());
                // The peer saw the host's uplink address: the masquerade rewrote the guest's.
                assertEquals(new QemuGuest.Result(0, "peer 10.99.0.1"), guest.tcp(peer.address(), peer.port()));
                // Deleted while the guest still holds its tap: once Delete returns, no more traffic,
                // though the kernel has not destroyed the (retired) tap yet.
                engine.holdDestruction(true);
                engine.delete(n);
                assertTrue(EngineFixture.ipLink(host.name(), "tap0").isEmpty());
                QemuGuest.Result after = guest.ping(peer.address());
                assertFalse(after.ok(), () -> after + "\n" + guest.console());
                engine.holdDestruction(false);
            }
        }
    }

    /** With either ruleset (one guest run each: what the sets ruleset makes must carry traffic too). */
    @ParameterizedTest
    @EnumSource(RulesetKind.class)
    void namespacedClonesWithOneGuestAddressReachTheInternetAndAreReachedThroughTheirForwardedIps(RulesetKind ruleset,
            ScratchNetns host) {
        FirecrackerNetwork[] clones = new FirecrackerNetwork[2];
        for (int i = 0; i < 2; i++) {
            int k = i + 1;
            clones[i] = FirecrackerNetwork.builder().tapName("tap0").tapIp(IpInet.parse(TAP_IP)).guestIp(IpInet.parse(GUEST))
                    .ifaceName("eth0").networkType(Namespaced.builder().netnsName(host.name() + "-clone" + k)
                            .veth1Name("vh" + k).veth2Name("vg" + k)
                            .veth1Ip(IpInet.parse("10.0." + k + ".1/24")).veth2Ip(IpInet.parse("10.0." + k + ".2/24"))
                            .forwardedGuestIp(IpInet.parseAddress("192.168.0." + k)).build())
                    .build();
        }
        try (InternetPeer peer = internet(host); FcnetEngine engine = engine(host, ruleset)) {
            for (FirecrackerNetwork n : clones) assertEquals(java.util.List.of(), engine.add(n).warnings());
            try (QemuGuest first = start(clones[0]); QemuGuest second = start(clones[1])) {
                QemuGuest[] guests = {first, second};
                for (int i = 0; i < 2; i++) {
                    QemuGuest guest = guests[i];
                    QemuGuest.Result ping = guest.ping(peer.address());
                    assertTrue(ping.ok(), () -> ping + "\n" + guest.console());
                    // Translated twice: to veth2's address in the netns, then masqueraded on the host.
                    assertEquals(new QemuGuest.Result(0, "peer 10.99.0.1"), guest.tcp(peer.address(), peer.port()));
                    guest.serve(8080, "clone" + (i + 1));
                }
                for (int i = 0; i < 2; i++) {
                    InetAddress forwarded = ((Namespaced) clones[i].networkType()).forwardedGuestIp().orElseThrow();
                    Tools.Result reply = Nsenter.tcp(host.path(), IpInet.formatAddress(forwarded), 8080);
                    assertEquals(0, reply.exit(), reply.err());
                    // Each forwarded IP leads to its own clone, which sees the host's veth1 address.
                    assertEquals("clone" + (i + 1) + " 10.0." + (i + 1) + ".1", reply.out().strip());
                }
            }
            for (FirecrackerNetwork n : clones) engine.delete(n);
        }
    }

    private static QemuGuest start(FirecrackerNetwork n) {
        String netns = ((Namespaced) n.networkType()).netnsName();
        return QemuGuest.start(EngineFixture.netnsPath(netns), n.tapName(), n.guestIpBootArg("eth0"));
    }
}
