package dev.fcnet.rtnl;

import java.net.Inet4Address;
import java.net.InetAddress;

/** IPv4 or IPv6, with its address family number and the /proc/sys/net directory it lives in. */
public enum IpFamily {
    INET(RtnlConstants.AF_INET, 4, "ipv4"),
    INET6(RtnlConstants.AF_INET6, 16, "ipv6");

    private final int af;
    private final int addressLength;
    private final String sysctlDir;

    IpFamily(int af, int addressLength, String sysctlDir) {
        this.af = af;
        this.addressLength = addressLength;
        this.sysctlDir = sysctlDir;
    }

    public static IpFamily of(InetAddress address) {
        return address instanceof Inet4Address ? INET : INET6;
    }

    /** AF_INET or AF_INET6. */
    public int af() {
        return af;
    }

    /** Address length in bytes: 4 or 16. */
    public int addressLength() {
        return addressLength;
    }

    /** The longest prefix: 32 or 128. */
    public int maxPrefixLength() {
        return addressLength * 8;
    }

    /** "ipv4" or "ipv6", as in /proc/sys/net/ipv4. */
    String sysctlDir() {
        return sysctlDir;
    }
}
