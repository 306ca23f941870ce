package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NLMSG_HDRLEN;

import java.lang.foreign.MemorySegment;

/**
 * Walks the netlink messages in a buffer (one datagram may hold several):
 * {@code while (r.next()) use(r.message());}. Each message's nlmsg_len must cover its header
 * and fit in what is left, else {@link MalformedMessageException}; trailing padding is skipped.
 */
public final class MessageReader {
    private MemorySegment buf;
    private long end;
    private long next;
    private final MessageView view = new MessageView();

    public MessageReader(MemorySegment data) {
        this(data, 0, data.byteSize());
    }

    /** Messages in {@code data[offset, offset + length)}. */
    public MessageReader(MemorySegment data, long offset, long length) {
        reset(data, offset, length);
    }

    /** Restarts over {@code data[offset, offset + length)}, so a socket can reuse one reader. */
    void reset(MemorySegment data, long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > data.byteSize()) {
            throw new IndexOutOfBoundsException("range " + offset + "+" + length + " outside " + data.byteSize() + " bytes");
        }
        this.buf = data;
        this.next = offset;
        this.end = offset + length;
    }

    /** Moves to the next message; false when the data is used up. */
    public boolean next() {
        long left = end - next;
        if (left == 0) return false;
        if (left < NLMSG_HDRLEN) {
            next = end;
            throw new MalformedMessageException(left + " trailing bytes are too short for a netlink message header");
        }
        long len = Integer.toUnsignedLong(buf.get(Bytes.U32, next));
        if (len < NLMSG_HDRLEN || len > left) {
            next = end;
            throw new MalformedMessageException("nlmsg_len " + len + " is " + (len < NLMSG_HDRLEN
                    ? "shorter than the 16-byte header" : "longer than the " + left + " bytes left"));
        }
        view.set(buf, next, (int) len);
        next = Math.min(end, next + MessageBuilder.align((int) len));
        return true;
    }

    /** The current message (the same flyweight each time). */
    public MessageView message() {
        return view;
    }
}
