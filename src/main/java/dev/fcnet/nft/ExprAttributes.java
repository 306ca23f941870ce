package dev.fcnet.nft;

import dev.fcnet.netlink.AttributeReader;
import dev.fcnet.netlink.MalformedMessageException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The attributes of one nest, by type, for decoding an expression into a record only when the
 * record can hold all of them: {@link #read} gives null when a type is outside 1..max or repeats,
 * and the decoders then fall back to {@link Unknown}.
 */
final class ExprAttributes {
    private static final ValueLayout.OfInt U32_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final MemorySegment[] byType;

    private ExprAttributes(MemorySegment[] byType) {
        this.byType = byType;
    }

    static ExprAttributes read(MemorySegment nest, int maxType) {
        MemorySegment[] t = new MemorySegment[maxType + 1];
        for (AttributeReader a = new AttributeReader(nest); a.next(); ) {
            int type = a.type();
            if (type < 1 || type > maxType || t[type] != null) return null;
            t[type] = a.payload();
        }
        return new ExprAttributes(t);
    }

    boolean has(int type) {
        return byType[type] != null;
    }

    /** True when exactly the given types are present. */
    boolean hasExactly(int... types) {
        int n = 0;
        for (MemorySegment s : byType) if (s != null) n++;
        if (n != types.length) return false;
        for (int type : types) if (byType[type] == null) return false;
        return true;
    }

    MemorySegment get(int type) {
        return byType[type];
    }

    /** A big-endian u32 attribute (nf_tables sends them all in network order); 0 when absent. */
    int u32Be(int type) {
        MemorySegment s = byType[type];
        if (s == null) return 0;
        if (s.byteSize() != 4) {
            throw new MalformedMessageException("expression attribute " + type + " has " + s.byteSize() + " bytes, not 4");
        }
        return s.get(U32_BE, 0);
    }

    /** A string attribute, up to its first NUL. */
    String string(int type) {
        MemorySegment s = byType[type];
        long end = 0;
        while (end < s.byteSize() && s.get(ValueLayout.JAVA_BYTE, end) != 0) end++;
        return new String(s.asSlice(0, end).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** A NFTA_DATA_VALUE-only nft_data nest (cmp/immediate data), or null when it is anything else. */
    static NftData value(MemorySegment dataNest) {
        ExprAttributes d = read(dataNest, NftConstants.NFTA_DATA_VERDICT);
        if (d == null || !d.hasExactly(NftConstants.NFTA_DATA_VALUE)) return null;
        return new NftData(d.get(NftConstants.NFTA_DATA_VALUE).toArray(ValueLayout.JAVA_BYTE));
    }
}
