package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fcnet.IpInet;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.ShapeRules;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The engine's §3 rules are the shapes the nft tests check byte for byte against nft's captures. */
class FcnetRulesetTest {
    @ParameterizedTest
    @EnumSource(NftFamily.class)
    void rulesAreTheShapesNftMakes(NftFamily family) {
        for (boolean v6 : family == NftFamily.INET ? new boolean[] {false, true} : new boolean[] {family == NftFamily.IP6}) {
            InetAddress guest = IpInet.parseAddress(v6 ? "fd00:16::2" : "172.16.0.2");
            InetAddress veth2 = IpInet.parseAddress(v6 ? "fd00:10::2" : "10.0.0.2");
            assertEquals(ShapeRules.masquerade(family, guest, "eth0"), FcnetRuleset.masquerade(family, guest, "eth0"));
            assertEquals(ShapeRules.acceptInOut(family, "tap0", "eth0"), FcnetRuleset.acceptInOut(family, "tap0", "eth0"));
            assertEquals(ShapeRules.acceptOutIn(family, "eth0", "veth1"), FcnetRuleset.acceptOutIn(family, "eth0", "veth1"));
            assertEquals(ShapeRules.snat(family, "veth0", guest, veth2), FcnetRuleset.snat(family, "veth0", guest, veth2));
            assertEquals(ShapeRules.dnat(family, "veth0", veth2, guest), FcnetRuleset.dnat(family, "veth0", veth2, guest));
        }
        InetAddress other = IpInet.parseAddress(family == NftFamily.IP ? "fd00::1" : "10.0.0.1");
        if (family != NftFamily.INET) {
            assertThrows(IllegalArgumentException.class, () -> FcnetRuleset.masquerade(family, other, "eth0"));
        }
    }
}
