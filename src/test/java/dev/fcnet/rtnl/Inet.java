package dev.fcnet.rtnl;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Address literals for tests. */
final class Inet {
    private Inet() {}

    /** Parses an IPv4 or IPv6 literal (never a lookup: only literals are passed). */
    static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(literal, e);
        }
    }
}
