package dev.fcnet.rtnl;

import dev.fcnet.netlink.MessageBuilder;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Requests that {@link Rtnl#send} sends in one datagram, each encoded as its single-request
 * method of {@link Rtnl} sends it: one system call instead of one per request. The kernel
 * handles them in order, each on its own (a failed one does not stop the next).
 */
public final class RtnlBatch {
    final List<Consumer<MessageBuilder>> requests = new ArrayList<>();

    /** As {@link Rtnl#setAlias}. */
    public RtnlBatch setAlias(Link link, String alias) {
        requests.add(b -> RtnlMessages.setAlias(b, link, alias));
        return this;
    }

    /** As {@link Rtnl#addAddress}. */
    public RtnlBatch addAddress(Link link, InetAddress address, int prefixLength) {
        requests.add(b -> RtnlMessages.newAddr(b, link, address, prefixLength));
        return this;
    }

    /**
     * No IPv6 link-local address for the link ({@code ip link set NAME addrgenmode none}): before
     * it is set up, this spares the kernel the address, its duplicate address detection, router
     * solicitations and routes.
     */
    public RtnlBatch addrGenModeNone(Link link) {
        requests.add(b -> RtnlMessages.addrGenModeNone(b, link));
        return this;
    }

    /**
     * Turns the device's IPv4 forwarding on or off, as writing
     * {@code /proc/sys/net/ipv4/conf/NAME/forwarding} does (IPv4 forwards a packet when the
     * device it came in through forwards), but without the file: no thread needs to be in the
     * link's netns, and the kernel does not look the path up among every netns' sysctl entries.
     */
    public RtnlBatch setIpv4Forwarding(Link link, boolean on) {
        requests.add(b -> RtnlMessages.setIpv4Forwarding(b, link, on));
        return this;
    }

    /** {@code ip link set NAME addrgenmode MODE}, MODE an IN6_ADDR_GEN_MODE_* value, e.g. to restore conf/default's. */
    public RtnlBatch addrGenMode(Link link, int mode) {
        requests.add(b -> RtnlMessages.addrGenMode(b, link, mode));
        return this;
    }

    /** As {@link Rtnl#deleteAddress}. */
    public RtnlBatch deleteAddress(Link link, InetAddress address, int prefixLength) {
        requests.add(b -> RtnlMessages.delAddr(b, link, address, prefixLength));
        return this;
    }

    /** As {@link Rtnl#rename} (the link must be down). */
    public RtnlBatch rename(Link link, String newName) {
        requests.add(b -> RtnlMessages.rename(b, link, newName));
        return this;
    }

    /** As {@link Rtnl#setUp}. */
    public RtnlBatch setUp(Link link, boolean up) {
        requests.add(b -> RtnlMessages.setUp(b, link, up));
        return this;
    }

    /** As {@link Rtnl#setGroup}. */
    public RtnlBatch setGroup(Link link, int group) {
        requests.add(b -> RtnlMessages.setGroup(b, link, group));
        return this;
    }

    public int size() {
        return requests.size();
    }
}
