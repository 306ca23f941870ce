package dev.fcnet.rtnl;

import java.net.InetAddress;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A route as the kernel reported it (RTM_NEWROUTE).
 *
 * @param family IPv4 or IPv6
 * @param destination the destination prefix's address (the all-zero address for a default route)
 * @param prefixLength the destination prefix length (0 for a default route)
 * @param gateway the next hop (RTA_GATEWAY), if the route has one
 * @param outputIndex the output interface index (RTA_OIF), if any
 * @param table the routing table (RTA_TABLE, else rtm_table)
 * @param protocol RTPROT_* (who installed it: kernel, boot, static, ...)
 * @param scope RT_SCOPE_*
 * @param type RTN_* (unicast, local, ...)
 * @param priority the metric (RTA_PRIORITY), if set
 */
public record Route(IpFamily family, InetAddress destination, int prefixLength, Optional<InetAddress> gateway,
        OptionalInt outputIndex, int table, int protocol, int scope, int type, OptionalInt priority) {

    public boolean isDefault() {
        return prefixLength == 0;
    }

    @Override
    public String toString() {
        String dst = prefixLength == 0 ? "default" : destination.getHostAddress() + "/" + prefixLength;
        return gateway.map(g -> dst + " via " + g.getHostAddress()).orElse(dst)
                + (outputIndex.isPresent() ? " oif " + outputIndex.getAsInt() : "");
    }
}
