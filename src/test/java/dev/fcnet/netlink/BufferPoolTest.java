package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NETLINK_ROUTE;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_REQUEST;
import static dev.fcnet.rtnl.RtnlConstants.IFLA_IFNAME;
import static dev.fcnet.rtnl.RtnlConstants.RTM_GETLINK;
import static dev.fcnet.rtnl.RtnlConstants.SIZEOF_IFINFOMSG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.testing.KernelTest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The native buffers netlink sockets share: reused, bounded, never held by two at once. */
class BufferPoolTest {
    @Test
    void aBufferGivenBackIsTheNextTaken() {
        BufferPool pool = new BufferPool(4);
        MemorySegment a = pool.take();
        assertEquals(BufferPool.BUFFER_SIZE, a.byteSize());
        assertEquals(0, pool.idle());
        pool.give(a);
        assertEquals(1, pool.idle());
        assertSame(a, pool.take());
        assertEquals(0, pool.idle());
    }

    @Test
    void keepsAtMostItsCapacity() {
        BufferPool pool = new BufferPool(3);
        List<MemorySegment> taken = new ArrayList<>();
        for (int i = 0; i < 8; i++) taken.add(pool.take());
        taken.forEach(pool::give);
        assertEquals(3, pool.idle());
        // The three kept are handed out again; then new ones.
        Set<MemorySegment> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 3; i++) kept.add(pool.take());
        assertEquals(3, kept.size());
        assertEquals(3, taken.stream().filter(kept::contains).count());
        MemorySegment fresh = pool.take();
        assertTrue(taken.stream().noneMatch(s -> s == fresh));
    }

    @Test
    void refusesForeignSegments() {
        assertThrows(IllegalArgumentException.class, () -> new BufferPool(2).give(MemorySegment.ofArray(new byte[16])));
    }

    /** Buffers are usable from any thread, as a socket is (it may be opened in one netns thread and used in another). */
    @Test
    void buffersWorkFromOtherThreads() throws Exception {
        BufferPool pool = new BufferPool(2);
        MemorySegment s = pool.take();
        Thread t = Thread.ofPlatform().start(() -> s.set(ValueLayout.JAVA_INT, 0, 42));
        t.join();
        assertEquals(42, s.get(ValueLayout.JAVA_INT, 0));
    }

    /**
     * Threads taking and giving back at once: no buffer is ever held by two of them, and the pool
     * never keeps more than its capacity.
     */
    @Test
    void concurrentUseNeverSharesABuffer() throws Exception {
        BufferPool pool = new BufferPool(4);
        Map<MemorySegment, Boolean> held = Collections.synchronizedMap(new IdentityHashMap<>());
        assertEquals(List.of(), atOnce(8, () -> {
            for (int i = 0; i < 5_000; i++) {
                MemorySegment a = pool.take();
                MemorySegment b = pool.take();
                if (held.put(a, true) != null || held.put(b, true) != null) throw new AssertionError("held twice");
                if (pool.idle() > pool.capacity()) throw new AssertionError("idle " + pool.idle());
                held.remove(a);
                held.remove(b);
                pool.give(b);
                pool.give(a);
            }
        }));
        assertTrue(pool.idle() <= 4, "idle " + pool.idle());
    }

    @Nested
    @KernelTest
    class Sockets {
        /** A socket takes its two buffers (receive, send) from the shared pool and gives them back when closed. */
        @Test
        void aKernelSocketUsesAndReturnsTwoPooledBuffers() {
            BufferPool shared = BufferPool.SHARED;
            // At least two idle, so that opening takes from the pool rather than allocating.
            MemorySegment x = shared.take();
            MemorySegment y = shared.take();
            shared.give(x);
            shared.give(y);
            int before = shared.idle();
            NetlinkSocket s = NetlinkSocket.open(NETLINK_ROUTE);
            assertEquals(before - 2, shared.idle());
            s.close();
            assertEquals(before, shared.idle());
            s.close(); // twice: nothing given back twice
            assertEquals(before, shared.idle());
            assertThrows(IllegalStateException.class, () -> s.request(getLo()));
        }

        /**
         * Threads opening, using and closing sockets at once, more than the pool keeps: each
         * socket's replies are its own (a buffer shared by two live sockets would show the other's
         * port id or a mangled message).
         */
        @Test
        void socketsOpenedAndClosedConcurrentlyKeepTheirOwnReplies() throws Exception {
            int threads = 6;
            Set<Integer> ports = ConcurrentHashMap.newKeySet();
            assertEquals(List.of(), atOnce(threads, () -> {
                for (int i = 0; i < 150; i++) {
                    List<NetlinkSocket> open = new ArrayList<>();
                    try {
                        for (int k = 0; k < 4; k++) open.add(NetlinkSocket.open(NETLINK_ROUTE));
                        for (NetlinkSocket s : open) {
                            ports.add(s.portId());
                            List<String> names = new ArrayList<>();
                            s.request(getLo(), (idx, m) -> {
                                if (m.portId() != s.portId()) throw new AssertionError("foreign reply");
                                for (AttributeReader a = m.attributes(SIZEOF_IFINFOMSG); a.next(); ) {
                                    if (a.type() == IFLA_IFNAME) names.add(a.string());
                                }
                            });
                            if (!names.equals(List.of("lo"))) throw new AssertionError("replies " + names);
                        }
                    } finally {
                        open.forEach(NetlinkSocket::close);
                    }
                }
            }));
            assertTrue(ports.size() > threads * 4, "ports " + ports.size());
            assertTrue(BufferPool.SHARED.idle() <= BufferPool.SHARED_CAPACITY);
        }
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on {@code threads} platform threads started together; what they threw. */
    private static List<Throwable> atOnce(int threads, Body body) throws InterruptedException {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    body.run();
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : all) t.join();
        return failures;
    }

    private static MessageBuilder getLo() {
        MessageBuilder b = new MessageBuilder();
        b.begin(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, "RTM_GETLINK lo");
        b.reserve(SIZEOF_IFINFOMSG);
        b.putString(IFLA_IFNAME, "lo");
        b.end();
        return b;
    }
}
