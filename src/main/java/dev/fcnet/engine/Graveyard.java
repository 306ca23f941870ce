package dev.fcnet.engine;

import dev.fcnet.engine.FcnetException.Step;
import dev.fcnet.IpInet;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.rtnl.RtnlBatch;
import dev.fcnet.sys.Errno;
import java.lang.System.Logger.Level;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Where Delete leaves the host links it removes. Destroying a device costs the kernel about 16 ms
 * (RCU grace periods, under the global rtnl lock), while destroying a whole group of them costs
 * about as much as one. So Delete only retires a link (address removed, down, renamed to
 * {@code fcg<ifindex>}, moved to this graveyard's link group: a few hundred microseconds), which
 * frees its name and address at once and stops its traffic; this class's own platform thread then
 * destroys the group, whatever was retired meanwhile, in one request. A veth's peer (veth2, in a
 * namespaced network's netns) dies with it. The group is a random one of this graveyard's own, so
 * that destroying it takes no link that someone else put in a group.
 *
 * <p>Links that a process which died had retired (named {@code fcg<ifindex>}, still carrying the
 * engine's mark, in another group) are moved into the group and destroyed by a sweep, which the
 * engine asks for at its first Add or Delete (never for a Check, which changes nothing).
 * {@link #await} waits until everything retired before the call is destroyed.
 */
final class Graveyard implements AutoCloseable {
    private final Rtnl rtnl;
    /** This graveyard's link group: random, never 0 (every link's default group). */
    private final int group;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread destroyer;
    /** Requests for the group's destruction so far: one per link retired, one per sweep (links left by another process). */
    private long requested;
    /** Whether the next destruction sweeps first; set by {@link #sweep}. */
    private boolean sweepPending;
    /** Whether a sweep was asked for yet ({@link #sweepOnce}). */
    private boolean swept;
    /** How many of {@link #requested} are carried out: the count before the latest group deletion. */
    private long destroyed;
    private boolean closing;
    /** For tests: while set, nothing is destroyed (unless closing), so retired links can be looked at. */
    private boolean held;
    /** Set when the destroyer has ended (after {@link #close}): links are then deleted at once. */
    private boolean stopped;
    /** Why the latest group deletion failed; null after one that succeeded. */
    private RuntimeException failure;

    /** Starts the destroyer with {@code rtnl}, a socket of the host netns that this graveyard then owns. */
    Graveyard(Rtnl rtnl) {
        this.rtnl = rtnl;
        int g;
        do {
            g = ThreadLocalRandom.current().nextInt();
        } while (g == 0);
        this.group = g;
        this.destroyer = Thread.ofPlatform().daemon().name("fcnet-graveyard").start(this::destroy);
    }

    /**
     * Retires {@code link} and leaves it to the destroyer; deletes it at once instead when it
     * cannot be retired (e.g. its graveyard name is taken) or the destroyer has stopped.
     *
     * @param host the socket of the host netns to do it with
     * @param address the network's address on the link, removed with it
     * @throws NetlinkException when the link could be neither retired nor deleted
     */
    void retire(Rtnl host, Link link, IpInet address) {
        if (!stopped()) {
            try {
                host.retire(link, address.address(), address.prefixLength(), name(link.index()), group);
                lock.lock();
                try {
                    // Counted once it is in the group, so the next deletion surely takes it.
                    if (!stopped) {
                        requested++;
                        changed.signalAll();
                        return;
                    }
                } finally {
                    lock.unlock();
                }
            } catch (NetlinkException e) {
                if (e.errno() == Errno.ENODEV) throw e;
                FcnetEngine.log(Level.DEBUG, "cannot retire " + link.name() + " (" + e.getMessage() + "), deleting it now");
            }
        }
        host.deleteLink(link);
    }

    private boolean stopped() {
        lock.lock();
        try {
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    /** The name of a retired link. */
    private static String name(int index) {
        return "fcg" + index;
    }

    /** This graveyard's link group; for tests. */
    int group() {
        return group;
    }

    /** Asks, the first time only, for a sweep: the engine's first Add or Delete. */
    void sweepOnce() {
        lock.lock();
        try {
            if (!swept) sweep();
        } finally {
            lock.unlock();
        }
    }

    /** Asks for the links other processes retired to be destroyed, with what is retired here. */
    void sweep() {
        lock.lock();
        try {
            swept = true;
            if (stopped) return;
            sweepPending = true;
            requested++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until every link retired before this call is destroyed, and what a sweep asked
     * before it (the start's included).
     *
     * @throws FcnetException when the kernel refused to delete the group (the links are still there)
     */
    void await() {
        lock.lock();
        try {
            long target = requested;
            boolean interrupted = false;
            while (destroyed < target && destroyer.isAlive()) {
                try {
                    changed.await(1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            if (failure != null) {
                throw new FcnetException("cannot destroy the retired links (ip link show group "
                        + Integer.toUnsignedString(group) + "): " + failure.getMessage(),
                        Step.DESTROY_LINKS, "link group " + Integer.toUnsignedString(group), failure);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Holds back (true) or lets go (false) the destroyer; for tests. */
    void hold(boolean hold) {
        lock.lock();
        try {
            held = hold;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Destroys what is retired, stops the destroyer and closes its socket. */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        Threads.joinUninterruptibly(destroyer);
        rtnl.close();
    }

    /**
     * The destroyer's loop: one group deletion for everything retired since the last one. While
     * it runs (the kernel holds its rtnl lock for it) more links are retired, so the batches grow
     * with the rate of Deletes by themselves.
     */
    private void destroy() {
        while (true) {
            long target;
            boolean sweeping;
            lock.lock();
            try {
                while (!closing && (held || destroyed == requested)) changed.awaitUninterruptibly();
                if (destroyed == requested) { // closing, nothing left
                    stopped = true;
                    return;
                }
                target = requested;
                sweeping = sweepPending;
                sweepPending = false;
            } finally {
                lock.unlock();
            }
            RuntimeException failed = null;
            try {
                if (sweeping) adoptLeftovers();
                rtnl.deleteGroup(group); // false: empty, e.g. the netns cleanup was first
            } catch (RuntimeException e) {
                failed = e;
                // Without privileges (EPERM) nothing can have been retired, and the operation itself fails
                // and says why: the start's sweep is no news worth a warning then.
                boolean unprivileged = e instanceof NetlinkException n && n.errno() == Errno.EPERM;
                FcnetEngine.log(unprivileged ? Level.DEBUG : Level.WARNING, "cannot destroy the links of group "
                        + Integer.toUnsignedString(group) + ": " + e.getMessage());
            }
            lock.lock();
            try {
                destroyed = target;
                failure = failed;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Moves into this graveyard's group the links that other processes retired and did not
     * destroy: those named {@code fcg<own ifindex>} that carry the engine's mark, found with one
     * link dump. It costs what {@code ip link show} costs (about 50 ms with 2,000 links,
     * EngineGraveyardTest), once per engine and on this thread: no operation waits for it, only
     * {@link #await} and {@link #close}. Links vanished meanwhile are what the sweep wanted anyway.
     */
    private void adoptLeftovers() {
        RtnlBatch moves = new RtnlBatch();
        for (Link link : rtnl.links()) {
            if (link.group() != group && link.name().equals(name(link.index())) && Mark.parse(link.alias()).isPresent()) {
                moves.setGroup(link, group);
            }
        }
        try {
            rtnl.send(moves);
        } catch (NetlinkException e) {
            if (e.errno() != Errno.ENODEV) throw e;
            for (Throwable t : e.getSuppressed()) {
                if (t instanceof NetlinkException n && n.errno() != Errno.ENODEV) throw n;
            }
        }
    }
}
