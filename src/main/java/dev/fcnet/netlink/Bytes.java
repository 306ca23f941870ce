package dev.fcnet.netlink;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Bounds-checked reads shared by {@link MessageView} and {@link AttributeReader}. */
final class Bytes {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfShort U16_BE = U16.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32_BE = U32.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64_BE = U64.withOrder(ByteOrder.BIG_ENDIAN);

    private Bytes() {}

    static int u16(MemorySegment s, long at) {
        return Short.toUnsignedInt(s.get(U16, at));
    }

    /** The bytes from {@code at} up to the first NUL or {@code end}, as UTF-8. */
    static String string(MemorySegment s, long at, long end) {
        long nul = at;
        while (nul < end && s.get(ValueLayout.JAVA_BYTE, nul) != 0) nul++;
        byte[] b = new byte[(int) (nul - at)];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, at, b, 0, b.length);
        return new String(b, StandardCharsets.UTF_8);
    }
}
