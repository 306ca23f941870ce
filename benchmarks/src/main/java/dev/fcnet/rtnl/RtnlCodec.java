package dev.fcnet.rtnl;

import dev.fcnet.netlink.MessageBuilder;
import java.net.InetAddress;

/**
 * Benchmark access to the package-private rtnetlink encoders (this class sits in the library's
 * package; on the class path both load into one runtime package).
 */
public final class RtnlCodec {
    private RtnlCodec() {}

    /** The rtnetlink requests of a Simple Add after the tap exists: look it up, mark it, address it, bring it up. */
    public static void simpleAdd(MessageBuilder b, Link tap, String alias, InetAddress address, int prefixLength) {
        RtnlMessages.getLink(b, tap.name());
        RtnlMessages.setAlias(b, tap, alias);
        RtnlMessages.newAddr(b, tap, address, prefixLength);
        RtnlMessages.setUp(b, tap, true);
    }
}
