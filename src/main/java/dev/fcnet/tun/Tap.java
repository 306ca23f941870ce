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
 * IFF_VNET_HDR), TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST 1, close. Persistence is set last, so a
 * failure before it leaves nothing behind. Delete a tap like any link, with rtnetlink
 * ({@code Rtnl.deleteLink}).
 */
public final class Tap {
    private Tap() {}

    /** The tap is created in the network namespace of the calling thread. */
    public static void create(String name, TapOptions options) {
        validateName(name);
        try (Arena arena = Arena.ofConfined(); Fd tun = openTun()) {
            configure(arena, tun.get(), name, options);
        }
    }

    /**
     * The tap is created in {@code netns}: a tun device belongs to the namespace of the thread that
     * opened /dev/net/tun, so the open happens on a thread inside it; the ioctls then run here.
     */
    public static void create(String name, TapOptions options, Netns netns) {
        validateName(name);
        try (Arena arena = Arena.ofConfined(); Fd tun = netns.call(Tap::openTun)) {
            configure(arena, tun.get(), name, options);
        }
    }

    private static Fd openTun() {
        try (Arena arena = Arena.ofConfined()) {
            return new Fd(Syscalls.open(arena, "/dev/net/tun", OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC, 0));
        }
    }

    private static void configure(Arena arena, int fd, String name, TapOptions options) {
        for (Ioctl step : plan(options)) {
            String what = step.label() + " " + name;
            if (step.request() == TUNSETIFF) {
                try {
                    Syscalls.ioctl(arena, fd, TUNSETIFF, ifreq(arena, name, (int) step.value()), what);
                } catch (SysException e) {
                    // With IFF_TUN_EXCL, EBUSY means a link of that name exists (tap or not).
                    throw e.errno() == Errno.EBUSY ? new SysException(what + " (already exists)", e.errno()) : e;
                }
            } else {
                Syscalls.ioctl(arena, fd, step.request(), step.value(), what);
            }
        }
    }

    /** One ioctl on the tun fd; for TUNSETIFF, {@code value} is ifr_flags of the ifreq argument. */
    record Ioctl(long request, String label, long value) {}

    /** The ioctls {@code ip tuntap add} makes, in its order; persistence last. */
    static List<Ioctl> plan(TapOptions options) {
        List<Ioctl> steps = new ArrayList<>(4);
        steps.add(new Ioctl(TUNSETIFF, "TUNSETIFF", IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL | (options.vnetHdr() ? IFF_VNET_HDR : 0)));
        options.owner().ifPresent(uid -> steps.add(new Ioctl(TUNSETOWNER, "TUNSETOWNER", Integer.toUnsignedLong(uid))));
        options.group().ifPresent(gid -> steps.add(new Ioctl(TUNSETGROUP, "TUNSETGROUP", Integer.toUnsignedLong(gid))));
        steps.add(new Ioctl(TUNSETPERSIST, "TUNSETPERSIST", 1));
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
