package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NLMSG_HDRLEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One netlink message inside a received buffer, read in place. Handed out by
 * {@link MessageReader} and the socket's reply callbacks as a reused flyweight: it is valid only
 * until the callback returns or the reader moves on; copy out what you keep.
 *
 * <p>Payload offsets count from the end of the 16-byte nlmsghdr, so offset 0 is the first byte
 * of the family header (ifinfomsg, nfgenmsg, ...). Reads past the message throw
 * {@link MalformedMessageException}.
 */
public final class MessageView {
    private MemorySegment buf;
    private long start;
    private int length;

    MessageView() {}

    /** A view of the single message at the start of {@code message}, checked like a received one. */
    public static MessageView of(MemorySegment message) {
        MessageReader r = new MessageReader(message);
        if (!r.next()) throw new MalformedMessageException("no netlink message in " + message.byteSize() + " bytes");
        return r.message();
    }

    void set(MemorySegment buf, long start, int length) {
        this.buf = buf;
        this.start = start;
        this.length = length;
    }

    /** nlmsg_len: header plus payload, without trailing padding. */
    public int length() {
        return length;
    }

    public int type() {
        return Bytes.u16(buf, start + 4);
    }

    public int flags() {
        return Bytes.u16(buf, start + 6);
    }

    public int seq() {
        return buf.get(Bytes.U32, start + 8);
    }

    public int portId() {
        return buf.get(Bytes.U32, start + 12);
    }

    /** Bytes after the nlmsghdr. */
    public int payloadLength() {
        return length - NLMSG_HDRLEN;
    }

    /** The whole message, header included (a slice of the receive buffer). */
    public MemorySegment segment() {
        return buf.asSlice(start, length);
    }

    /** The payload after the nlmsghdr (a slice of the receive buffer). */
    public MemorySegment payload() {
        return buf.asSlice(start + NLMSG_HDRLEN, payloadLength());
    }

    public int u8(int offset) {
        return Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, at(offset, 1)));
    }

    public int u16(int offset) {
        return Bytes.u16(buf, at(offset, 2));
    }

    public int u32(int offset) {
        return buf.get(Bytes.U32, at(offset, 4));
    }

    public long u64(int offset) {
        return buf.get(Bytes.U64, at(offset, 8));
    }

    public int u16Be(int offset) {
        return Short.toUnsignedInt(buf.get(Bytes.U16_BE, at(offset, 2)));
    }

    public int u32Be(int offset) {
        return buf.get(Bytes.U32_BE, at(offset, 4));
    }

    /**
     * The attributes following a family header of {@code fixedHeaderLength} bytes (padded to 4),
     * e.g. 16 for ifinfomsg, 4 for nfgenmsg.
     */
    public AttributeReader attributes(int fixedHeaderLength) {
        int skip = MessageBuilder.align(fixedHeaderLength);
        if (fixedHeaderLength < 0 || skip > payloadLength()) {
            throw new MalformedMessageException("message type " + type() + " has " + payloadLength()
                    + " payload bytes, less than its " + fixedHeaderLength + "-byte header");
        }
        return new AttributeReader(buf, start + NLMSG_HDRLEN + skip, start + length);
    }

    private long at(int offset, int width) {
        if (offset < 0 || offset + width > payloadLength()) {
            throw new MalformedMessageException("read of " + width + " bytes at payload offset " + offset
                    + " is outside the " + payloadLength() + "-byte payload of message type " + type());
        }
        return start + NLMSG_HDRLEN + offset;
    }

    @Override
    public String toString() {
        return "netlink message type " + type() + " flags 0x" + Integer.toHexString(flags()) + " seq "
                + Integer.toUnsignedString(seq()) + " len " + length;
    }
}
