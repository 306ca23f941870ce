package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NETLINK_CAP_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NETLINK_EXT_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NETLINK_GET_STRICT_CHK;
import static dev.fcnet.sys.SocketConstants.AF_NETLINK;
import static dev.fcnet.sys.SocketConstants.MSG_DONTWAIT;
import static dev.fcnet.sys.SocketConstants.MSG_TRUNC;
import static dev.fcnet.sys.SocketConstants.SOCK_CLOEXEC;
import static dev.fcnet.sys.SocketConstants.SOCK_RAW;
import static dev.fcnet.sys.SocketConstants.SOL_NETLINK;
import static dev.fcnet.sys.SocketConstants.SOL_SOCKET;
import static dev.fcnet.sys.SocketConstants.SO_RCVBUF;
import static dev.fcnet.sys.SocketConstants.SO_RCVBUFFORCE;
import static dev.fcnet.sys.SocketConstants.SO_SNDBUF;
import static dev.fcnet.sys.SocketConstants.SO_SNDBUFFORCE;

import dev.fcnet.sys.Errno;
import dev.fcnet.sys.Fd;
import dev.fcnet.sys.SysException;
import dev.fcnet.sys.Syscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** An AF_NETLINK socket in the netns of the thread that opened it. */
final class KernelTransport implements Transport {
    /**
     * Socket buffer sizes. The defaults (~208 KiB) overflow with a few hundred acks, since each
     * queued ack is charged its full skb size; a send larger than the send buffer fails outright.
     */
    static final int SOCKET_BUFFER = 4 << 20;
    /** Requests up to this size are copied into a preallocated native buffer. */
    private static final int SEND_BUFFER = BufferPool.BUFFER_SIZE;

    private final Fd fd;
    private final int portId;
    /** From {@link BufferPool#SHARED}, back there when the socket is closed. */
    private final MemorySegment sendBuf;

    private KernelTransport(Fd fd, int portId) {
        this.fd = fd;
        this.portId = portId;
        this.sendBuf = BufferPool.SHARED.take();
    }

    /** Opens and binds a netlink socket of {@code protocol} (NETLINK_ROUTE, NETLINK_NETFILTER, ...). */
    static KernelTransport open(int protocol) {
        try (Arena a = Arena.ofConfined()) {
            Fd fd = new Fd(Syscalls.socket(a, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
            try {
                int s = fd.get();
                // Errors come back with the kernel's explanation and without a copy of the request.
                Syscalls.setsockoptInt(a, s, SOL_NETLINK, NETLINK_EXT_ACK, 1, "NETLINK_EXT_ACK");
                Syscalls.setsockoptInt(a, s, SOL_NETLINK, NETLINK_CAP_ACK, 1, "NETLINK_CAP_ACK");
                // Filtered dumps (rtnetlink) are honoured only with strict checking.
                Syscalls.setsockoptInt(a, s, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1, "NETLINK_GET_STRICT_CHK");
                bufferSize(a, s, SO_RCVBUFFORCE, SO_RCVBUF, "SO_RCVBUF");
                bufferSize(a, s, SO_SNDBUFFORCE, SO_SNDBUF, "SO_SNDBUF");
                MemorySegment addr = a.allocate(NetlinkConstants.SIZEOF_SOCKADDR_NL);
                addr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_NETLINK); // nl_pid 0: the kernel picks the port
                Syscalls.bind(a, s, addr);
                Syscalls.getsockname(a, s, addr);
                return new KernelTransport(fd, addr.get(ValueLayout.JAVA_INT, 4));
            } catch (RuntimeException e) {
                fd.close();
                throw e;
            }
        }
    }

    /** Sets a socket buffer past the sysctl limit when privileged (…FORCE), else up to the limit. */
    private static void bufferSize(Arena a, int s, int force, int plain, String name) {
        try {
            Syscalls.setsockoptInt(a, s, SOL_SOCKET, force, SOCKET_BUFFER, name + "FORCE");
        } catch (SysException e) {
            if (e.errno() != Errno.EPERM) throw e;
            Syscalls.setsockoptInt(a, s, SOL_SOCKET, plain, SOCKET_BUFFER, name);
        }
    }

    @Override
    public int portId() {
        return portId;
    }

    /** Synchronized with {@link #close}, which hands the send buffer to another socket. */
    @Override
    public synchronized void send(MemorySegment data) {
        if (!fd.isOpen()) throw new IllegalStateException("netlink socket is closed");
        long len = data.byteSize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = len <= SEND_BUFFER ? sendBuf : a.allocate(len);
            MemorySegment.copy(data, 0, out, 0, len);
            long sent = Syscalls.sendto(a, fd.get(), out.asSlice(0, len), 0, MemorySegment.NULL);
            if (sent != len) throw new IllegalStateException("sendto sent " + sent + " of " + len + " bytes");
        }
    }

    @Override
    public long receive(MemorySegment buffer, boolean wait) {
        try (Arena a = Arena.ofConfined()) {
            return Syscalls.recvfrom(a, fd.get(), buffer, wait ? MSG_TRUNC : MSG_TRUNC | MSG_DONTWAIT);
        }
    }

    /** Reads an int socket option (for tests and diagnostics). */
    int socketOption(int level, int option, String name) {
        try (Arena a = Arena.ofConfined()) {
            return Syscalls.getsockoptInt(a, fd.get(), level, option, name);
        }
    }

    @Override
    public synchronized void close() {
        if (!fd.isOpen()) return;
        fd.close();
        BufferPool.SHARED.give(sendBuf);
    }
}
