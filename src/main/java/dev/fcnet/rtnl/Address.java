package dev.fcnet.rtnl;

import java.net.InetAddress;
import java.util.Optional;

/**
 * An interface address as the kernel reported it (RTM_NEWADDR).
 *
 * @param index the interface index it is on
 * @param address the local address (IFA_LOCAL, else IFA_ADDRESS)
 * @param prefixLength the prefix length of its subnet
 * @param flags IFA_F_* flags (from IFA_FLAGS when present, which extends the 8-bit ifa_flags)
 * @param scope RT_SCOPE_* scope
 * @param broadcast the IPv4 broadcast address (IFA_BROADCAST), if set
 */
public record Address(int index, InetAddress address, int prefixLength, int flags, int scope,
        Optional<InetAddress> broadcast) {

    public IpFamily family() {
        return IpFamily.of(address);
    }

    /** True while IPv6 duplicate address detection has not finished: the address is not usable yet. */
    public boolean tentative() {
        return (flags & RtnlConstants.IFA_F_TENTATIVE) != 0;
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength + " index " + index;
    }
}
