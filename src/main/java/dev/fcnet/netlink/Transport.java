package dev.fcnet.netlink;

import java.lang.foreign.MemorySegment;

/**
 * Where a {@link NetlinkSocket} sends datagrams and receives replies: the kernel, or a fake
 * kernel in tests.
 */
public interface Transport extends AutoCloseable {
    /** The port id the kernel assigned to this socket (nlmsg_pid of its replies). */
    int portId();

    /** Sends one datagram (all of {@code data}). */
    void send(MemorySegment data);

    /**
     * Receives one datagram into {@code buffer}. Returns its full length, which exceeds the
     * buffer's size if it was truncated, or -1 when {@code wait} is false and nothing is queued.
     * Throws {@link dev.fcnet.sys.SysException} on failure, e.g. ENOBUFS when replies were
     * dropped because the receive queue was full.
     */
    long receive(MemorySegment buffer, boolean wait);

    @Override
    void close();
}
