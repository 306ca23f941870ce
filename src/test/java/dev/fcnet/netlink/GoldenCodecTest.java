package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NLM_F_REQUEST;
import static dev.fcnet.rtnl.RtnlConstants.AF_PACKET;
import static dev.fcnet.rtnl.RtnlConstants.IFLA_EXT_MASK;
import static dev.fcnet.rtnl.RtnlConstants.IFLA_IFNAME;
import static dev.fcnet.rtnl.RtnlConstants.RTEXT_FILTER_VF;
import static dev.fcnet.rtnl.RtnlConstants.RTM_GETLINK;
import static dev.fcnet.rtnl.RtnlConstants.SIZEOF_IFINFOMSG;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fcnet.testing.StraceDump;
import org.junit.jupiter.api.Test;

/**
 * The codec writes the bytes iproute2 writes. Fixture golden/rtnl/getlink.txt (captured by the
 * rtnl layer's capture.sh) holds what `ip link show dev veth1` sent; the rtnl layer checks its
 * requests in full, this checks only the codec on one of them.
 */
class GoldenCodecTest {
    @Test
    void getLinkByNameMatchesIproute2() {
        MessageBuilder b = new MessageBuilder();
        b.begin(RTM_GETLINK, NLM_F_REQUEST, "RTM_GETLINK veth1");
        b.setU8(b.reserve(SIZEOF_IFINFOMSG), AF_PACKET);
        b.putString(IFLA_IFNAME, "veth1");
        b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
        b.end();
        assertEquals(StraceDump.hexRows(lastSendOnFd3("/golden/rtnl/getlink.txt")), StraceDump.hexRows(b.toByteArray()));
    }

    /** The bytes of the last send on fd 3 (ip's rtnl socket), seq and pid zeroed. */
    private static byte[] lastSendOnFd3(String resource) {
        byte[] bytes = StraceDump.lastSend(StraceDump.read(resource), 3);
        for (int i = 8; i < 16; i++) bytes[i] = 0;
        return bytes;
    }
}
