package dev.fcnet.tun;

import static dev.fcnet.tun.TunConstants.*;

import dev.fcnet.netns.Netns;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.Fd;
import dev.fcnet.sys.Names;
import dev.fcnet.sys.OpenFlags;
import dev.fcnet.sys.SysException;
import dev.fcnet.sys.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates persistent tap devices through /dev/net/tun the way {@code ip tuntap add dev NAME mode
 * tap [user U] [group G] [vnet_hdr]} does: TUNSETIFF (IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL, plus
 * IFF_VNET_HDR), TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST 1, close. Delete a tap like any link,
 * with rtnetlink ({@code Rtnl.deleteLink}).
 *
 * <p>In two parts for a creator that must finish a tap before it may outlive the process:
 * {@link #open} makes it, with its owner and group, but not persistent, so it exists only as long
 * as the returned handle's fd (closing it, or the death of the process, destroys the tap);
 * {@link #persist} then keeps it. {@link #create} does both.
 */
public final class Tap implements AutoCloseable {
    private final String name;
    private final Fd fd;

    private Tap(String name, Fd fd) {
        this.name = name;
        this.fd = fd;
    }

    /** A persistent tap, created in the network namespace of the calling thread. */
    public static void create(String name, TapOptions options) {
        try (Tap tap = open(name, options)) {
            tap.persist();
        }
    }

    /** A persistent tap, created in {@code netns}. */
    public static void create(String name, TapOptions options, Netns netns) {
        try (Tap tap = open(name, options, netns)) {
            tap.persist();
        }
    }

    /**
     * A tap, with its owner and group, in the network namespace of the calling thread, that lives
     * until {@link #persist} or {@link #close}.
     *
     * @throws SysException "TUNSETIFF NAME (already exists): ... (EBUSY)" when a link of that name exists
     */
    public static Tap open(String name, TapOptions options) {
        validateName(name);
        return configure(name, options, openTun());
    }

    /**
     * {@link #open(String, TapOptions)} in {@code netns}: a tun device belongs to the namespace of
     * the thread that opened /dev/net/tun, so the open happens on a thread inside it; the ioctls
     * then run here.
     */
    public static Tap open(String name, TapOptions options, Netns netns) {
        validateName(name);
        return configure(name, options, netns.call(Tap::openTun));
    }

    private static Fd openTun() {
        try (Arena arena = Arena.ofConfined()) {
            return new Fd(Syscalls.open(arena, "/dev/net/tun", OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC, 0));
        }
    }

    /** Every ioctl of the plan but the last (TUNSETPERSIST); closes {@code tun} on failure. */
    private static Tap configure(String name, TapOptions options, Fd tun) {
        List<Ioctl> plan = plan(options);
        try (Arena arena = Arena.ofConfined()) {
            for (Ioctl step : plan.subList(0, plan.size() - 1)) {
                String what = step.label() + " " + name;
                if (step.request() == TUNSETIFF) {
                    try {
                        Syscalls.ioctl(arena, tun.get(), TUNSETIFF, ifreq(arena, name, (int) step.value()), what);
                    } catch (SysException e) {
                        // With IFF_TUN_EXCL, EBUSY means a link of that name exists (tap or not).
                        throw e.errno() == Errno.EBUSY ? new SysException(what + " (already exists)", e.errno()) : e;
                    }
                } else {
                    Syscalls.ioctl(arena, tun.get(), step.request(), step.value(), what);
                }
            }
            return new Tap(name, tun);
        } catch (RuntimeException | Error e) {
            tun.close();
            throw e;
        }
    }

    /**
     * Attaches to the existing persistent tap {@code name} in the calling thread's netns (TUNSETIFF
     * without IFF_TUN_EXCL, with the flags {@link #open} gives, which attaching sets again) and sets
     * its owner and group as {@code options} give them (those absent stay as they are). Closing
     * the handle detaches; the tap stays. The kernel turns a tap's carrier on while a handle is
     * attached and leaves it so: a tap set up while attached, as {@link #open}'s creator does,
     * keeps its carrier.
     */
    public static Tap attach(String name, TapOptions options) {
        validateName(name);
        List<Ioctl> plan = plan(options);
        Fd tun = openTun();
        try (Arena arena = Arena.ofConfined()) {
            long flags = plan.get(0).value() & ~IFF_TUN_EXCL;
            Syscalls.ioctl(arena, tun.get(), TUNSETIFF, ifreq(arena, name, (int) flags), "TUNSETIFF " + name + " (attach)");
            for (Ioctl step : plan.subList(1, plan.size() - 1)) {
                Syscalls.ioctl(arena, tun.get(), step.request(), step.value(), step.label() + " " + name);
            }
            return new Tap(name, tun);
        } catch (RuntimeException | Error e) {
            tun.close();
            throw e;
        }
    }

    /** TUNSETPERSIST: the tap now outlives this handle, until deleted. */
    public void persist() {
        try (Arena arena = Arena.ofConfined()) {
            Syscalls.ioctl(arena, fd.get(), PERSIST.request(), PERSIST.value(), PERSIST.label() + " " + name);
        }
    }

    /**
     * TUNSETCARRIER 0: the carrier off, as closing the last handle turns it off. A tap set up
     * while its creator still holds it then goes up as one made persistent and closed first
     * ({@code ip tuntap add}), and its state does not change when the handle is closed.
     */
    public void carrierOff() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment off = arena.allocate(ValueLayout.JAVA_INT);
            Syscalls.ioctl(arena, fd.get(), TUNSETCARRIER, off, "TUNSETCARRIER " + name);
        }
    }

    /**
     * TUNSETOWNER and TUNSETGROUP on this handle's tap as {@code options} give them (those absent
     * stay as they are), as {@link #attach} sets them: from any thread, the fd names the tap.
     */
    public void own(TapOptions options) {
        List<Ioctl> plan = plan(options);
        try (Arena arena = Arena.ofConfined()) {
            for (Ioctl step : plan.subList(1, plan.size() - 1)) {
                Syscalls.ioctl(arena, fd.get(), step.request(), step.value(), step.label() + " " + name);
            }
        }
    }

    public String name() {
        return name;
    }

    /** Closes the fd (idempotent): the tap goes with it unless {@link #persist persisted}. */
    @Override
    public void close() {
        fd.close();
    }

    /** One ioctl on the tun fd; for TUNSETIFF, {@code value} is ifr_flags of the ifreq argument. */
    record Ioctl(long request, String label, long value) {}

    private static final Ioctl PERSIST = new Ioctl(TUNSETPERSIST, "TUNSETPERSIST", 1);

    /** The ioctls {@code ip tuntap add} makes, in its order; persistence last. */
    static List<Ioctl> plan(TapOptions options) {
        List<Ioctl> steps = new ArrayList<>(4);
        steps.add(new Ioctl(TUNSETIFF, "TUNSETIFF", IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL | (options.vnetHdr() ? IFF_VNET_HDR : 0)));
        options.owner().ifPresent(uid -> steps.add(new Ioctl(TUNSETOWNER, "TUNSETOWNER", Integer.toUnsignedLong(uid))));
        options.group().ifPresent(gid -> steps.add(new Ioctl(TUNSETGROUP, "TUNSETGROUP", Integer.toUnsignedLong(gid))));
        steps.add(PERSIST);
        return steps;
    }

    /** struct ifreq with ifr_name and ifr_flags set, the rest zero. */
    static MemorySegment ifreq(SegmentAllocator arena, String name, int flags) {
        MemorySegment ifr = arena.allocate(SIZEOF_IFREQ);
        ifr.fill((byte) 0);
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(raw, 0, ifr, ValueLayout.JAVA_BYTE, 0, raw.length);
        ifr.set(ValueLayout.JAVA_SHORT, IFREQ_FLAGS, (short) flags);
        return ifr;
    }

    /** Checked here too because ifr_name holds only 15 bytes, and TUNSETIFF expands "%d" templates. */
    static void validateName(String name) {
        Names.require(Names.Kind.LINK, "tap name", name);
    }
}
