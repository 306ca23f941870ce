package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NLM_F_REQUEST;
import static dev.fcnet.rtnl.RtnlConstants.AF_PACKET;
import static dev.fcnet.rtnl.RtnlConstants.IFLA_EXT_MASK;
import static dev.fcnet.rtnl.RtnlConstants.IFLA_IFNAME;
import static dev.fcnet.rtnl.RtnlConstants.RTEXT_FILTER_VF;
import static dev.fcnet.rtnl.RtnlConstants.RTM_GETLINK;
import static dev.fcnet.rtnl.RtnlConstants.SIZEOF_IFINFOMSG;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The codec writes the bytes iproute2 writes. Fixture golden/rtnl/getlink.txt (captured by the
 * rtnl layer's capture.sh) holds what `ip link show dev veth1` sent; the rtnl layer checks its
 * requests in full, this checks only the codec on one of them.
 */
class GoldenCodecTest {
    private static final Pattern CALL = Pattern.compile("^send(?:msg|to)\\((\\d+),");
    private static final Pattern HEX_ROW = Pattern.compile("^ \\| [0-9a-f]{5}  ((?:[0-9a-f]{2} ?){1,8}(?: (?:[0-9a-f]{2} ?){1,8})?)");

    @Test
    void getLinkByNameMatchesIproute2() throws IOException {
        MessageBuilder b = new MessageBuilder();
        b.begin(RTM_GETLINK, NLM_F_REQUEST, "RTM_GETLINK veth1");
        b.setU8(b.reserve(SIZEOF_IFINFOMSG), AF_PACKET);
        b.putString(IFLA_IFNAME, "veth1");
        b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
        b.end();
        assertEquals(hexRows(lastSendOnFd3("/golden/rtnl/getlink.txt")), hexRows(b.toByteArray()));
    }

    /** The bytes of the last send on fd 3 (ip's rtnl socket), seq and pid zeroed. */
    private static byte[] lastSendOnFd3(String resource) throws IOException {
        String text;
        try (InputStream in = GoldenCodecTest.class.getResourceAsStream(resource)) {
            if (in == null) throw new AssertionError("missing fixture " + resource);
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        StringBuilder hex = null;
        String last = null;
        boolean fd3 = false;
        for (String line : text.lines().toList()) {
            Matcher call = CALL.matcher(line);
            Matcher row = HEX_ROW.matcher(line);
            if (call.find()) {
                if (fd3) last = hex.toString();
                fd3 = call.group(1).equals("3");
                hex = new StringBuilder();
            } else if (hex != null && row.find()) {
                hex.append(row.group(1).replace(" ", ""));
            }
        }
        if (fd3) last = hex.toString();
        if (last == null) throw new AssertionError(resource + " has no send on fd 3");
        byte[] bytes = HexFormat.of().parseHex(last);
        for (int i = 8; i < 16; i++) bytes[i] = 0;
        return bytes;
    }

    private static List<String> hexRows(byte[] b) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < b.length; i += 16) rows.add(HexFormat.ofDelimiter(" ").formatHex(b, i, Math.min(b.length, i + 16)));
        return rows;
    }
}
