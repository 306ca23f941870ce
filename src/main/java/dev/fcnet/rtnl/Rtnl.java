package dev.fcnet.rtnl;

import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.MessageView;
import dev.fcnet.netlink.NetlinkConstants;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netlink.NetlinkSocket;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.Names;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Links, addresses and routes over one NETLINK_ROUTE socket, bound to the network namespace it
 * was opened in (open it inside another namespace with {@code netns.call(Rtnl::open)}; it can
 * then be used from any thread). Requests are encoded as iproute2 sends them. Safe for use by
 * several threads: requests are serialized.
 *
 * <p>Failures are {@link NetlinkException}s naming the request and its object, e.g.
 * "RTM_NEWLINK veth1: File exists (EEXIST)" or "RTM_DELLINK veth9: No such device (ENODEV)",
 * with the kernel's extended-ack text when it sent one.
 */
public final class Rtnl implements AutoCloseable {
    private final NetlinkSocket socket;
    private final MessageBuilder builder = new MessageBuilder();
    // A lock, not synchronized: callers may be virtual threads.
    private final ReentrantLock lock = new ReentrantLock();

    private Rtnl(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens a NETLINK_ROUTE socket in the network namespace of the calling thread. */
    public static Rtnl open() {
        return new Rtnl(NetlinkSocket.open(NetlinkConstants.NETLINK_ROUTE));
    }

    // ---- links

    /**
     * The link of that name, asked for by name (RTM_GETLINK with IFLA_IFNAME, never a dump); empty
     * when there is none (ENODEV).
     */
    public Optional<Link> link(String name) {
        return links(List.of(name)).get(0);
    }

    /**
     * The links of these names, asked for in one datagram (an RTM_GETLINK each); empty for a name
     * there is no link of.
     */
    public List<Optional<Link>> links(List<String> names) {
        if (names.isEmpty()) return List.of();
        lock.lock();
        try {
            MessageBuilder b = builder.clear();
            names.forEach(name -> RtnlMessages.getLink(b, Objects.requireNonNull(name, "name")));
            List<Optional<Link>> found = new ArrayList<>(Collections.nCopies(names.size(), Optional.empty()));
            try {
                socket.request(b, (index, reply) -> {
                    if (reply.type() == RtnlConstants.RTM_NEWLINK) found.set(index, Optional.of(RtnlMessages.decodeLink(reply)));
                });
            } catch (NetlinkException e) {
                // Each refusal is the exception or one suppressed in it; only "no such device" means absent.
                if (e.errno() != Errno.ENODEV) throw e;
                for (Throwable t : e.getSuppressed()) {
                    if (t instanceof NetlinkException other && other.errno() != Errno.ENODEV) throw other;
                }
            }
            return found;
        } finally {
            lock.unlock();
        }
    }

    /** The link with this index; empty when there is none (ENODEV). */
    public Optional<Link> link(int index) {
        try {
            return Optional.of(get(b -> RtnlMessages.getLink(b, index), RtnlConstants.RTM_NEWLINK, RtnlMessages::decodeLink));
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENODEV) return Optional.empty();
            throw e;
        }
    }

    /** Every link of the netns, from one dump. */
    public List<Link> links() {
        return dump(RtnlMessages::getLinks, RtnlConstants.RTM_NEWLINK, RtnlMessages::decodeLink);
    }

    /** Creates a veth pair {@code name} / {@code peer} in this namespace (fails with EEXIST if either name is taken). */
    public void createVeth(String name, String peer) {
        request(b -> RtnlMessages.newVeth(b, name, peer, -1));
    }

    /**
     * Creates a veth pair whose {@code peer} end is created directly in the namespace of
     * {@code peerNetnsFd} (an nsfs fd, e.g. {@code Netns.fd()}), like
     * {@code ip link add NAME type veth peer name PEER netns NS}.
     */
    public void createVeth(String name, String peer, int peerNetnsFd) {
        if (peerNetnsFd < 0) throw new IllegalArgumentException("invalid netns fd " + peerNetnsFd);
        request(b -> RtnlMessages.newVeth(b, name, peer, peerNetnsFd));
    }

    /** Sets the link administratively up or down (IFF_UP). */
    public void setUp(Link link, boolean up) {
        request(b -> RtnlMessages.setUp(b, link, up));
    }

    /** Moves the link into the namespace of {@code netnsFd}; its index may change there. */
    public void moveToNetns(Link link, int netnsFd) {
        request(b -> RtnlMessages.setNetns(b, link, netnsFd));
    }

    /** Renames the link (it must be down). */
    public void rename(Link link, String newName) {
        request(b -> RtnlMessages.rename(b, link, newName));
    }

    /** Sets the link group (IFLA_GROUP). */
    public void setGroup(Link link, int group) {
        request(b -> RtnlMessages.setGroup(b, link, group));
    }

    /** Sets the link alias (IFLA_IFALIAS), e.g. to mark links fcnet created. */
    public void setAlias(Link link, String alias) {
        request(b -> RtnlMessages.setAlias(b, link, alias));
    }

    /** Deletes the link by index (a veth takes its peer with it). */
    public void deleteLink(Link link) {
        request(b -> RtnlMessages.delLink(b, link));
    }

    /** Deletes the link by name in one request; "RTM_DELLINK NAME: No such device (ENODEV)" when missing. */
    public void deleteLink(String name) {
        request(b -> RtnlMessages.delLink(b, name));
    }

    /**
     * Sends the batch's requests in one datagram and waits for every ack.
     *
     * @throws NetlinkException for the first request the kernel refused (its later refusals
     *         suppressed in it); the requests before and after it were carried out
     */
    public void send(RtnlBatch batch) {
        if (batch.size() == 0) return;
        request(b -> batch.requests.forEach(r -> r.accept(b)));
    }

    /**
     * Takes the link out of service at once, leaving its destruction for later: removes
     * {@code address/prefixLength} from it (an address already gone is fine), sets it down,
     * renames it to {@code newName} and moves it to {@code group}, four requests in one datagram.
     * Afterwards its old name and the address are free and it forwards nothing; {@link #deleteGroup}
     * destroys it together with the rest of its group. (Destroying a device costs the kernel
     * about 16 ms, most of it waiting for RCU grace periods; destroying a group of them costs
     * about as much as destroying one.) When it fails, e.g. with EEXIST for a taken name, the
     * link may be down and in the group already (the kernel sets the group before it renames):
     * a link being retired is meant to be deleted, so delete it.
     */
    public void retire(Link link, InetAddress address, int prefixLength, String newName, int group) {
        if (group == 0) throw new IllegalArgumentException("group 0 is every link's default group");
        try {
            request(b -> {
                RtnlMessages.delAddr(b, link, address, prefixLength);
                RtnlMessages.setUp(b, link, false);
                RtnlMessages.renameAndGroup(b, link, newName, group);
            });
        } catch (NetlinkException e) {
            if (e.messageIndex() != 0 || e.errno() != Errno.EADDRNOTAVAIL) throw e;
            // The address was gone already; the other requests' failures, if any, are suppressed.
            for (Throwable later : e.getSuppressed()) {
                if (later instanceof NetlinkException n) throw n;
            }
        }
    }

    /**
     * Deletes every link of {@code group} in one request, as {@code ip link del group N} does: the
     * kernel unregisters them in one batch. Returns false when no link is in the group (ENODEV).
     */
    public boolean deleteGroup(int group) {
        if (group == 0) throw new IllegalArgumentException("group 0 is every link's default group");
        try {
            request(b -> RtnlMessages.delGroup(b, group));
            return true;
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENODEV) return false;
            throw e;
        }
    }

    // ---- addresses

    /**
     * Adds {@code address/prefixLength} to the link. IPv4 gets IFA_LOCAL, IFA_ADDRESS and, up to
     * /30, the subnet's broadcast address; IPv6 gets IFA_F_NODAD, so it is usable at once rather
     * than tentative.
     */
    public void addAddress(Link link, InetAddress address, int prefixLength) {
        request(b -> RtnlMessages.newAddr(b, link, address, prefixLength));
    }

    /** Removes {@code address/prefixLength} from the link ("Cannot assign requested address (EADDRNOTAVAIL)" when absent). */
    public void deleteAddress(Link link, InetAddress address, int prefixLength) {
        request(b -> RtnlMessages.delAddr(b, link, address, prefixLength));
    }

    /** The link's IPv4 and IPv6 addresses, from a dump the kernel filters by interface. */
    public List<Address> addresses(Link link) {
        return dump(b -> RtnlMessages.getAddrs(b, link), RtnlConstants.RTM_NEWADDR, RtnlMessages::decodeAddr);
    }

    // ---- routes

    /**
     * Adds a route to {@code destination/prefixLength} via {@code gateway} in the main table
     * (protocol boot, scope universe, unicast, as {@code ip route add} does). A default route is
     * the all-zero destination with prefix length 0; a host route has /32 or /128.
     */
    public void addRoute(InetAddress destination, int prefixLength, InetAddress gateway) {
        request(b -> RtnlMessages.newRoute(b, destination, prefixLength, gateway));
    }

    /** Deletes the main-table route to {@code destination/prefixLength} via {@code gateway} (ESRCH when absent). */
    public void deleteRoute(InetAddress destination, int prefixLength, InetAddress gateway) {
        request(b -> RtnlMessages.delRoute(b, destination, prefixLength, gateway));
    }

    /**
     * The main table's routes of one family, from a dump the kernel filters by family and table;
     * none when there is no main table.
     */
    public List<Route> routes(IpFamily family) {
        try {
            return dump(b -> RtnlMessages.getRoutes(b, family), RtnlConstants.RTM_NEWROUTE, RtnlMessages::decodeRoute);
        } catch (NetlinkException e) {
            // "FIB table does not exist": a netns with no route yet, or one being destroyed.
            if (e.errno() == Errno.ENOENT) return List.of();
            throw e;
        }
    }

    /**
     * The routing entry the kernel would use for {@code destination}, found like
     * {@code ip route get fibmatch ADDRESS} (one request, however many routes there are); empty
     * when no route covers it (ENETUNREACH). It may be a shorter prefix, e.g. the default route:
     * compare {@link Route#destination()} and {@link Route#prefixLength()} to find an exact one.
     */
    public Optional<Route> fibMatch(InetAddress destination) {
        try {
            return Optional.ofNullable(get(b -> RtnlMessages.getRouteFibMatch(b, destination), RtnlConstants.RTM_NEWROUTE,
                    RtnlMessages::decodeRoute));
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENETUNREACH) return Optional.empty();
            throw e;
        }
    }

    // ---- forwarding

    /** Whether the link forwards packets of {@code family} (RTM_GETNETCONF, NETCONFA_FORWARDING). */
    public boolean forwarding(IpFamily family, Link link) {
        return netconfForwarding(family, link.index(), "dev " + link.name());
    }

    /**
     * The namespace-wide setting ({@code net.ipv4.conf.all.forwarding}, which for IPv4 is
     * {@code net.ipv4.ip_forward}; {@code net.ipv6.conf.all.forwarding}).
     */
    public boolean forwardingAll(IpFamily family) {
        return netconfForwarding(family, RtnlConstants.NETCONFA_IFINDEX_ALL, "all");
    }

    /**
     * The setting new devices start with ({@code net.ipv4.conf.default.forwarding},
     * {@code net.ipv6.conf.default.forwarding}): what a link created now will have.
     */
    public boolean forwardingDefault(IpFamily family) {
        return netconfForwarding(family, RtnlConstants.NETCONFA_IFINDEX_DEFAULT, "default");
    }

    private boolean netconfForwarding(IpFamily family, int ifindex, String what) {
        Boolean forwarding = get(b -> RtnlMessages.getNetconf(b, family, ifindex, what), RtnlConstants.RTM_NEWNETCONF,
                RtnlMessages::decodeForwarding);
        if (forwarding == null) {
            throw new IllegalStateException("RTM_GETNETCONF " + family + " " + what + ": no NETCONFA_FORWARDING in the reply");
        }
        return forwarding;
    }

    /**
     * Turns forwarding of {@code family} on or off for {@code device}, or for the whole namespace
     * with device "all" (for IPv4 that is also {@code net.ipv4.ip_forward}). The kernel offers no
     * rtnetlink request for this, so it writes /proc/sys/net/ipv4|ipv6/conf/DEVICE/forwarding,
     * which belongs to the namespace of the thread that opens it: call this on a thread inside
     * the target namespace ({@code netns.call(...)}) for any namespace but the caller's.
     */
    public static void setForwarding(IpFamily family, String device, boolean on) {
        Names.require(Names.Kind.LINK, "device name", device); // part of a /proc path: no '/', ".", ".."
        Path file = Path.of("/proc/sys/net", family.sysctlDir(), "conf", device, "forwarding");
        try {
            Files.writeString(file, on ? "1" : "0");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Turns IPv6 off for {@code device} ({@code net.ipv6.conf.DEVICE.disable_ipv6=1}): no
     * addresses, no routes, not even the multicast route every device gets when it goes up.
     * rtnetlink cannot set it (the kernel takes IFLA_INET6_CONF only as part of an address
     * generation mode change, and then ignores it), so this writes /proc/sys/net, which belongs
     * to the namespace of the thread that opens it (see {@link #setForwarding}). Nothing to do
     * when the kernel has no IPv6.
     */
    public static void disableIpv6(String device) {
        setIpv6Disabled(device, true);
    }

    /** {@code net.ipv6.conf.DEVICE.disable_ipv6} set to 1 or 0, as {@link #disableIpv6} does. */
    public static void setIpv6Disabled(String device, boolean disabled) {
        Names.require(Names.Kind.LINK, "device name", device); // part of a /proc path: no '/', ".", ".."
        Path file = Path.of("/proc/sys/net/ipv6/conf", device, "disable_ipv6");
        try {
            Files.writeString(file, disabled ? "1" : "0");
        } catch (NoSuchFileException e) {
            if (Files.exists(Path.of("/proc/sys/net/ipv6"))) throw new UncheckedIOException("cannot write " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    // ---- plumbing

    /** Builds one request with {@code build} and waits for its ack. */
    private void request(Consumer<MessageBuilder> build) {
        lock.lock();
        try {
            build.accept(builder.clear());
            socket.request(builder);
        } finally {
            lock.unlock();
        }
    }

    /** A do-request: the decoded reply of {@code replyType} (null when decode says so); IllegalStateException when none came. */
    private <T> T get(Consumer<MessageBuilder> build, int replyType, Function<MessageView, T> decode) {
        lock.lock();
        try {
            build.accept(builder.clear());
            List<T> found = new ArrayList<>(1);
            socket.request(builder, (index, reply) -> {
                if (reply.type() == replyType) found.add(decode.apply(reply));
            });
            if (found.isEmpty()) throw new IllegalStateException(builder.what(0) + ": the kernel acked without a reply");
            return found.get(0);
        } finally {
            lock.unlock();
        }
    }

    /** A dump of the messages of {@code replyType}, decoded; decode returns null to skip one. */
    private <T> List<T> dump(Consumer<MessageBuilder> build, int replyType, Function<MessageView, T> decode) {
        lock.lock();
        try {
            build.accept(builder.clear());
            return socket.dump(builder, m -> m.type() == replyType ? decode.apply(m) : null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
