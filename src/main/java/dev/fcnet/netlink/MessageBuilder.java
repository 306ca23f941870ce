package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NLA_HDRLEN;
import static dev.fcnet.netlink.NetlinkConstants.NLMSG_HDRLEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Builds one or more netlink messages into a single growable buffer, libmnl style:
 * {@link #begin} a message, {@link #reserve} and fill its family header (ifinfomsg, nfgenmsg,
 * ...), put attributes (nests via {@link #nestStart}/{@link #nestEnd}), {@link #end} it, and
 * repeat for a batch. Sequence numbers stay 0 here; {@link NetlinkSocket} stamps them when it
 * sends. nlmsg_pid stays 0 (the kernel ignores it).
 *
 * <p>Byte order is explicit per call: {@code putU32} writes host order, {@code putU32Be} network
 * order. Attribute type flags ({@link NetlinkConstants#NLA_F_NESTED},
 * {@link NetlinkConstants#NLA_F_NET_BYTEORDER}) are never added implicitly: OR them into the
 * type when the receiving subsystem expects them (nftables sets NLA_F_NESTED on nests and no
 * byte-order flag; iproute2's rtnetlink requests set neither).
 *
 * <p>The buffer lives on the Java heap; a builder can be {@link #clear() cleared} and reused.
 * Not thread-safe.
 */
public final class MessageBuilder {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort U16_BE = U16.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32_BE = U32.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64_BE = U64.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int MAX_ATTR_LEN = 0xFFFF;

    private byte[] buf;
    private MemorySegment seg;
    private int size;
    /** Start offset of the message being built, or -1 between messages. */
    private int open = -1;
    private int openNests;
    private int count;
    private int[] starts = new int[4];
    private String[] whats = new String[4];

    public MessageBuilder() {
        this(512);
    }

    public MessageBuilder(int initialCapacity) {
        buf = new byte[Math.max(NLMSG_HDRLEN, initialCapacity)];
        seg = MemorySegment.ofArray(buf);
    }

    /** Forgets all messages, keeping the buffer. */
    public MessageBuilder clear() {
        size = 0;
        open = -1;
        openNests = 0;
        Arrays.fill(whats, 0, count, null);
        count = 0;
        return this;
    }

    /**
     * Starts a message. {@code what} describes it for error messages, e.g. {@code "RTM_NEWLINK tap0"}:
     * a failure reply for this message becomes "RTM_NEWLINK tap0: File exists (EEXIST)".
     */
    public MessageBuilder begin(int type, int flags, String what) {
        if (open >= 0) throw new IllegalStateException("message " + whats[count - 1] + " is not ended");
        checkU16(type, "message type");
        checkU16(flags, "message flags");
        int at = append(NLMSG_HDRLEN);
        seg.set(U16, at + 4, (short) type);
        seg.set(U16, at + 6, (short) flags);
        if (count == starts.length) {
            starts = Arrays.copyOf(starts, count * 2);
            whats = Arrays.copyOf(whats, count * 2);
        }
        starts[count] = at;
        whats[count] = what;
        count++;
        open = at;
        return this;
    }

    /**
     * Appends {@code length} zero bytes (padded to 4) to the current message, for a family header
     * such as ifinfomsg, and returns their offset for the {@code set*} methods.
     */
    public int reserve(int length) {
        requireOpen();
        if (length < 0) throw new IllegalArgumentException("negative length " + length);
        return append(length);
    }

    public MessageBuilder setU8(int offset, int value) {
        seg.set(ValueLayout.JAVA_BYTE, checkSet(offset, 1), (byte) value);
        return this;
    }

    public MessageBuilder setU16(int offset, int value) {
        seg.set(U16, checkSet(offset, 2), (short) value);
        return this;
    }

    public MessageBuilder setU32(int offset, int value) {
        seg.set(U32, checkSet(offset, 4), value);
        return this;
    }

    public MessageBuilder setU16Be(int offset, int value) {
        seg.set(U16_BE, checkSet(offset, 2), (short) value);
        return this;
    }

    public MessageBuilder setU32Be(int offset, int value) {
        seg.set(U32_BE, checkSet(offset, 4), value);
        return this;
    }

    public MessageBuilder putU8(int type, int value) {
        int at = attr(type, 1);
        seg.set(ValueLayout.JAVA_BYTE, at, (byte) value);
        return this;
    }

    public MessageBuilder putU16(int type, int value) {
        int at = attr(type, 2);
        seg.set(U16, at, (short) value);
        return this;
    }

    public MessageBuilder putU32(int type, int value) {
        int at = attr(type, 4);
        seg.set(U32, at, value);
        return this;
    }

    public MessageBuilder putU64(int type, long value) {
        int at = attr(type, 8);
        seg.set(U64, at, value);
        return this;
    }

    public MessageBuilder putU16Be(int type, int value) {
        int at = attr(type, 2);
        seg.set(U16_BE, at, (short) value);
        return this;
    }

    public MessageBuilder putU32Be(int type, int value) {
        int at = attr(type, 4);
        seg.set(U32_BE, at, value);
        return this;
    }

    public MessageBuilder putU64Be(int type, long value) {
        int at = attr(type, 8);
        seg.set(U64_BE, at, value);
        return this;
    }

    /** A NUL-terminated UTF-8 string attribute (NLA_NUL_STRING / NLA_STRING as the kernel reads them). */
    public MessageBuilder putString(int type, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        int at = attr(type, bytes.length + 1);
        System.arraycopy(bytes, 0, buf, at, bytes.length);
        buf[at + bytes.length] = 0;
        return this;
    }

    public MessageBuilder putBytes(int type, byte[] value) {
        int at = attr(type, value.length);
        System.arraycopy(value, 0, buf, at, value.length);
        return this;
    }

    public MessageBuilder putBytes(int type, MemorySegment value) {
        int len = Math.toIntExact(value.byteSize());
        int at = attr(type, len);
        MemorySegment.copy(value, 0, seg, at, len);
        return this;
    }

    /** An attribute without payload (NLA_FLAG). */
    public MessageBuilder putFlag(int type) {
        attr(type, 0);
        return this;
    }

    /**
     * Opens a nested attribute; everything put until {@link #nestEnd} goes inside it. Pass
     * {@code type | NLA_F_NESTED} when the subsystem wants the flag. Returns the mark for nestEnd.
     */
    public int nestStart(int type) {
        int at = attr(type, 0);
        openNests++;
        return at - NLA_HDRLEN;
    }

    /** Closes the nest opened at {@code mark}, patching its length. */
    public MessageBuilder nestEnd(int mark) {
        requireOpen();
        if (openNests == 0 || mark < open + NLMSG_HDRLEN || mark + NLA_HDRLEN > size) {
            throw new IllegalStateException("no open nest at offset " + mark);
        }
        int len = size - mark;
        if (len > MAX_ATTR_LEN) throw new IllegalStateException("nested attribute of " + len + " bytes exceeds 65535");
        seg.set(U16, mark, (short) len);
        openNests--;
        return this;
    }

    /** Ends the current message, patching nlmsg_len. */
    public MessageBuilder end() {
        requireOpen();
        if (openNests != 0) throw new IllegalStateException(openNests + " nest(s) still open in " + whats[count - 1]);
        seg.set(U32, open, size - open);
        open = -1;
        return this;
    }

    /** Number of messages begun so far. */
    public int messageCount() {
        return count;
    }

    /** Offset of message {@code index} in {@link #segment()}. */
    public int messageOffset(int index) {
        return starts[Objects.checkIndex(index, count)];
    }

    /** The description given to {@link #begin} for message {@code index}. */
    public String what(int index) {
        return whats[Objects.checkIndex(index, count)];
    }

    public int type(int index) {
        return Short.toUnsignedInt(seg.get(U16, messageOffset(index) + 4));
    }

    public int flags(int index) {
        return Short.toUnsignedInt(seg.get(U16, messageOffset(index) + 6));
    }

    /** The sequence number {@link NetlinkSocket} stamped on message {@code index} (0 before sending). */
    public int seq(int index) {
        return seg.get(U32, messageOffset(index) + 8);
    }

    /** Sets nlmsg_seq of message {@code index}; done by the socket when sending (nlmsg_pid stays 0, as iproute2 sends it). */
    void stamp(int index, int seq) {
        seg.set(U32, messageOffset(index) + 8, seq);
    }

    /** Bytes written so far. */
    public int size() {
        return size;
    }

    /** The finished messages (a view of the buffer, valid until the builder is changed). */
    public MemorySegment segment() {
        if (open >= 0) throw new IllegalStateException("message " + whats[count - 1] + " is not ended");
        return seg.asSlice(0, size);
    }

    public byte[] toByteArray() {
        return segment().toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * Writes an attribute header for a payload of {@code len} bytes and returns the payload
     * offset. It may replace {@code buf} and {@code seg}: callers read them only afterwards.
     */
    private int attr(int type, int len) {
        requireOpen();
        checkU16(type, "attribute type");
        if (len > MAX_ATTR_LEN - NLA_HDRLEN) {
            throw new IllegalArgumentException("attribute payload of " + len + " bytes exceeds 65531");
        }
        int at = append(NLA_HDRLEN + len);
        seg.set(U16, at, (short) (NLA_HDRLEN + len));
        seg.set(U16, at + 2, (short) type);
        return at + NLA_HDRLEN;
    }

    /**
     * The one place that aligns: appends {@code len} bytes plus padding to the next multiple of 4,
     * all zeroed, and returns their offset.
     */
    private int append(int len) {
        int at = size;
        int end = at + align(len);
        if (end > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(end, buf.length * 2));
            seg = MemorySegment.ofArray(buf);
        }
        Arrays.fill(buf, at, end, (byte) 0);
        size = end;
        return at;
    }

    /** Rounds up to NLMSG_ALIGNTO / NLA_ALIGNTO (both 4). */
    static int align(int len) {
        return (len + 3) & ~3;
    }

    private int checkSet(int offset, int width) {
        requireOpen();
        if (offset < open + NLMSG_HDRLEN || offset + width > size) {
            throw new IndexOutOfBoundsException("offset " + offset + " is outside the current message's reserved bytes");
        }
        return offset;
    }

    private void requireOpen() {
        if (open < 0) throw new IllegalStateException("no message begun");
    }

    private static void checkU16(int v, String what) {
        if ((v & ~0xFFFF) != 0) throw new IllegalArgumentException(what + " " + v + " does not fit 16 bits");
    }
}
