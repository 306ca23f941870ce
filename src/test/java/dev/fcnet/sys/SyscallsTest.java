package dev.fcnet.sys;

import static dev.fcnet.sys.SocketConstants.AF_NETLINK;
import static dev.fcnet.sys.SocketConstants.MSG_DONTWAIT;
import static dev.fcnet.sys.SocketConstants.SOCK_CLOEXEC;
import static dev.fcnet.sys.SocketConstants.SOCK_RAW;
import static dev.fcnet.sys.SocketConstants.SOL_SOCKET;
import static dev.fcnet.sys.SocketConstants.SO_RCVBUF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.testing.Tools;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Downcalls that need no privileges; see SyscallsKernelTest for the namespace calls. */
class SyscallsTest {
    private static final int NETLINK_ROUTE = 0;

    @Test
    void openFailsWithErrnoName() {
        try (Arena a = Arena.ofConfined()) {
            SysException e = assertThrows(SysException.class,
                    () -> Syscalls.open(a, "/nonexistent/fcnet", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals("open /nonexistent/fcnet: No such file or directory (ENOENT)", e.getMessage());
        }
    }

    @Test
    void openAndCloseAFile() {
        try (Arena a = Arena.ofConfined()) {
            Fd fd = new Fd(Syscalls.open(a, "/proc/self/stat", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0));
            Path link = Path.of("/proc/self/fd/" + fd.get());
            assertEquals(Path.of("/proc/self/stat").toRealPath(), link.toRealPath());
            fd.close();
            assertFalse(fd.isOpen());
            fd.close(); // second close does nothing
            assertFalse(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertThrows(IllegalStateException.class, fd::get);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void badFdReportsEbadf() {
        try (Arena a = Arena.ofConfined()) {
            SysException e = assertThrows(SysException.class, () -> Syscalls.ioctl(a, -1, 0x8913, 0L, "SIOCGIFFLAGS"));
            assertEquals("ioctl SIOCGIFFLAGS: Bad file descriptor (EBADF)", e.getMessage());
            assertEquals(Errno.EBADF, assertThrows(SysException.class, () -> Syscalls.close(a, -1)).errno());
        }
    }

    /** socket, setsockopt/getsockopt, bind, getsockname, sendto and recvfrom against the kernel's netlink. */
    @Test
    void netlinkSocketRoundTrip() {
        try (Arena a = Arena.ofConfined(); Fd fd = new Fd(Syscalls.socket(a, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE))) {
            int s = fd.get();
            Syscalls.setsockoptInt(a, s, SOL_SOCKET, SO_RCVBUF, 65536, "SO_RCVBUF");
            // The kernel doubles the value for its bookkeeping (socket(7)).
            assertEquals(131072, Syscalls.getsockoptInt(a, s, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF"));
            MemorySegment addr = a.allocate(12);
            addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK);
            Syscalls.bind(a, s, addr);
            assertEquals(12, Syscalls.getsockname(a, s, addr));
            int port = addr.get(ValueLayout.JAVA_INT, 4);
            assertNotEquals(0, port);

            MemorySegment buf = a.allocate(8192);
            assertEquals(-1, Syscalls.recvfrom(a, s, buf, MSG_DONTWAIT), "nothing queued yet");
            // An empty nlmsghdr of type NLMSG_NOOP with NLM_F_REQUEST|NLM_F_ACK: the kernel acks it.
            MemorySegment req = a.allocate(16);
            req.set(ValueLayout.JAVA_INT, 0, 16);
            req.set(ValueLayout.JAVA_SHORT, 4, (short) 1);
            req.set(ValueLayout.JAVA_SHORT, 6, (short) 5);
            req.set(ValueLayout.JAVA_INT, 8, 42);
            assertEquals(16, Syscalls.sendto(a, s, req, 0, MemorySegment.NULL));
            long n = Syscalls.recvfrom(a, s, buf, 0);
            assertTrue(n >= 36, "ack of " + n + " bytes");
            assertEquals(2, buf.get(ValueLayout.JAVA_SHORT, 4), "NLMSG_ERROR");
            assertEquals(42, buf.get(ValueLayout.JAVA_INT, 8), "seq");
            assertEquals(port, buf.get(ValueLayout.JAVA_INT, 12), "port id");
            assertEquals(0, buf.get(ValueLayout.JAVA_INT, 16), "error 0: an ack");
        }
    }

    @Test
    void gettidIsThisThreadsTid() throws Exception {
        int[] seen = new int[2];
        Thread t = Thread.ofPlatform().start(() -> {
            seen[0] = Syscalls.gettid();
            try {
                // /proc/thread-self -> <pid>/task/<tid>
                seen[1] = Integer.parseInt(Path.of("/proc/thread-self").toRealPath().getFileName().toString());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        t.join();
        assertTrue(seen[0] > 0);
        assertEquals(seen[1], seen[0]);
        assertNotEquals((int) ProcessHandle.current().pid(), seen[0], "a second thread has its own tid");
    }

    /**
     * A JVM that denies native access to class-path code gets the flag to pass, not a bare
     * IllegalCallerException.
     */
    @Test
    void refusedNativeAccessNamesTheFlag() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // JDK 24+ only warns by default; before 24, naming any other module denied the rest.
        String deny = Runtime.version().feature() >= 24 ? "--illegal-native-access=deny" : "--enable-native-access=java.base";
        Tools.Result r = Tools.exec(null, java, deny, "-cp",
                System.getProperty("java.class.path"), NativeAccessProbe.class.getName());
        assertNotEquals(0, r.exit(), r.out());
        assertTrue(r.err().contains(Syscalls.NATIVE_ACCESS_HINT), r.err());
        assertTrue(r.err().contains("--enable-native-access=ALL-UNNAMED (class path)"), r.err());
    }
}
