package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NLMSG_DONE;
import static dev.fcnet.netlink.NetlinkConstants.NLMSG_ERROR;
import static dev.fcnet.netlink.NetlinkConstants.NLMSG_HDRLEN;
import static dev.fcnet.netlink.NetlinkConstants.NLMSG_MIN_TYPE;
import static dev.fcnet.netlink.NetlinkConstants.NLMSGERR_ATTR_MSG;
import static dev.fcnet.netlink.NetlinkConstants.NLMSGERR_ATTR_OFFS;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK_TLVS;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_CAPPED;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_DUMP_INTR;

import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * A netlink socket with one receive loop for requests and dumps.
 *
 * <p>A socket belongs to the network namespace of the thread that {@linkplain #open opened} it
 * and can then be used from any thread. Calls are serialized: one request at a time, the next
 * waits. Each request sends every message of its {@link MessageBuilder} in one datagram, with
 * fresh sequence numbers, and reads replies into one reused 64 KiB buffer until every message
 * that asked for an answer has one. Replies with other sequence numbers (notifications, leftovers
 * of an abandoned request) are skipped.
 */
public final class NetlinkSocket implements AutoCloseable {
    /**
     * Receive buffer. The kernel sizes dump datagrams to the reader's buffer, at most 32 KiB, and
     * fcnet's single-object replies are far smaller; a larger datagram fails cleanly.
     */
    static final int RECEIVE_BUFFER = BufferPool.BUFFER_SIZE;
    /** Attempts of a dump that comes back marked NLM_F_DUMP_INTR or loses replies. */
    static final int DUMP_ATTEMPTS = 10;

    private static final byte NOT_AWAITED = 0;
    private static final byte AWAITED = 1;
    private static final byte ANSWERED = 2;

    private final Transport transport;
    private final int portId;
    /** From {@link BufferPool#SHARED}, back there when the socket is closed. */
    private final MemorySegment rx;
    private final MessageReader reader = new MessageReader(MemorySegment.NULL);
    private boolean closed;

    private int nextSeq = 1;
    // The request in flight.
    private int firstSeq;
    private int count;
    private byte[] state = new byte[8];
    private int pending;
    private boolean draining;
    private List<NetlinkException> failures;
    /** Seq of a dump whose NLMSG_DONE was not read (its caller failed); read before the next send. */
    private int abandonedDump;

    /** Opens a socket of {@code protocol} (NETLINK_ROUTE, NETLINK_NETFILTER) in the calling thread's netns. */
    public static NetlinkSocket open(int protocol) {
        return new NetlinkSocket(KernelTransport.open(protocol));
    }

    /** A socket over any transport; tests pass a fake kernel. */
    public NetlinkSocket(Transport transport) {
        this.transport = transport;
        this.portId = transport.portId();
        this.rx = BufferPool.SHARED.take();
    }

    /** The port id the kernel assigned (nlmsg_pid of replies). */
    public int portId() {
        return portId;
    }

    /**
     * Sends the messages of {@code msg} and waits for the ack of every message flagged NLM_F_ACK.
     * Messages without NLM_F_ACK (e.g. nfnetlink batch begin/end) are not waited for, but an
     * error the kernel reports for them still fails the request.
     *
     * @throws NetlinkException for the failing message with the lowest index; failures of other
     *                          messages of the same request are attached as suppressed exceptions
     */
    public void request(MessageBuilder msg) {
        request(msg, null);
    }

    /** As {@link #request(MessageBuilder)}, handing data replies (GET answers, NLM_F_ECHO copies) to {@code replies}. */
    public synchronized void request(MessageBuilder msg, ReplyHandler replies) {
        exchange(msg, replies, null, false);
    }

    /**
     * As {@link #request(MessageBuilder, ReplyHandler)}, passing over the error answers
     * {@code expected} accepts: the caller learns of them by the replies it did not get.
     */
    public synchronized void request(MessageBuilder msg, ReplyHandler replies, ExpectedError expected) {
        exchange(msg, replies, expected, false);
    }

    /**
     * Runs the dump request in {@code msg} (one message flagged NLM_F_DUMP) and returns
     * {@code decode} of each reply, skipping nulls. A dump the kernel marks inconsistent
     * (NLM_F_DUMP_INTR) or that loses replies (ENOBUFS) is run again, up to 10 times; the list
     * holds only the last, complete run.
     */
    public synchronized <T> List<T> dump(MessageBuilder msg, Function<MessageView, T> decode) {
        if (msg.messageCount() != 1) {
            throw new IllegalArgumentException("a dump is one message, got " + msg.messageCount());
        }
        List<T> out = new ArrayList<>();
        ReplyHandler collect = (i, m) -> {
            T t = decode.apply(m);
            if (t != null) out.add(t);
        };
        for (int attempt = 1; ; attempt++) {
            out.clear();
            int retry = exchange(msg, collect, null, true);
            if (retry == 0) return out;
            if (attempt == DUMP_ATTEMPTS) {
                throw new NetlinkException(msg.what(0), retry, msg.seq(0), 0, retry == Errno.ENOBUFS
                        ? "replies were lost " + attempt + " times in a row (receive queue overflow)"
                        : "the dump was interrupted by concurrent changes " + attempt + " times in a row", null);
            }
        }
    }

    /**
     * Sends {@code msg} and reads replies until every awaited message is answered. Returns 0, or
     * in dump mode the errno (EINTR, ENOBUFS) of a reason to run the dump again.
     */
    private int exchange(MessageBuilder msg, ReplyHandler handler, ExpectedError expected, boolean dump) {
        if (closed) throw new IllegalStateException("netlink socket is closed");
        MemorySegment data = msg.segment();
        start(msg, dump);
        if (abandonedDump != 0) finishAbandonedDump();
        try {
            transport.send(data);
        } catch (SysException e) {
            throw new NetlinkException(msg.what(0), e.errno(), firstSeq, count == 1 ? 0 : -1,
                    count == 1 ? "sendto failed" : "sendto of " + count + " messages failed", e);
        }
        int retry = 0;
        try {
            while (pending > 0 || draining) {
                long n;
                try {
                    n = transport.receive(rx, !draining);
                } catch (SysException e) {
                    if (dump && e.errno() == Errno.ENOBUFS) {
                        // The dump itself goes on; read it to its end, then run it again.
                        retry = Errno.ENOBUFS;
                        continue;
                    }
                    int i = firstPending();
                    throw new NetlinkException(msg.what(i), e.errno(), firstSeq + i, i, e.errno() == Errno.ENOBUFS
                            ? "replies were lost (receive queue overflow)" : e.getMessage(), e);
                }
                if (n < 0) break;
                if (n > rx.byteSize()) {
                    throw new MalformedMessageException("a " + n + "-byte reply to " + msg.what(firstPending())
                            + " did not fit the " + rx.byteSize() + "-byte receive buffer");
                }
                reader.reset(rx, 0, n);
                while (reader.next()) {
                    MessageView m = reader.message();
                    int i = m.seq() - firstSeq;
                    if (Integer.compareUnsigned(i, count) >= 0) continue;
                    if (m.portId() != portId) {
                        throw new MalformedMessageException("reply to " + msg.what(i) + " carries port id "
                                + Integer.toUnsignedString(m.portId()) + ", this socket's is " + Integer.toUnsignedString(portId));
                    }
                    int type = m.type();
                    if (type == NLMSG_ERROR) {
                        // struct nlmsgerr: error, then the request's header (and its payload unless capped), then TLVs.
                        int tlvs = 4 + ((m.flags() & NLM_F_CAPPED) != 0 ? NLMSG_HDRLEN : MessageBuilder.align(m.u32(4)));
                        answer(msg, i, m, m.u32(0), tlvs, expected);
                    } else if (type == NLMSG_DONE) {
                        if ((m.flags() & NLM_F_DUMP_INTR) != 0) retry = Errno.EINTR;
                        answer(msg, i, m, m.payloadLength() >= 4 ? m.u32(0) : 0, 4, null);
                    } else if (type >= NLMSG_MIN_TYPE) {
                        if (dump && (m.flags() & NLM_F_DUMP_INTR) != 0) retry = Errno.EINTR;
                        if (handler != null) handler.reply(i, m);
                    }
                }
            }
        } finally {
            if (dump && state[0] != ANSWERED) abandonedDump = firstSeq;
        }
        if (failures != null) {
            failures.sort(Comparator.comparingInt(NetlinkException::messageIndex));
            NetlinkException first = failures.getFirst();
            for (int k = 1; k < failures.size(); k++) first.addSuppressed(failures.get(k));
            throw first;
        }
        return retry;
    }

    /** Stamps fresh sequence numbers and marks which messages are awaited. */
    private void start(MessageBuilder msg, boolean dump) {
        count = msg.messageCount();
        if (count == 0) throw new IllegalArgumentException("no message to send");
        // Keep the request's seqs contiguous and clear of 0, which notifications use.
        if (Integer.toUnsignedLong(nextSeq) + count > 0xFFFF_FFFFL) nextSeq = 1;
        firstSeq = nextSeq;
        nextSeq += count;
        if (state.length < count) state = new byte[Math.max(count, state.length * 2)];
        pending = 0;
        for (int i = 0; i < count; i++) {
            msg.stamp(i, firstSeq + i);
            boolean awaited = dump || (msg.flags(i) & NLM_F_ACK) != 0;
            state[i] = awaited ? AWAITED : NOT_AWAITED;
            if (awaited) pending++;
        }
        Arrays.fill(state, count, state.length, NOT_AWAITED);
        failures = null;
        // With nothing to wait for, still collect any error already queued: the kernel handles a
        // request while sendto runs, so its replies are queued by the time sendto returns.
        draining = pending == 0;
    }

    /** Records the answer (NLMSG_ERROR or NLMSG_DONE) for message {@code i}; an error {@code expected} accepts is no failure. */
    private void answer(MessageBuilder msg, int i, MessageView m, int error, int tlvOffset, ExpectedError expected) {
        if (state[i] == AWAITED) pending--;
        boolean awaited = state[i] != NOT_AWAITED;
        state[i] = ANSWERED;
        if (error == 0) return;
        boolean tlvs = (m.flags() & NLM_F_ACK_TLVS) != 0;
        int offset = -1;
        if (tlvs) {
            for (AttributeReader a = m.attributes(tlvOffset); a.next(); ) {
                if (a.type() == NLMSGERR_ATTR_OFFS) offset = a.u32();
            }
        }
        if (expected != null && awaited && expected.expected(i, Math.abs(error), offset)) return;
        String text = null;
        if (tlvs) {
            for (AttributeReader a = m.attributes(tlvOffset); a.next(); ) {
                if (a.type() == NLMSGERR_ATTR_MSG) text = a.string();
            }
        }
        if (failures == null) failures = new ArrayList<>(2);
        failures.add(new NetlinkException(msg.what(i), Math.abs(error), text, offset, m.seq(), i));
        // An error for a message that asked no ack (e.g. a batch header) may mean the kernel
        // stopped there; whatever else it answered is already queued.
        if (!awaited) draining = true;
    }

    private int firstPending() {
        for (int i = 0; i < count; i++) {
            if (state[i] == AWAITED) return i;
        }
        return 0;
    }

    /**
     * Reads an earlier dump to its end: the kernel refuses a new dump (EBUSY) while one is
     * unfinished. It continues a dump each time its socket is read, queueing the next part before
     * the read returns, so an empty queue means there is nothing left to read.
     */
    private void finishAbandonedDump() {
        int seq = abandonedDump;
        abandonedDump = 0;
        while (true) {
            long n;
            try {
                n = transport.receive(rx, false);
            } catch (SysException e) {
                if (e.errno() == Errno.ENOBUFS) continue;
                throw e;
            }
            if (n < 0) return;
            reader.reset(rx, 0, Math.min(n, rx.byteSize()));
            try {
                while (reader.next()) {
                    MessageView m = reader.message();
                    if (m.seq() == seq && (m.type() == NLMSG_DONE || m.type() == NLMSG_ERROR)) return;
                }
            } catch (MalformedMessageException e) {
                // Part of the dump its caller already failed on; nothing to report twice.
            }
        }
    }

    /** Closes the socket; later calls do nothing. Waits for a request in progress. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            transport.close();
        } finally {
            // No request can be running (this is synchronized like them) nor start (closed is set).
            BufferPool.SHARED.give(rx);
        }
    }
}
