package dev.fcnet.netlink;

import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NESTED;
import static dev.fcnet.netlink.NetlinkConstants.NLA_F_NET_BYTEORDER;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_REQUEST;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class MessageBuilderTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s", ""));
    }

    @Test
    void headerFamilyHeaderAndEveryAttributeKind() {
        MessageBuilder b = new MessageBuilder(16);
        b.begin(0x10, NLM_F_REQUEST | NLM_F_ACK, "test");
        int h = b.reserve(6);
        b.setU8(h, 0x11).setU16(h + 2, 0x0203).setU16Be(h + 4, 0x0405);
        b.putU8(1, 0xAB)
                .putU16(2, 0x1234)
                .putU32(3, 0x01020304)
                .putU64(4, 0x0102030405060708L)
                .putU16Be(5, 0x1234)
                .putU32Be(6 | NLA_F_NET_BYTEORDER, 0x0A000001)
                .putU64Be(7, 0x0102030405060708L)
                .putString(8, "tap0")
                .putBytes(9, new byte[] {1, 2, 3})
                .putFlag(10);
        b.end();
        byte[] expected = hex("""
                70000000 1000 0500 00000000 00000000
                11 00 0302 0405 0000
                0500 0100 ab000000
                0600 0200 3412 0000
                0800 0300 04030201
                0c00 0400 0807060504030201
                0600 0500 1234 0000
                0800 0640 0a000001
                0c00 0700 0102030405060708
                0900 0800 74617030 00 000000
                0700 0900 010203 00
                0400 0a00
                """);
        assertArrayEquals(expected, b.toByteArray());
        assertEquals(expected.length, b.size());
    }

    @Test
    void nestsPatchTheirLengthAndKeepFlagsExplicit() {
        MessageBuilder b = new MessageBuilder();
        b.begin(0x10, NLM_F_REQUEST, "nest");
        int outer = b.nestStart(1 | NLA_F_NESTED);
        int inner = b.nestStart(2);
        b.putU32(3, 7);
        b.nestEnd(inner);
        b.putString(4, "ab");
        b.nestEnd(outer);
        b.end();
        assertArrayEquals(hex("""
                28000000 1000 0100 00000000 00000000
                1800 0180
                  0c00 0200
                    0800 0300 07000000
                  0700 0400 616200 00
                """), b.toByteArray());
    }

    @Test
    void severalMessagesInOneBuffer() {
        MessageBuilder b = new MessageBuilder();
        b.begin(0x10, 0, "begin").reserve(4);
        b.end();
        b.begin(0x0a00, NLM_F_REQUEST | NLM_F_ACK, "table").reserve(4);
        b.putString(1, "fcnet");
        b.end();
        assertEquals(2, b.messageCount());
        assertEquals(0, b.messageOffset(0));
        assertEquals(20, b.messageOffset(1));
        assertEquals("table", b.what(1));
        assertEquals(0x0a00, b.type(1));
        assertEquals(NLM_F_REQUEST | NLM_F_ACK, b.flags(1));
        b.stamp(1, 77);
        assertEquals(77, b.seq(1));
        assertArrayEquals(hex("""
                14000000 1000 0000 00000000 00000000 00000000
                20000000 000a 0500 4d000000 00000000 00000000 0a00 0100 66636e6574 000000
                """), b.toByteArray());
    }

    @Test
    void clearReusesTheBufferWithZeroedPadding() {
        MessageBuilder b = new MessageBuilder();
        b.begin(0x10, 0, "x").putBytes(1, new byte[] {-1, -1, -1, -1, -1, -1, -1, -1});
        b.end();
        b.clear();
        b.begin(0x10, 0, "y").putU8(1, 1);
        b.end();
        assertEquals(1, b.messageCount());
        assertArrayEquals(hex("18000000 1000 0000 00000000 00000000 0500 0100 01000000"), b.toByteArray());
    }

    @Test
    void growsPastItsInitialCapacity() {
        MessageBuilder b = new MessageBuilder(16);
        b.begin(0x10, 0, "big");
        for (int i = 0; i < 1000; i++) b.putU32(1, i);
        b.end();
        assertEquals(16 + 8000, b.size());
        AttributeReader a = MessageView.of(b.segment()).attributes(0);
        for (int i = 0; i < 1000; i++) {
            a.next();
            assertEquals(i, a.u32());
        }
    }

    @Test
    void misuseIsRejected() {
        MessageBuilder b = new MessageBuilder();
        assertThrows(IllegalStateException.class, () -> b.putU32(1, 1), "attribute outside a message");
        b.begin(0x10, 0, "m");
        assertThrows(IllegalStateException.class, () -> b.begin(0x10, 0, "again"));
        assertThrows(IllegalStateException.class, b::segment, "unfinished message");
        assertThrows(IllegalArgumentException.class, () -> b.putU32(0x10000, 1));
        assertThrows(IllegalArgumentException.class, () -> b.putBytes(1, new byte[65532]));
        int h = b.reserve(4);
        assertThrows(IndexOutOfBoundsException.class, () -> b.setU32(h + 2, 1), "past the reserved bytes");
        assertThrows(IndexOutOfBoundsException.class, () -> b.setU8(4, 1), "inside the nlmsghdr");
        int nest = b.nestStart(1);
        assertThrows(IllegalStateException.class, b::end, "nest still open");
        b.putBytes(2, new byte[65000]);
        b.putBytes(2, new byte[1000]);
        assertThrows(IllegalStateException.class, () -> b.nestEnd(nest), "nest over 65535 bytes");
    }
}
