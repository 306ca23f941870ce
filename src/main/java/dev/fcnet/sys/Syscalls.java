package dev.fcnet.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls fcnet makes, as FFM downcalls. Each method takes the caller's allocator
 * (normally a confined {@link java.lang.foreign.Arena} in try-with-resources): errno is captured
 * into a segment allocated from it, so no state is shared between calls or threads. Failures
 * throw {@link SysException} with the errno name; calls that can be interrupted by a signal
 * are retried on EINTR.
 */
public final class Syscalls {
    private Syscalls() {}

    /** Shown when the JVM refuses native access to this code. */
    public static final String NATIVE_ACCESS_HINT = "fcnet needs native access: pass"
            + " --enable-native-access=dev.fcnet (module path) or --enable-native-access=ALL-UNNAMED (class path)";

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SOCKET;
    private static final MethodHandle BIND;
    private static final MethodHandle GETSOCKNAME;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle GETSOCKOPT;
    private static final MethodHandle SENDTO;
    private static final MethodHandle RECVFROM;
    private static final MethodHandle CLOSE;
    private static final MethodHandle OPEN;
    private static final MethodHandle IOCTL_PTR;
    private static final MethodHandle IOCTL_LONG;
    private static final MethodHandle UNSHARE;
    private static final MethodHandle SETNS;
    private static final MethodHandle MOUNT;
    private static final MethodHandle UMOUNT2;
    private static final MethodHandle GETTID;
    private static final MethodHandle FLOCK;
    private static final MethodHandle WRITE;
    private static final MethodHandle FTRUNCATE;

    static {
        try {
            SOCKET = handle("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
            BIND = handle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            GETSOCKNAME = handle("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            SETSOCKOPT = handle("setsockopt",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
            GETSOCKOPT = handle("getsockopt",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
            SENDTO = handle("sendto",
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
            RECVFROM = handle("recvfrom",
                    FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
            CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            // open and ioctl are variadic: the third argument is passed as a variadic one.
            OPEN = handle("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                    Linker.Option.firstVariadicArg(2));
            IOCTL_PTR = handle("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
                    Linker.Option.firstVariadicArg(2));
            IOCTL_LONG = handle("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
                    Linker.Option.firstVariadicArg(2));
            UNSHARE = handle("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            SETNS = handle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
            MOUNT = handle("mount",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
            UMOUNT2 = handle("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            FLOCK = handle("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
            WRITE = handle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
            FTRUNCATE = handle("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
            // gettid cannot fail, so it captures no errno.
            GETTID = downcall("gettid", FunctionDescriptor.of(JAVA_INT));
        } catch (IllegalCallerException e) {
            // An Error leaves the class initializer as is, so callers see this text, not a wrapper.
            throw new LinkageError(NATIVE_ACCESS_HINT, e);
        }
    }

    /** A downcall capturing errno; its handle takes the capture segment as first argument. */
    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        return downcall(name, fd, options);
    }

    @SuppressWarnings("restricted")
    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        Linker linker = Linker.nativeLinker();
        MemorySegment symbol = linker.defaultLookup().find(name)
                .orElseThrow(() -> new LinkageError("libc has no symbol " + name));
        return linker.downcallHandle(symbol, fd, options);
    }

    /** One downcall; gets the errno capture segment, returns the C result. */
    @FunctionalInterface
    private interface Call {
        long invoke(MemorySegment capture) throws Throwable;
    }

    /**
     * Runs {@code c} with an errno capture segment from {@code arena}: returns its result when
     * non-negative, else -errno. With {@code retryEintr}, a call interrupted by a signal is rerun.
     */
    private static long invoke(SegmentAllocator arena, boolean retryEintr, Call c) {
        MemorySegment capture = arena.allocate(CAPTURE);
        while (true) {
            long r;
            try {
                r = c.invoke(capture);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t); // the handles declare no checked exceptions
            }
            if (r >= 0) return r;
            int errno = (int) ERRNO.get(capture, 0L);
            if (!retryEintr || errno != Errno.EINTR) return -errno;
        }
    }

    /** {@link #invoke} retrying EINTR, failing with a SysException named {@code name}. */
    private static long call(SegmentAllocator arena, String name, Call c) {
        long r = invoke(arena, true, c);
        if (r < 0) throw new SysException(name, (int) -r);
        return r;
    }

    /** socket(2); returns the new fd. */
    public static int socket(SegmentAllocator arena, int domain, int type, int protocol) {
        return (int) call(arena, "socket", cs -> (int) SOCKET.invokeExact(cs, domain, type, protocol));
    }

    /** bind(2) to the socket address in {@code addr} (its whole size). */
    public static void bind(SegmentAllocator arena, int fd, MemorySegment addr) {
        int len = Math.toIntExact(addr.byteSize());
        call(arena, "bind", cs -> (int) BIND.invokeExact(cs, fd, addr, len));
    }

    /** getsockname(2) into {@code addr}; returns the address length the kernel reported. */
    public static int getsockname(SegmentAllocator arena, int fd, MemorySegment addr) {
        MemorySegment len = arena.allocateFrom(JAVA_INT, Math.toIntExact(addr.byteSize()));
        call(arena, "getsockname", cs -> (int) GETSOCKNAME.invokeExact(cs, fd, addr, len));
        return len.get(JAVA_INT, 0);
    }

    /** setsockopt(2) with an int value. {@code name} is used in the error message, e.g. "SO_RCVBUF". */
    public static void setsockoptInt(SegmentAllocator arena, int fd, int level, int option, int value, String name) {
        MemorySegment v = arena.allocateFrom(JAVA_INT, value);
        call(arena, "setsockopt " + name, cs -> (int) SETSOCKOPT.invokeExact(cs, fd, level, option, v, 4));
    }

    /** getsockopt(2) of an int value. */
    public static int getsockoptInt(SegmentAllocator arena, int fd, int level, int option, String name) {
        MemorySegment v = arena.allocate(JAVA_INT);
        MemorySegment len = arena.allocateFrom(JAVA_INT, 4);
        call(arena, "getsockopt " + name, cs -> (int) GETSOCKOPT.invokeExact(cs, fd, level, option, v, len));
        return v.get(JAVA_INT, 0);
    }

    /**
     * sendto(2) of all of {@code data} (a native segment) to {@code addr} (NULL for a connected
     * or default peer); returns the bytes sent. Retried on EINTR.
     */
    public static long sendto(SegmentAllocator arena, int fd, MemorySegment data, int flags, MemorySegment addr) {
        int addrLen = Math.toIntExact(addr.byteSize());
        return call(arena, "sendto",
                cs -> (long) SENDTO.invokeExact(cs, fd, data, data.byteSize(), flags, addr, addrLen));
    }

    /**
     * recvfrom(2) into {@code buf} (a native segment), ignoring the sender address. Returns the
     * byte count (with MSG_TRUNC, the datagram's real length, which may exceed the buffer), or -1
     * when {@code flags} has MSG_DONTWAIT and nothing is queued. Retried on EINTR.
     */
    public static long recvfrom(SegmentAllocator arena, int fd, MemorySegment buf, int flags) {
        long r = invoke(arena, true, cs -> (long) RECVFROM.invokeExact(cs, fd, buf, buf.byteSize(), flags,
                MemorySegment.NULL, MemorySegment.NULL));
        if (r == -Errno.EAGAIN && (flags & SocketConstants.MSG_DONTWAIT) != 0) return -1;
        if (r < 0) throw new SysException("recvfrom", (int) -r);
        return r;
    }

    /** close(2). Not retried on EINTR: Linux releases the fd even then. */
    public static void close(SegmentAllocator arena, int fd) {
        long r = invoke(arena, false, cs -> (int) CLOSE.invokeExact(cs, fd));
        if (r < 0 && r != -Errno.EINTR) throw new SysException("close", (int) -r);
    }

    /** open(2); returns the fd. {@code mode} matters only with O_CREAT. Retried on EINTR. */
    public static int open(SegmentAllocator arena, String path, int flags, int mode) {
        MemorySegment p = arena.allocateFrom(path);
        return (int) call(arena, "open " + path, cs -> (int) OPEN.invokeExact(cs, p, flags, mode));
    }

    /** ioctl(2) with a pointer argument; returns its non-negative result. {@code name} names it in errors. */
    public static int ioctl(SegmentAllocator arena, int fd, long request, MemorySegment arg, String name) {
        return (int) call(arena, "ioctl " + name, cs -> (int) IOCTL_PTR.invokeExact(cs, fd, request, arg));
    }

    /** ioctl(2) with an integer argument (e.g. TUNSETPERSIST 1). */
    public static int ioctl(SegmentAllocator arena, int fd, long request, long arg, String name) {
        return (int) call(arena, "ioctl " + name, cs -> (int) IOCTL_LONG.invokeExact(cs, fd, request, arg));
    }

    /** unshare(2) for the calling thread. */
    public static void unshare(SegmentAllocator arena, int flags) {
        call(arena, "unshare", cs -> (int) UNSHARE.invokeExact(cs, flags));
    }

    /** setns(2) for the calling thread. */
    public static void setns(SegmentAllocator arena, int fd, int nstype) {
        call(arena, "setns", cs -> (int) SETNS.invokeExact(cs, fd, nstype));
    }

    /** mount(2); {@code source}, {@code fstype} and {@code data} may be null. */
    public static void mount(SegmentAllocator arena, String source, String target, String fstype, long flags,
            String data) {
        MemorySegment src = cString(arena, source);
        MemorySegment tgt = arena.allocateFrom(target);
        MemorySegment type = cString(arena, fstype);
        MemorySegment opts = cString(arena, data);
        call(arena, "mount " + target, cs -> (int) MOUNT.invokeExact(cs, src, tgt, type, flags, opts));
    }

    /** umount2(2). */
    public static void umount2(SegmentAllocator arena, String target, int flags) {
        MemorySegment tgt = arena.allocateFrom(target);
        call(arena, "umount2 " + target, cs -> (int) UMOUNT2.invokeExact(cs, tgt, flags));
    }

    /**
     * flock(2). Returns false when {@code operation} has LOCK_NB and another open file description
     * holds a conflicting lock (EWOULDBLOCK); retried on EINTR.
     */
    public static boolean flock(SegmentAllocator arena, int fd, int operation) {
        long r = invoke(arena, true, cs -> (int) FLOCK.invokeExact(cs, fd, operation));
        if (r == -Errno.EAGAIN && (operation & OpenFlags.LOCK_NB) != 0) return false;
        if (r < 0) throw new SysException("flock", (int) -r);
        return true;
    }

    /** write(2) of all of {@code data} (a native segment), in as many calls as it takes; retried on EINTR. */
    public static void write(SegmentAllocator arena, int fd, MemorySegment data) {
        long done = 0;
        while (done < data.byteSize()) {
            MemorySegment rest = data.asSlice(done);
            done += call(arena, "write", cs -> (long) WRITE.invokeExact(cs, fd, rest, rest.byteSize()));
        }
    }

    /** ftruncate(2). */
    public static void ftruncate(SegmentAllocator arena, int fd, long length) {
        call(arena, "ftruncate", cs -> (int) FTRUNCATE.invokeExact(cs, fd, length));
    }

    /** gettid(2): the kernel's id of the calling (platform) thread. */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MemorySegment cString(SegmentAllocator arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }
}
