package dev.fcnet.rtnl;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * A network interface as the kernel reported it (RTM_NEWLINK).
 *
 * @param index the interface index
 * @param name the interface name
 * @param flags ifi_flags (IFF_UP, IFF_RUNNING, ...)
 * @param kind the driver kind from IFLA_INFO_KIND ("veth", "tun", ...); empty for links without one (lo)
 * @param group the link group (IFLA_GROUP, 0 = default)
 * @param mtu the MTU
 * @param master the index of the master device (bridge, bond), if enslaved
 * @param peer the index of the link this one is attached to (IFLA_LINK: a veth's peer), if any;
 *        an index in the namespace given by {@code peerNetnsId} when that is present
 * @param peerNetnsId the id, in this link's namespace, of the namespace holding the peer
 *        (IFLA_LINK_NETNSID), when the peer lives in another namespace
 * @param alias the alias (IFLA_IFALIAS), if set
 * @param ipv4Forwarding the link's IPv4 forwarding switch ({@code net.ipv4.conf.NAME.forwarding},
 *        from IFLA_AF_SPEC / AF_INET / IFLA_INET_CONF); empty for a link without IPv4 configuration
 * @param tunOwner a tun/tap device's owner (TUNSETOWNER, IFLA_TUN_OWNER); empty when unset or not a tun device
 * @param tunGroup a tun/tap device's group (TUNSETGROUP, IFLA_TUN_GROUP); empty when unset or not a tun device
 */
public record Link(int index, String name, int flags, Optional<String> kind, int group, int mtu, OptionalInt master,
        OptionalInt peer, OptionalInt peerNetnsId, Optional<String> alias, Optional<Boolean> ipv4Forwarding,
        OptionalInt tunOwner, OptionalInt tunGroup) {

    /** True when administratively up (IFF_UP). */
    public boolean up() {
        return (flags & RtnlConstants.IFF_UP) != 0;
    }
}
