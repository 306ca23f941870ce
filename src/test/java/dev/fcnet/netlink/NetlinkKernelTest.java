package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NETLINK_NETFILTER;
import static dev.fcnet.netlink.NetlinkConstants.NETLINK_ROUTE;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_DUMP;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_REQUEST;
import static dev.fcnet.rtnl.RtnlConstants.IFINFOMSG_INDEX;
import static dev.fcnet.rtnl.RtnlConstants.IFLA_EXT_MASK;
import static dev.fcnet.rtnl.RtnlConstants.IFLA_IFNAME;
import static dev.fcnet.rtnl.RtnlConstants.RTEXT_FILTER_VF;
import static dev.fcnet.rtnl.RtnlConstants.RTM_GETLINK;
import static dev.fcnet.rtnl.RtnlConstants.RTM_NEWLINK;
import static dev.fcnet.rtnl.RtnlConstants.SIZEOF_IFINFOMSG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.sys.Errno;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Tools;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The socket and receive loop against the real kernel, read-only, in the test JVM's own netns
 * (which holds only lo). The rtnl layer owns the real link API; these requests are spelled out
 * here only to exercise the loop.
 */
@KernelTest
class NetlinkKernelTest {
    private static void getLink(MessageBuilder b, String name, int flags) {
        b.begin(RTM_GETLINK, flags, "RTM_GETLINK " + name);
        b.reserve(SIZEOF_IFINFOMSG);
        b.putString(IFLA_IFNAME, name);
        b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
        b.end();
    }

    private static String describe(MessageView m) {
        assertEquals(RTM_NEWLINK, m.type());
        String name = null;
        for (AttributeReader a = m.attributes(SIZEOF_IFINFOMSG); a.next(); ) {
            if (a.type() == IFLA_IFNAME) name = a.string();
        }
        return name + "#" + m.u32(IFINFOMSG_INDEX);
    }

    @Test
    void getLinkByName() {
        try (NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE)) {
            assertNotEquals(0, s.portId());
            MessageBuilder b = new MessageBuilder();
            getLink(b, "lo", NLM_F_REQUEST | NLM_F_ACK);
            List<String> replies = new ArrayList<>();
            s.request(b, (i, m) -> replies.add(i + " " + describe(m)));
            assertEquals(List.of("0 lo#1"), replies);
        }
    }

    @Test
    void missingLinkIsEnodevNamingIt() {
        try (NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE)) {
            MessageBuilder b = new MessageBuilder();
            getLink(b, "nosuch0", NLM_F_REQUEST | NLM_F_ACK);
            NetlinkException e = assertThrows(NetlinkException.class, () -> s.request(b, (i, m) -> {}));
            assertEquals(Errno.ENODEV, e.errno());
            assertTrue(e.getMessage().startsWith("RTM_GETLINK nosuch0: No such device (ENODEV)"), e.getMessage());
            assertEquals(b.seq(0), e.seq());
        }
    }

    /** Two requests in one datagram: the first answered, the second failing, each by its index. */
    @Test
    void twoRequestsInOneSend() {
        try (NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE)) {
            MessageBuilder b = new MessageBuilder();
            getLink(b, "lo", NLM_F_REQUEST | NLM_F_ACK);
            getLink(b, "nosuch1", NLM_F_REQUEST | NLM_F_ACK);
            List<String> replies = new ArrayList<>();
            NetlinkException e = assertThrows(NetlinkException.class, () -> s.request(b, (i, m) -> replies.add(i + " " + describe(m))));
            assertEquals(1, e.messageIndex());
            assertEquals(Errno.ENODEV, e.errno());
            assertEquals(List.of("0 lo#1"), replies);
            // The socket is still in step: the next request gets its own answer.
            MessageBuilder again = new MessageBuilder();
            getLink(again, "lo", NLM_F_REQUEST | NLM_F_ACK);
            replies.clear();
            s.request(again, (i, m) -> replies.add(describe(m)));
            assertEquals(List.of("lo#1"), replies);
        }
    }

    @Test
    void dumpAllLinks() {
        try (NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE)) {
            MessageBuilder b = new MessageBuilder();
            b.begin(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, "RTM_GETLINK dump");
            b.reserve(SIZEOF_IFINFOMSG);
            b.end();
            assertEquals(List.of("lo#1"), s.dump(b, NetlinkKernelTest::describe));
            assertEquals(List.of("lo#1"), s.dump(b, NetlinkKernelTest::describe), "a second dump on the same socket");
        }
    }

    /** The kernel's own view (ss) of the socket: bound to its port, buffers raised past the sysctl limit. */
    @Test
    void socketBuffersAreRaised() {
        try (NetlinkSocket s = NetlinkSocket.open(NETLINK_NETFILTER)) {
            String line = Tools.run("ss", "-f", "netlink", "-a", "-m", "-n").lines()
                    .filter(l -> l.matches(".*\\s12:" + Integer.toUnsignedString(s.portId()) + "\\s.*"))
                    .findFirst().orElseThrow(() -> new AssertionError("no netfilter socket with port " + s.portId()));
            // The kernel doubles the requested 4 MiB (socket(7)).
            int doubled = 2 * KernelTransport.SOCKET_BUFFER;
            assertTrue(line.contains("rb" + doubled) && line.contains("tb" + doubled), line);
        }
    }
}
