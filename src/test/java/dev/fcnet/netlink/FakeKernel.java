package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NLMSG_DONE;
import static dev.fcnet.netlink.NetlinkConstants.NLMSG_ERROR;
import static dev.fcnet.netlink.NetlinkConstants.NLMSGERR_ATTR_MSG;
import static dev.fcnet.netlink.NetlinkConstants.NLMSGERR_ATTR_OFFS;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK_TLVS;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_CAPPED;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_MULTI;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A scripted kernel for {@link NetlinkSocket}'s receive loop. Each send is handed to the
 * {@link Responder}, which queues reply datagrams (or receive errors); receive() hands them out in
 * order and fails the test where the real socket would block forever.
 */
final class FakeKernel implements Transport {
    static final int PORT = 4242;

    /** One message of a request as sent. */
    record Sent(int type, int flags, int seq, int pid) {}

    @FunctionalInterface
    interface Responder {
        void respond(FakeKernel kernel, List<Sent> request);
    }

    final List<List<Sent>> requests = new ArrayList<>();
    private final Deque<Object> queue = new ArrayDeque<>();
    private final Responder responder;
    int closes;

    FakeKernel(Responder responder) {
        this.responder = responder;
    }

    /** Queues a datagram made of these messages. */
    FakeKernel reply(byte[]... messages) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        for (byte[] m : messages) d.writeBytes(m);
        queue.add(d.toByteArray());
        return this;
    }

    /** Queues a failure of the next receive. */
    FakeKernel fail(RuntimeException e) {
        queue.add(e);
        return this;
    }

    boolean idle() {
        return queue.isEmpty();
    }

    @Override
    public int portId() {
        return PORT;
    }

    @Override
    public void send(MemorySegment data) {
        List<Sent> msgs = new ArrayList<>();
        MessageReader r = new MessageReader(data);
        while (r.next()) {
            MessageView m = r.message();
            msgs.add(new Sent(m.type(), m.flags(), m.seq(), m.portId()));
        }
        requests.add(msgs);
        responder.respond(this, msgs);
    }

    @Override
    public long receive(MemorySegment buffer, boolean wait) {
        Object next = queue.poll();
        if (next == null) {
            if (wait) throw new AssertionError("the socket waits for a reply the kernel would never send");
            return -1;
        }
        if (next instanceof RuntimeException e) throw e;
        byte[] d = (byte[]) next;
        MemorySegment.copy(d, 0, buffer, ValueLayout.JAVA_BYTE, 0, (int) Math.min(d.length, buffer.byteSize()));
        return d.length;
    }

    @Override
    public void close() {
        closes++;
    }

    // Reply messages, laid out as the kernel lays them out.

    static byte[] message(int type, int flags, int seq, int pid, byte[] payload) {
        int len = 16 + payload.length;
        ByteBuffer b = ByteBuffer.allocate((len + 3) & ~3).order(ByteOrder.nativeOrder());
        b.putInt(len).putShort((short) type).putShort((short) flags).putInt(seq).putInt(pid).put(payload);
        return b.array();
    }

    static byte[] ack(int seq) {
        return message(NLMSG_ERROR, NLM_F_CAPPED, seq, PORT, nlmsgerr(0, requestHeader(seq), new byte[0]));
    }

    /** An error reply with NETLINK_CAP_ACK and NETLINK_EXT_ACK on; {@code text} null and {@code offset} -1 leave TLVs out. */
    static byte[] error(int seq, int errno, String text, int offset) {
        ByteArrayOutputStream tlvs = new ByteArrayOutputStream();
        if (text != null) tlvs.writeBytes(attr(NLMSGERR_ATTR_MSG, (text + "\0").getBytes(StandardCharsets.UTF_8)));
        if (offset >= 0) tlvs.writeBytes(attr(NLMSGERR_ATTR_OFFS, le32(offset)));
        int flags = NLM_F_CAPPED | (tlvs.size() > 0 ? NLM_F_ACK_TLVS : 0);
        return message(NLMSG_ERROR, flags, seq, PORT, nlmsgerr(-errno, requestHeader(seq), tlvs.toByteArray()));
    }

    /**
     * An error reply without NETLINK_CAP_ACK: the kernel copies the whole failed request (here one
     * with {@code requestPayload} bytes after its header) between the error code and the TLVs.
     */
    static byte[] uncappedError(int seq, int errno, String text, int requestPayload) {
        byte[] request = message(0x10, 0x5, seq, 0, new byte[requestPayload]);
        return message(NLMSG_ERROR, NLM_F_ACK_TLVS, seq, PORT,
                nlmsgerr(-errno, request, attr(NLMSGERR_ATTR_MSG, (text + "\0").getBytes(StandardCharsets.UTF_8))));
    }

    /** A data message whose payload is a 4-byte family header and attribute 1 holding {@code name}. */
    static byte[] data(int type, int flags, int seq, String name) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(new byte[4]);
        p.writeBytes(attr(1, (name + "\0").getBytes(StandardCharsets.UTF_8)));
        return message(type, flags, seq, PORT, p.toByteArray());
    }

    static byte[] done(int seq, int flags, int error) {
        return message(NLMSG_DONE, NLM_F_MULTI | flags, seq, PORT, le32(error));
    }

    /** The error code, the (copied part of the) failed request, then TLVs. */
    private static byte[] nlmsgerr(int error, byte[] request, byte[] tlvs) {
        ByteBuffer b = ByteBuffer.allocate(4 + request.length + tlvs.length).order(ByteOrder.nativeOrder());
        return b.putInt(error).put(request).put(tlvs).array();
    }

    /** A capped copy of a request: just its header. */
    private static byte[] requestHeader(int seq) {
        return message(0x10, 0x5, seq, 0, new byte[0]);
    }

    static byte[] attr(int type, byte[] payload) {
        int len = 4 + payload.length;
        ByteBuffer b = ByteBuffer.allocate((len + 3) & ~3).order(ByteOrder.nativeOrder());
        b.putShort((short) len).putShort((short) type).put(payload);
        return b.array();
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    /** The string in attribute 1 of a {@link #data} message. */
    static String name(MessageView m) {
        AttributeReader a = m.attributes(4);
        a.next();
        return a.string();
    }
}
