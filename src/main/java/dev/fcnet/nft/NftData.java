package dev.fcnet.nft;

import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.NetlinkConstants;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Immutable bytes of an nftables value: {@code cmp}/{@code immediate} data, the raw attributes of
 * an {@link Unknown} expression, rule userdata. Compared by content, so expression records holding
 * it compare by value.
 */
public record NftData(byte[] bytes) {
    /** No bytes; as rule userdata it means "none" (the kernel keeps no zero-length userdata). */
    public static final NftData EMPTY = new NftData(new byte[0]);

    public NftData {
        bytes = bytes.clone();
    }

    public static NftData of(byte... bytes) {
        return new NftData(bytes);
    }

    /** A copy of the bytes. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    public boolean isEmpty() {
        return bytes.length == 0;
    }

    /**
     * libnftnl's text of a data register, as {@code nft --debug=netlink} prints it: the bytes read
     * as 32-bit words in host byte order (the last one zero-padded), each {@code 0x%08x}, joined by
     * spaces. On x86 the address 172.16.0.2 prints as {@code 0x020010ac}.
     */
    public String words() {
        StringBuilder s = new StringBuilder();
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int i = 0; i < bytes.length; i += 4) {
            int w = 0;
            for (int j = 0; j < 4; j++) {
                int b = i + j < bytes.length ? bytes[i + j] & 0xff : 0;
                w |= little ? b << (8 * j) : b << (8 * (3 - j));
            }
            if (i > 0) s.append(' ');
            s.append(String.format("0x%08x", w));
        }
        return s.toString();
    }

    /** Writes these bytes as an nft_data value: attribute {@code type} nesting NFTA_DATA_VALUE. */
    void encodeValue(MessageBuilder b, int type) {
        int nest = b.nestStart(type | NetlinkConstants.NLA_F_NESTED);
        b.putBytes(NftConstants.NFTA_DATA_VALUE, bytes);
        b.nestEnd(nest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NftData d && Arrays.equals(bytes, d.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}
