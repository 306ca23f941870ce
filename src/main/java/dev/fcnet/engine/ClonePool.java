package dev.fcnet.engine;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.rtnl.RtnlBatch;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import dev.fcnet.tun.Tap;
import dev.fcnet.tun.TapOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The clone pool of DESIGN §4b: up to {@code size} {@link PoolSlot}s made ahead by a platform
 * thread of its own ({@code fcnet-pool}), which also, first thing, adopts or destroys the slots
 * engines that died left. A slot is a netns with its tap and veth pair, all down, every one marked
 * with the pool's alias {@code fcnet pool PID.ENGINE} (which {@link Mark#parse} does not read as a
 * network's mark, so nothing takes a slot for a user's network) and the host end in the pool's own
 * random link group.
 *
 * <p>Crash safety, as for Add: a slot is made anonymous and named {@code fcpool-ID} only when
 * complete; a slot moves between its pool name and a network's name through the unnamed state
 * ({@link Netns#rename}), where a dying process takes it along. A netns under a pool name is
 * therefore either a complete slot, or a slot an Add was taking or a Delete returning (its links
 * marked for a network, or its lo): the former are adopted when their engine is dead, the latter
 * destroyed. The links inside a slot keep the names its last network gave them (see
 * {@link PoolSlot}): the netns name and the pool's mark on every link say it is a slot.
 *
 * <p>{@link #close} destroys the pool's slots (an engine closed leaves nothing under /run/netns
 * that {@code ip netns} would show); slots survive only an engine's death, and the next engine
 * adopts them.
 */
final class ClonePool implements AutoCloseable {
    private static final String ALIAS_PREFIX = FcnetEngine.LINK_ALIAS + " pool ";
    /** The engines of this process whose pools are open: their slots are no one else's to adopt. */
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();
    private static final long OWN_PID = ProcessHandle.current().pid();
    /**
     * How long the pool thread waits after the latest take or return before it works: making and
     * resetting slots costs the kernel what the burst's own Adds and Deletes need (the rtnl lock,
     * RCU grace periods), so it waits for the burst to pass.
     */
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final int size;
    /** A socket of the host netns, for the pool thread and {@link #close} only. */
    private final Rtnl host;
    /** The host netns when the engine has one of its own; null for the process's. */
    private final Netns hostNetns;
    private final String engineId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    /** The mark on every link (and lo) of this pool's slots. */
    private final String alias = ALIAS_PREFIX + OWN_PID + "." + engineId;
    private final int group;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Deque<Ready> ready = new ArrayDeque<>();
    /** Networks' netns that Deletes returned, for the pool thread to make slots of. */
    private final Deque<Returning> returning = new ArrayDeque<>();
    /** Slots being made or returned by a Delete: counted so that the pool does not outgrow its size. */
    private int pending;
    private boolean closing;
    /** When an Add last took a slot or a Delete last returned one (System.nanoTime). */
    private long lastUse = System.nanoTime() - QUIET_NANOS;
    /** For tests: while set, the pool thread makes no slot, so that a test sees which slots Adds take and Deletes return. */
    private boolean held;
    private final CompletableFuture<Integer> full = new CompletableFuture<>();
    private final Thread filler;
    /**
     * The inner names the latest take asked for, which new slots get, so that the next takes need
     * not rename them; null before the first take (a new slot's are then made of its id).
     */
    private volatile InnerNames expected;

    /** The names of a slot's links inside its netns. */
    private record InnerNames(String tap, String veth2) {}

    /**
     * A ready slot and the pool's handle on its tap. The pool holds every ready slot's tap
     * attached, so that its carrier is on long before a take sets it up: the kernel's operstate
     * follows a carrier change only when its link watch runs (up to a second later for a device
     * that is down), and a tap that goes up without operstate up gets no IPv6 multicast route,
     * which a made one has (made attached, its operstate is set when it is registered). The Add
     * that takes the slot closes the handle once the tap is up, as a made tap's creator does.
     */
    record Ready(PoolSlot slot, Tap tap) {}

    ClonePool(int size, Rtnl host, Netns hostNetns) {
        this.size = size;
        this.host = host;
        this.hostNetns = hostNetns;
        int g;
        do {
            g = ThreadLocalRandom.current().nextInt();
        } while (g == 0);
        this.group = g;
        LIVE.add(engineId);
        this.filler = Thread.ofPlatform().daemon().name("fcnet-pool").start(this::run);
    }

    /** Completes with the size when the pool is full for the first time. */
    CompletionStage<Integer> full() {
        return full.minimalCompletionStage();
    }

    /** How many slots are ready. */
    int ready() {
        lock.lock();
        try {
            return ready.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A ready slot for a Namespaced network's Add, if any: any such network fits (a slot has no
     * addresses yet). The network's inner names become those of the slots made from now on.
     */
    Optional<Ready> take(Namespaced ns, String tapName) {
        if (size == 0) return Optional.empty();
        InnerNames wanted = new InnerNames(tapName, ns.veth2Name());
        if (!wanted.equals(expected)) expected = wanted;
        lock.lock();
        try {
            Ready slot = ready.pollFirst();
            if (slot != null) {
                lastUse = System.nanoTime();
                changed.signalAll();
            }
            return Optional.ofNullable(slot);
        } finally {
            lock.unlock();
        }
    }

    // ---- taking a slot (on the Add's thread)

    /**
     * The one visit of an Add inside a slot's netns, on a thread that entered it: its sockets, and
     * its tap, veth2 and lo in one dump.
     */
    static Entered enter(Optional<String> name, Netns netns, PoolSlot slot) {
        OpenNetns inner = new OpenNetns(name, netns, OpenNetns.Sockets.open());
        try {
            Map<String, Link> links = inner.rtnl.links().stream().collect(Collectors.toMap(Link::name, Function.identity()));
            return new Entered(inner, present(inner, links, slot.tap()), present(inner, links, slot.veth2()),
                    present(inner, links, "lo"));
        } catch (RuntimeException | Error e) {
            inner.closeSockets();
            throw e;
        }
    }

    /** What {@link #enter} found and opened in a slot's netns. */
    record Entered(OpenNetns inner, Link tap, Link veth2, Link lo) {}

    /**
     * What turns the slot into the network's, but for its configuration, lo's mark and name, for
     * the caller to send (inside first) with more of the Add in the same datagrams: tap and veth2
     * marked, and renamed when the slot's names are not the network's (from then on the slot is no
     * longer complete, and lo's pool mark says whose it is); veth1 renamed, marked and out of the
     * pool's group. Each rename costs the kernel an RCU grace period and its links' sysctl tables
     * registered anew (netif_change_name), hence only those that are needed.
     */
    static Claim claim(Entered entered, Link hostEnd, Namespaced ns, String tapName, String mark) {
        Link tap = entered.tap();
        Link veth2 = entered.veth2();
        RtnlBatch inside = new RtnlBatch();
        if (!tap.name().equals(tapName)) inside.rename(tap, tapName);
        inside.setAlias(tap, mark);
        if (!veth2.name().equals(ns.veth2Name())) inside.rename(veth2, ns.veth2Name());
        inside.setAlias(veth2, mark);
        RtnlBatch hostSide = new RtnlBatch().rename(hostEnd, ns.veth1Name()).setGroup(hostEnd, 0).setAlias(hostEnd, mark);
        return new Claim(inside, hostSide, named(hostEnd, ns.veth1Name(), mark), named(veth2, ns.veth2Name(), mark),
                named(tap, tapName, mark));
    }

    /** The datagrams of {@link #claim}, and the links under their new names. */
    record Claim(RtnlBatch inside, RtnlBatch host, Link veth1, Link veth2, Link tap) {}

    /** The link as the datagram that renamed and marked it left it (its index unchanged). */
    private static Link named(Link l, String name, String mark) {
        return new Link(l.index(), name, l.flags(), l.kind(), l.group(), l.mtu(), l.master(), l.peer(), l.peerNetnsId(),
                Optional.of(mark), l.ipv4Forwarding(), l.tunOwner(), l.tunGroup());
    }

    private static Link present(OpenNetns place, Map<String, Link> links, String name) {
        Link l = links.get(name);
        if (l == null) throw new IllegalStateException("link " + name + " is missing from the " + place.label());
        return l;
    }

    /** Deletes the link (a veth with its peer), gone already or not. */
    static void deleteLink(Rtnl rtnl, Link link) {
        try {
            rtnl.deleteLink(link);
        } catch (NetlinkException e) {
            if (e.errno() != Errno.ENODEV) throw e;
        }
    }

    // ---- returning a network's netns and veth pair (on the Delete's thread)

    /**
     * Whether a Delete of this network may offer it to the pool: a pool, and an IPv4 network,
     * whose every trace a reset removes; an IPv6 one turns on the netns-wide forwarding switch,
     * whose fresh value is not known for sure, so its netns goes.
     */
    boolean recycles(Layout layout) {
        return size > 0 && layout.ipFamily == IpFamily.INET;
    }

    /**
     * Returns the network's netns, veth pair and tap to the pool as a new slot. Here, as fast as
     * a Delete that destroys them: veth1 reset, renamed and marked as the slot's (one datagram),
     * and the netns unmounted, so the network's names are free when the Delete returns; the pool
     * thread then resets the inside ({@link #finishReturn}) and names the netns as the slot. In
     * between only this process holds the netns: a death takes it, with the veth pair, along.
     * False, having changed nothing, when the pool is full or the netns is not as Add makes it
     * (other links in it, not marked, or a tap with a group, which the kernel cannot unset); when
     * a step fails, the network is destroyed instead (true: it is gone either way).
     */
    boolean recycle(OpenNetns host, Layout layout, Link veth1) {
        Namespaced ns = layout.namespaced.orElseThrow();
        if (Mark.parse(veth1.alias()).isEmpty() || !reserve()) return false;
        // The inner links keep the network's names: the next Add of a clone asks for the same ones.
        PoolSlot slot = PoolSlot.random(layout.network.tapName(), ns.veth2Name());
        Netns netns = null;
        boolean started = false;
        try {
            netns = Netns.open(ns.netnsName());
            if (!netns.call(() -> returnable(layout))) {
                release();
                netns.close();
                return false;
            }
            started = true;
            boolean v4Only = layout.network.ipStack() == FirecrackerIpStack.V4;
            RtnlBatch hostEnd = new RtnlBatch();
            reset(hostEnd, veth1, ns.veth1Ip(), host.rtnl.forwardingDefault(IpFamily.INET),
                    v4Only ? host.inside(ClonePool::defaultAddrGenMode) : -1);
            host.rtnl.send(hostEnd.rename(veth1, slot.veth1()).setGroup(veth1, group));
            netns.unname();
            lock.lock();
            try {
                returning.addLast(new Returning(slot, netns, layout));
                lastUse = System.nanoTime();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            return true;
        } catch (RuntimeException e) {
            release();
            if (netns != null) netns.close();
            if (!started) throw e;
            FcnetEngine.log(Level.WARNING, "cannot return netns " + ns.netnsName() + " to the clone pool ("
                    + e.getMessage() + "); deleting it");
            deleteNetns(ns.netnsName());
            deleteLink(host.rtnl, veth1);
            return true;
        }
    }

    /** A network's netns on its way back to the pool: unnamed, held by {@code netns}, its host end already the slot's. */
    private record Returning(PoolSlot slot, Netns netns, Layout layout) {}

    /**
     * Inside the network's netns: whether it holds lo, the tap and veth2 only, all marked, the tap
     * without a group.
     */
    private static boolean returnable(Layout layout) {
        Namespaced ns = layout.namespaced.orElseThrow();
        try (Rtnl in = Rtnl.open()) {
            Map<String, Link> links = in.links().stream().collect(Collectors.toMap(Link::name, Function.identity()));
            String tapName = layout.network.tapName();
            return links.keySet().equals(Set.of("lo", tapName, ns.veth2Name()))
                    && links.get(tapName).kind().equals(Optional.of("tun")) && links.get(tapName).tunGroup().isEmpty()
                    && links.get(ns.veth2Name()).kind().equals(Optional.of("veth"))
                    && links.values().stream().allMatch(l -> Mark.parse(l.alias()).isPresent());
        }
    }

    /**
     * On the pool thread, a returned netns made a slot: inside, its table removed, the tap and
     * veth2 reset and marked as the slot's (their names kept) in one datagram (a tap's owner, which the
     * kernel cannot unset, stays until the next Add sets its own), lo marked last; then named.
     * When that fails, it is destroyed: the handle closed (the last holder), the host end deleted.
     */
    private void finishReturn(Returning r) {
        try (Netns netns = r.netns()) {
            Tap tap = null;
            try {
                tap = netns.call(() -> {
                    resetInside(r.layout(), r.slot());
                    return attach(r.slot());
                });
                // A V4 network's host end has IPv6 off already.
                if (r.layout().network.ipStack() != FirecrackerIpStack.V4) inHost(() -> hostEndIpv6Off(r.slot().veth1()));
                netns.mountAs(r.slot().netns());
                add(new Ready(r.slot(), tap), host);
            } catch (RuntimeException e) {
                if (tap != null) tap.close();
                release();
                FcnetEngine.log(Level.WARNING, "clone pool: cannot make " + r.slot().netns() + " of a returned network ("
                        + e.getMessage() + "); deleting it");
                host.link(r.slot().veth1()).ifPresent(l -> deleteLink(host, l));
            }
        }
    }

    private void resetInside(Layout layout, PoolSlot slot) {
        Namespaced ns = layout.namespaced.orElseThrow();
        boolean v4Only = layout.network.ipStack() == FirecrackerIpStack.V4;
        try (OpenNetns.Sockets s = OpenNetns.Sockets.open()) {
            Rtnl in = s.rtnl();
            try {
                s.nft().commit(new NftBatch().deleteTable(FcnetTable.table(layout.family)));
            } catch (NetlinkException e) {
                if (e.errno() != Errno.ENOENT) throw e;
            }
            boolean forwarding = in.forwardingDefault(IpFamily.INET);
            int genMode = v4Only ? defaultAddrGenMode() : -1;
            RtnlBatch reset = new RtnlBatch();
            String tapName = layout.network.tapName();
            reset(reset, in.link(tapName).orElseThrow(), layout.network.tapIp(), forwarding, genMode);
            reset(reset, in.link(ns.veth2Name()).orElseThrow(), ns.veth2Ip(), forwarding, genMode);
            in.send(reset.setAlias(in.link("lo").orElseThrow(), alias));
        }
    }

    /** A link of a network back to a slot's: address removed, down, switches reset (genMode -1: untouched), marked. */
    private void reset(RtnlBatch batch, Link link, IpInet address, boolean forwarding, int genMode) {
        batch.deleteAddress(link, address.address(), address.prefixLength()).setUp(link, false)
                .setIpv4Forwarding(link, forwarding);
        if (genMode >= 0) batch.addrGenMode(link, genMode);
        batch.setAlias(link, alias);
    }

    /**
     * A handle on the slot's tap, in the calling thread's netns ({@link Ready}); then the tap
     * looked up alone, which has the kernel run its link watch for it (rtnl_getlink calls
     * linkwatch_sync_dev): its operstate follows the carrier the handle turned on now, rather than
     * up to a second later.
     */
    private static Tap attach(PoolSlot slot) {
        Tap tap = Tap.attach(slot.tap(), TapOptions.DEFAULT);
        try (Rtnl in = Rtnl.open()) {
            in.link(slot.tap());
            return tap;
        } catch (RuntimeException | Error e) {
            tap.close();
            throw e;
        }
    }

    /**
     * The slot's tap, in the calling thread's netns: without owner or group until an Add sets
     * them; marked, then persistent; its handle kept ({@link Ready}).
     */
    private Tap makeTap(Rtnl in, PoolSlot slot) {
        Tap tap = Tap.open(slot.tap(), TapOptions.DEFAULT);
        try {
            in.setAlias(in.link(slot.tap()).orElseThrow(), alias);
            tap.persist();
            return tap;
        } catch (RuntimeException | Error e) {
            tap.close();
            throw e;
        }
    }

    /**
     * A slot's host end has IPv6 off ({@code disable_ipv6}), as a V4 network's host link has it
     * (AddOperation.configure): most takes are of V4 clones, and the write, off their path here,
     * is costly there: the kernel takes it only when it gets the rtnl lock at once, and otherwise
     * restarts the system call until it does, spinning while the burst's other requests hold it.
     * In the calling thread's netns.
     */
    static Void hostEndIpv6Off(String veth1) {
        Rtnl.disableIpv6(veth1);
        return null;
    }

    /** A taken slot's host end for a network other than V4: IPv6 as a new link gets it (conf/default/disable_ipv6). */
    static Void hostEndIpv6Default(String veth1) {
        Path file = Path.of("/proc/sys/net/ipv6/conf/default/disable_ipv6");
        try {
            if (Files.exists(file)) Rtnl.setIpv6Disabled(veth1, !Files.readString(file).strip().equals("0"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return null;
    }

    /** Runs {@code task} on a thread in the host netns: this one when it is the process's. */
    private <T> T inHost(Supplier<T> task) {
        return hostNetns == null ? task.get() : hostNetns.call(task::get);
    }

    /** conf/default/addr_gen_mode of the calling thread's netns: what a new link gets. */
    private static int defaultAddrGenMode() {
        try {
            return Integer.parseInt(Files.readString(Path.of("/proc/sys/net/ipv6/conf/default/addr_gen_mode")).strip());
        } catch (NoSuchFileException e) {
            return 0; // no IPv6: nothing to restore
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- bookkeeping

    /** Counts a slot on its way into the pool when there is room for it. */
    private boolean reserve() {
        lock.lock();
        try {
            if (closing || ready.size() + pending >= size) return false;
            pending++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A reserved slot that did not come. */
    private void release() {
        lock.lock();
        try {
            pending--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A reserved slot that came: ready, or destroyed (with {@code rtnl}) when the pool is closing meanwhile. */
    private void add(Ready slot, Rtnl rtnl) {
        boolean destroy;
        lock.lock();
        try {
            pending--;
            destroy = closing;
            if (!destroy) ready.addLast(slot);
            changed.signalAll();
            if (!destroy && ready.size() >= size) full.complete(size);
        } finally {
            lock.unlock();
        }
        if (destroy) {
            slot.tap().close();
            deleteNetns(slot.slot().netns());
            rtnl.link(slot.slot().veth1()).ifPresent(rtnl::deleteLink);
        }
    }

    // ---- the pool thread

    private void run() {
        try {
            sweep();
        } catch (RuntimeException e) {
            FcnetEngine.log(Level.WARNING, "clone pool: cannot look at the slots earlier engines left: " + e.getMessage());
        }
        if (size == 0) return;
        while (true) {
            Returning returned;
            lock.lock();
            try {
                while (!closing) {
                    if (returning.isEmpty() && (held || ready.size() + pending >= size)) {
                        changed.awaitUninterruptibly();
                        continue;
                    }
                    long quiet = lastUse + QUIET_NANOS - System.nanoTime();
                    if (quiet <= 0) break;
                    try {
                        changed.awaitNanos(quiet);
                    } catch (InterruptedException e) {
                        return; // no one interrupts the pool thread but its process' end
                    }
                }
                if (closing) return;
                returned = returning.pollFirst();
                if (returned == null) pending++;
            } finally {
                lock.unlock();
            }
            if (returned != null) {
                finishReturn(returned);
                continue;
            }
            InnerNames names = expected;
            PoolSlot slot = names == null ? PoolSlot.fresh() : PoolSlot.random(names.tap(), names.veth2());
            try {
                add(new Ready(slot, make(slot)), host);
            } catch (RuntimeException e) {
                FcnetEngine.log(Level.WARNING, "clone pool: cannot make slot " + slot.netns() + ": " + e.getMessage());
                release();
                pause();
            }
        }
    }

    /** After a failure: a second, or until closed, so that a lasting one (EPERM) does not spin. */
    private void pause() {
        lock.lock();
        try {
            if (!closing) changed.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A slot made as Add makes a network's netns: anonymous while its lo, tap and veth pair are
     * made and marked (a death before the name takes them all along), then named. Returns the
     * handle on its tap.
     */
    private Tap make(PoolSlot slot) {
        try (Netns netns = Netns.createAnonymous()) {
            Tap tap = netns.call(() -> {
                try (Rtnl in = Rtnl.open()) {
                    Link lo = in.link("lo").orElseThrow();
                    in.send(new RtnlBatch().setAlias(lo, alias).setUp(lo, true));
                    Tap t = makeTap(in, slot);
                    try {
                        host.createVeth(slot.veth1(), slot.veth2(), netns.fd());
                        in.setAlias(in.link(slot.veth2()).orElseThrow(), alias);
                        Link hostEnd = host.link(slot.veth1()).orElseThrow();
                        host.send(new RtnlBatch().setAlias(hostEnd, alias).setGroup(hostEnd, group));
                        return t;
                    } catch (RuntimeException | Error e) {
                        t.close();
                        throw e;
                    }
                }
            });
            try {
                inHost(() -> hostEndIpv6Off(slot.veth1()));
                netns.mountAs(slot.netns());
                return tap;
            } catch (RuntimeException | Error e) {
                tap.close();
                throw e;
            }
        }
    }

    /**
     * What earlier engines left under pool names: a complete slot of an engine that is gone is
     * adopted while the pool has room, else destroyed; a slot being taken or returned when its
     * engine died (links renamed, or lo marked for a network) is destroyed; an empty file (a death
     * between creating it and mounting the netns on it) removed. Slots whose host end is not in
     * this engine's host netns are another host's, and slots of live engines theirs: left alone.
     */
    private void sweep() {
        List<String> names;
        try (Stream<Path> files = Files.list(Netns.RUN_DIR)) {
            names = files.map(p -> p.getFileName().toString()).toList();
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String name : names) {
            Optional<String> id = PoolSlot.idOfNetns(name);
            if (id.isPresent()) {
                try {
                    sweep(id.get());
                } catch (RuntimeException e) {
                    FcnetEngine.log(Level.WARNING, "clone pool: cannot adopt or remove " + name + ": " + e.getMessage());
                }
            }
        }
    }

    /** What the sweep found of one slot. */
    private enum Found { FOREIGN, LIVE, COMPLETE, TAKEN }

    /** What the sweep found, and for a complete slot, the slot with its inner names. */
    private record Inspection(Found found, Optional<PoolSlot> slot) {}

    private void sweep(String id) {
        Netns netns;
        try {
            netns = Netns.open(PoolSlot.netns(id));
        } catch (SysException e) {
            if (e.errno() == Errno.EINVAL) deleteNetns(PoolSlot.netns(id));
            return;
        }
        try (netns) {
            Optional<Link> hostEnd = host.link(PoolSlot.veth1(id)).filter(l -> l.alias().filter(ClonePool::isPoolAlias).isPresent());
            Inspection inspection = netns.call(() -> inspect(id));
            switch (inspection.found()) {
                case FOREIGN, LIVE -> {}
                case COMPLETE -> {
                    if (hostEnd.isPresent() && reserve()) {
                        PoolSlot adopted = inspection.slot().orElseThrow();
                        Tap tap = netns.call(() -> {
                            try (Rtnl in = Rtnl.open()) {
                                RtnlBatch marks = new RtnlBatch();
                                for (Link l : in.links()) marks.setAlias(l, alias);
                                in.send(marks);
                            }
                            return attach(adopted);
                        });
                        try {
                            host.send(new RtnlBatch().setAlias(hostEnd.get(), alias).setGroup(hostEnd.get(), group));
                            inHost(() -> hostEndIpv6Off(adopted.veth1()));
                        } catch (RuntimeException | Error e) {
                            tap.close();
                            release();
                            throw e;
                        }
                        add(new Ready(adopted, tap), host);
                    } else if (hostEnd.isPresent()) {
                        destroySwept(id, hostEnd);
                    }
                    // else: complete, but its host end is in another host netns: that host's slot
                }
                case TAKEN -> destroySwept(id, hostEnd);
            }
        }
    }

    private void destroySwept(String id, Optional<Link> hostEnd) {
        deleteNetns(PoolSlot.netns(id));
        hostEnd.ifPresent(l -> deleteLink(host, l));
    }

    /**
     * Inside a slot's netns: whose it is and whether it is complete (lo, a tap and a veth, every
     * one with lo's pool mark, the tap and veth down). The inner links' names say nothing: a slot
     * keeps those its last network had; an Add taking it marks them as the network's first.
     */
    private Inspection inspect(String id) {
        try (Rtnl in = Rtnl.open()) {
            List<Link> links = in.links();
            Optional<String> lo = links.stream().filter(l -> l.name().equals("lo")).findFirst().flatMap(Link::alias);
            if (lo.isEmpty()) return new Inspection(Found.FOREIGN, Optional.empty());
            if (!isPoolAlias(lo.get())) {
                return new Inspection(Mark.parse(lo).isPresent() ? Found.TAKEN : Found.FOREIGN, Optional.empty());
            }
            if (live(lo.get())) return new Inspection(Found.LIVE, Optional.empty());
            Optional<Link> tap = links.stream().filter(l -> l.kind().equals(Optional.of("tun"))).findFirst();
            Optional<Link> veth2 = links.stream().filter(l -> l.kind().equals(Optional.of("veth"))).findFirst();
            boolean complete = links.size() == 3 && tap.isPresent() && veth2.isPresent()
                    && links.stream().allMatch(l -> l.alias().equals(lo) && (l.name().equals("lo") || !l.up()));
            return complete ? new Inspection(Found.COMPLETE, Optional.of(new PoolSlot(id, tap.get().name(), veth2.get().name())))
                    : new Inspection(Found.TAKEN, Optional.empty());
        }
    }

    static boolean isPoolAlias(String alias) {
        return alias.startsWith(ALIAS_PREFIX);
    }

    /** Whether the pool that wrote {@code alias} is open: in this process, or in another process that runs. */
    private static boolean live(String alias) {
        String owner = alias.substring(ALIAS_PREFIX.length());
        int dot = owner.indexOf('.');
        if (dot < 0) return false;
        long pid;
        try {
            pid = Long.parseLong(owner.substring(0, dot));
        } catch (NumberFormatException e) {
            return false;
        }
        if (pid == OWN_PID) return LIVE.contains(owner.substring(dot + 1));
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Unmounts and removes /run/netns/NAME, gone already or not. */
    static void deleteNetns(String name) {
        try {
            Netns.delete(name);
        } catch (SysException e) {
            if (e.errno() != Errno.ENOENT) throw e;
        }
    }

    /** Stops the pool thread and destroys the ready slots: their names unmounted, their host ends in one group deletion. */
    @Override
    public void close() {
        lock.lock();
        List<PoolSlot> slots;
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        Threads.joinUninterruptibly(filler);
        List<Returning> returned;
        lock.lock();
        try {
            slots = ready.stream().map(Ready::slot).toList();
            ready.forEach(r -> r.tap().close());
            ready.clear();
            returned = List.copyOf(returning);
            returning.clear();
        } finally {
            lock.unlock();
        }
        try {
            for (PoolSlot slot : slots) deleteNetns(slot.netns());
            // A returned netns dies with its last handle; its host end is in the group.
            for (Returning r : returned) r.netns().close();
            if (!slots.isEmpty() || !returned.isEmpty()) host.deleteGroup(group);
        } finally {
            LIVE.remove(engineId);
            host.close();
        }
    }

    /** Holds back (true) or lets go (false) the pool thread; for tests. */
    void hold(boolean hold) {
        lock.lock();
        try {
            held = hold;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the pool thread and forgets the slots, leaving them as an engine that died would; for tests. */
    void abandon() {
        lock.lock();
        try {
            closing = true;
            // As a death would: the taps' handles closed, the returned netns gone with theirs.
            ready.forEach(r -> r.tap().close());
            ready.clear();
            returning.forEach(r -> r.netns().close());
            returning.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        while (filler.isAlive()) {
            try {
                filler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LIVE.remove(engineId);
    }

    private static Link link(OpenNetns place, String name) {
        return place.rtnl.link(name).orElseThrow(() -> new IllegalStateException(
                "link " + name + " is missing from the " + place.label()));
    }
}
