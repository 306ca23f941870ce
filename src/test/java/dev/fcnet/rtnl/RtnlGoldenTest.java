package dev.fcnet.rtnl;

import static dev.fcnet.rtnl.Inet.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fcnet.netlink.MessageBuilder;
import java.net.InetAddress;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every request we build equals, byte for byte, what iproute2 sends for the same command. */
class RtnlGoldenTest {
    /** veth1 had index 3 (its peer veth0 2) and ip's fd for /run/netns/other was 4 when the fixtures were captured. */
    private static final Link VETH1 = link(3, "veth1");
    private static final Link VETH9 = link(3, "veth9");
    private static final int NETNS_FD = 4;

    static Link link(int index, String name) {
        return new Link(index, name, 0, Optional.empty(), 0, 1500, OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty(), Optional.empty(), Optional.empty(), OptionalInt.empty(), OptionalInt.empty());
    }

    private static void assertBytes(String fixture, Consumer<MessageBuilder> build) {
        assertBytes(RtnlFixture.load(fixture).request(), fixture, build);
    }

    private static void assertBytes(byte[] expected, String fixture, Consumer<MessageBuilder> build) {
        MessageBuilder b = new MessageBuilder();
        build.accept(b);
        assertEquals(1, b.messageCount());
        // Compared as hex rows so a failure shows where the bytes differ.
        assertEquals(RtnlFixture.hex(expected), RtnlFixture.hex(b.toByteArray()), fixture + ": " + RtnlFixture.load(fixture));
    }

    @Test
    void links() {
        assertBytes(RtnlFixture.load("getlink").withAck(), "getlink", b -> RtnlMessages.getLink(b, "veth1"));
        assertBytes("newlink-veth", b -> RtnlMessages.newVeth(b, "veth1", "veth0", -1));
        assertBytes("newlink-veth-peer-netns", b -> RtnlMessages.newVeth(b, "veth3", "veth2", NETNS_FD));
        assertBytes("setlink-up", b -> RtnlMessages.setUp(b, VETH1, true));
        assertBytes("setlink-down", b -> RtnlMessages.setUp(b, VETH1, false));
        assertBytes("setlink-netns", b -> RtnlMessages.setNetns(b, link(2, "veth0"), NETNS_FD));
        assertBytes("setlink-group", b -> RtnlMessages.setGroup(b, VETH1, 7));
        assertBytes("setlink-alias", b -> RtnlMessages.setAlias(b, VETH1, "fcnet"));
        assertBytes("setlink-name", b -> RtnlMessages.rename(b, VETH1, "veth9"));
        assertBytes("dellink", b -> RtnlMessages.delLink(b, VETH9));
        assertBytes("setlink-name-group", b -> RtnlMessages.renameAndGroup(b, link(6, "veth9"), "fcg3", 7));
        assertBytes("dellink-group", b -> RtnlMessages.delGroup(b, 7));
        assertBytes("setlink-addrgenmode", b -> RtnlMessages.addrGenModeNone(b, link(8, "veth7")));
    }

    @Test
    void addresses() {
        InetAddress v4 = ip("10.0.0.1");
        InetAddress v6 = ip("2001:db8::1");
        assertBytes("newaddr-v4", b -> RtnlMessages.newAddr(b, VETH9, v4, 24));
        InetAddress host = ip("10.0.2.1");
        assertBytes("newaddr-v4-host", b -> RtnlMessages.newAddr(b, VETH9, host, 32));
        assertBytes("newaddr-v6-nodad", b -> RtnlMessages.newAddr(b, VETH9, v6, 64));
        assertBytes("deladdr-v4", b -> RtnlMessages.delAddr(b, VETH9, v4, 24));
        assertBytes("deladdr-v6", b -> RtnlMessages.delAddr(b, VETH9, v6, 64));
        assertBytes("getaddr-link", b -> RtnlMessages.getAddrs(b, VETH9));
    }

    @Test
    void routes() {
        InetAddress any4 = ip("0.0.0.0");
        InetAddress any6 = ip("::");
        InetAddress gw4 = ip("10.0.0.2");
        InetAddress gw6 = ip("2001:db8::2");
        InetAddress host4 = ip("192.168.0.3");
        InetAddress host6 = ip("2001:db8:1::3");
        assertBytes("newroute-v4-default", b -> RtnlMessages.newRoute(b, any4, 0, gw4));
        assertBytes("newroute-v6-default", b -> RtnlMessages.newRoute(b, any6, 0, gw6));
        assertBytes("newroute-v4-host", b -> RtnlMessages.newRoute(b, host4, 32, gw4));
        assertBytes("newroute-v6-host", b -> RtnlMessages.newRoute(b, host6, 128, gw6));
        assertBytes("delroute-v4-default", b -> RtnlMessages.delRoute(b, any4, 0, gw4));
        assertBytes("delroute-v6-default", b -> RtnlMessages.delRoute(b, any6, 0, gw6));
        assertBytes("delroute-v4-host", b -> RtnlMessages.delRoute(b, host4, 32, gw4));
        assertBytes("delroute-v6-host", b -> RtnlMessages.delRoute(b, host6, 128, gw6));
        assertBytes("getroute-v4", b -> RtnlMessages.getRoutes(b, IpFamily.INET));
        assertBytes("getroute-v6", b -> RtnlMessages.getRoutes(b, IpFamily.INET6));
        assertBytes(RtnlFixture.load("getroute-fibmatch-v4").withAck(), "getroute-fibmatch-v4",
                b -> RtnlMessages.getRouteFibMatch(b, host4));
        assertBytes(RtnlFixture.load("getroute-fibmatch-v6").withAck(), "getroute-fibmatch-v6",
                b -> RtnlMessages.getRouteFibMatch(b, host6));
    }

    @Test
    void netconf() {
        assertBytes("getnetconf-v4", b -> RtnlMessages.getNetconf(b, IpFamily.INET, 3, "dev veth9"));
        assertBytes("getnetconf-v6", b -> RtnlMessages.getNetconf(b, IpFamily.INET6, 3, "dev veth9"));
    }
}
