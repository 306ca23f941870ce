package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NET_BYTEORDER;
import static dev.fcnet.netlink.NetlinkConstants.NLA_HDRLEN;
import static dev.fcnet.netlink.NetlinkConstants.NLA_TYPE_MASK;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A cursor over the attributes in a byte range, read in place:
 * <pre>{@code
 * for (AttributeReader a = msg.attributes(16); a.next(); ) {
 *     switch (a.type()) {
 *         case IFLA_IFNAME -> name = a.string();
 *         case IFLA_LINKINFO -> readLinkInfo(a.nested());
 *         default -> {} // unknown attributes are yielded too
 *     }
 * }}</pre>
 * An nla_len shorter than the 4-byte header or running past the range throws
 * {@link MalformedMessageException}, as does a typed getter on a payload too short for it.
 */
public final class AttributeReader {
    private final MemorySegment buf;
    private final long end;
    private long next;
    /** Offset of the current attribute's header, or -1 before the first {@link #next()}. */
    private long cur = -1;
    private int len;

    public AttributeReader(MemorySegment data) {
        this(data, 0, data.byteSize());
    }

    AttributeReader(MemorySegment buf, long start, long end) {
        this.buf = buf;
        this.next = start;
        this.end = end;
    }

    /** Moves to the next attribute; false at the end of the range. */
    public boolean next() {
        long left = end - next;
        if (left == 0) {
            cur = -1;
            return false;
        }
        if (left < NLA_HDRLEN) {
            next = end;
            throw new MalformedMessageException(left + " trailing bytes are too short for an attribute header");
        }
        int nlaLen = Bytes.u16(buf, next);
        if (nlaLen < NLA_HDRLEN || nlaLen > left) {
            int type = Bytes.u16(buf, next + 2) & NLA_TYPE_MASK;
            next = end;
            throw new MalformedMessageException("attribute type " + type + " has nla_len " + nlaLen + ", "
                    + (nlaLen < NLA_HDRLEN ? "shorter than its 4-byte header" : "longer than the " + left + " bytes left"));
        }
        cur = next;
        len = nlaLen - NLA_HDRLEN;
        next = Math.min(end, next + MessageBuilder.align(nlaLen));
        return true;
    }

    /** The attribute type with NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off. */
    public int type() {
        return rawType() & NLA_TYPE_MASK;
    }

    /** nla_type as sent, flag bits included. */
    public int rawType() {
        return Bytes.u16(buf, header() + 2);
    }

    public boolean hasNestedFlag() {
        return (rawType() & NLA_F_NESTED) != 0;
    }

    public boolean hasNetByteOrderFlag() {
        return (rawType() & NLA_F_NET_BYTEORDER) != 0;
    }

    /** Payload length (nla_len minus the header, without padding). */
    public int length() {
        header();
        return len;
    }

    /** The payload (a slice of the underlying buffer). */
    public MemorySegment payload() {
        return buf.asSlice(header() + NLA_HDRLEN, len);
    }

    public int u8() {
        return Byte.toUnsignedInt(buf.get(ValueLayout.JAVA_BYTE, at(1)));
    }

    public int u16() {
        return Bytes.u16(buf, at(2));
    }

    public int u32() {
        return buf.get(Bytes.U32, at(4));
    }

    public long u64() {
        return buf.get(Bytes.U64, at(8));
    }

    public int u16Be() {
        return Short.toUnsignedInt(buf.get(Bytes.U16_BE, at(2)));
    }

    public int u32Be() {
        return buf.get(Bytes.U32_BE, at(4));
    }

    public long u64Be() {
        return buf.get(Bytes.U64_BE, at(8));
    }

    /** The payload up to its first NUL (or its end), as UTF-8. */
    public String string() {
        long p = header() + NLA_HDRLEN;
        return Bytes.string(buf, p, p + len);
    }

    /** A copy of the payload. */
    public byte[] bytes() {
        return payload().toArray(ValueLayout.JAVA_BYTE);
    }

    /** A reader over the attributes nested in this one's payload. */
    public AttributeReader nested() {
        long p = header() + NLA_HDRLEN;
        return new AttributeReader(buf, p, p + len);
    }

    private long header() {
        if (cur < 0) throw new IllegalStateException("no current attribute: call next() first");
        return cur;
    }

    private long at(int width) {
        long h = header();
        if (len < width) {
            throw new MalformedMessageException("attribute type " + type() + " has " + len
                    + " payload bytes, reading " + width);
        }
        return h + NLA_HDRLEN;
    }
}
