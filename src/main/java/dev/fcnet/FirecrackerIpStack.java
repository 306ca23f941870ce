package dev.fcnet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** The IP stack of a network; it picks the nftables family of the {@code fcnet} table. */
public enum FirecrackerIpStack {
    /** IPv4 only: an {@code ip} table. */
    V4("ip"),
    /** IPv6 only: an {@code ip6} table. */
    V6("ip6"),
    /** IPv4 and IPv6: an {@code inet} table. */
    Dual("inet");

    private final String nftFamily;

    FirecrackerIpStack(String nftFamily) {
        this.nftFamily = nftFamily;
    }

    /** {@return the nftables family name: {@code ip}, {@code ip6} or {@code inet}} */
    public String nftFamily() {
        return nftFamily;
    }

    /**
     * Whether an address can be used with this stack.
     *
     * @param address an IPv4 or IPv6 address
     * @return true if the address's family is this stack's (any address for {@link #Dual})
     */
    public boolean allows(InetAddress address) {
        return switch (this) {
            case V4 -> address instanceof Inet4Address;
            case V6 -> address instanceof Inet6Address;
            case Dual -> true;
        };
    }
}
