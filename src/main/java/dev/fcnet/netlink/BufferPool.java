package dev.fcnet.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The native buffers of netlink sockets (a receive buffer per {@link NetlinkSocket}, a send buffer
 * per {@link KernelTransport}), reused from socket to socket. A socket used to allocate its own in
 * a shared arena and close the arena with the socket, but closing a shared arena is a handshake
 * with every thread of the JVM, and an engine opens and closes sockets for every network it adds,
 * checks or deletes (those inside the network's netns): thousands of handshakes for a fleet.
 * Buffers come from automatic arenas instead, never closed explicitly: one kept in the pool stays
 * reachable, and one dropped because the pool is full is freed by the garbage collector. The pool
 * keeps at most {@link #capacity} idle buffers, so a burst of concurrent sockets does not pin its
 * peak of native memory for good.
 */
final class BufferPool {
    /** The size of every buffer: a netlink dump datagram is at most 32 KiB, requests of fcnet far smaller. */
    static final int BUFFER_SIZE = 64 << 10;
    /** Idle buffers the shared pool keeps (2 MiB): enough for the sockets of a few dozen concurrent operations. */
    static final int SHARED_CAPACITY = 32;
    /** The pool of all sockets of the process. */
    static final BufferPool SHARED = new BufferPool(SHARED_CAPACITY);

    private final int capacity;
    private final ConcurrentLinkedDeque<MemorySegment> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();

    BufferPool(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity " + capacity);
        this.capacity = capacity;
    }

    /** An idle buffer (the most recently given back, likely still in cache), or a new one. Any thread may use it. */
    MemorySegment take() {
        MemorySegment s = idle.pollFirst();
        if (s == null) return Arena.ofAuto().allocate(BUFFER_SIZE);
        idleCount.decrementAndGet();
        return s;
    }

    /**
     * Gives back a buffer from {@link #take}, which its socket no longer uses. Kept when fewer than
     * {@link #capacity} are idle, else left to the garbage collector.
     */
    void give(MemorySegment buffer) {
        if (buffer.byteSize() != BUFFER_SIZE) throw new IllegalArgumentException("not a pool buffer: " + buffer);
        // Reserve a place first, so that concurrent gives never keep more than the capacity (and the
        // count never shows more, not even for an instant).
        for (int n = idleCount.get(); n < capacity; n = idleCount.get()) {
            if (idleCount.compareAndSet(n, n + 1)) {
                idle.offerFirst(buffer);
                return;
            }
        }
    }

    /** Buffers idle in the pool now. */
    int idle() {
        return idleCount.get();
    }

    int capacity() {
        return capacity;
    }
}
