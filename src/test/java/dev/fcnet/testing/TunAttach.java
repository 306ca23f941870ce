package dev.fcnet.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.fcnet.tun.TunConstants;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * Attaches to a tap as a jailed VMM does, to learn whether its user may: opens /dev/net/tun, asks
 * TUNSETIFF for the tap named by the argument and prints {@code OK} or {@code errno N}. Run as
 * another user by {@code EngineTapOwnerTest}; self-contained (its constants are compile-time
 * ones, inlined), so its one class file runs from a directory any user can read.
 */
public final class TunAttach {
    private TunAttach() {}

    @SuppressWarnings("restricted")
    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        StructLayout state = Linker.Option.captureStateLayout();
        VarHandle errno = state.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        Linker.Option capture = Linker.Option.captureCallState("errno");
        MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), capture);
        MethodHandle ioctl = linker.downcallHandle(linker.defaultLookup().find("ioctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), capture, Linker.Option.firstVariadicArg(2));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(state);
            int fd = (int) open.invokeExact(err, arena.allocateFrom("/dev/net/tun"), 2 /* O_RDWR */);
            if (fd < 0) {
                System.out.println("open errno " + (int) errno.get(err, 0L));
                return;
            }
            MemorySegment ifr = arena.allocate(TunConstants.SIZEOF_IFREQ);
            byte[] name = args[0].getBytes(StandardCharsets.UTF_8);
            MemorySegment.copy(name, 0, ifr, JAVA_BYTE, 0, name.length);
            ifr.set(JAVA_SHORT, TunConstants.IFREQ_FLAGS, (short) (TunConstants.IFF_TAP | TunConstants.IFF_NO_PI));
            int r = (int) ioctl.invokeExact(err, fd, TunConstants.TUNSETIFF, ifr);
            System.out.println(r < 0 ? "errno " + (int) errno.get(err, 0L) : "OK");
        }
    }
}
