package dev.fcnet.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageReaderTest {
    private static MemorySegment seg(String hex) {
        return MemorySegment.ofArray(HexFormat.of().parseHex(hex.replaceAll("\\s", "")));
    }

    @Test
    void readsEveryMessageAndAttributeBackFromTheBuilder() {
        MessageBuilder b = new MessageBuilder();
        for (int i = 0; i < 3; i++) {
            b.begin(0x10 + i, 0x02, "m" + i);
            int h = b.reserve(16);
            b.setU32(h + 4, 100 + i);
            b.putString(3, "if" + i);
            int nest = b.nestStart(18);
            b.putString(1, "veth");
            b.putU16Be(2, 0x0800);
            b.putU64(3, -2L);
            b.nestEnd(nest);
            b.putBytes(99, new byte[] {9});
            b.end();
        }
        MessageReader r = new MessageReader(b.segment());
        List<String> seen = new ArrayList<>();
        while (r.next()) {
            MessageView m = r.message();
            assertEquals(0x02, m.flags());
            int index = m.u32(4);
            StringBuilder s = new StringBuilder(m.type() + "/" + index);
            for (AttributeReader a = m.attributes(16); a.next(); ) {
                switch (a.type()) {
                    case 3 -> s.append(" name=").append(a.string());
                    case 18 -> {
                        AttributeReader n = a.nested();
                        assertTrue(n.next());
                        s.append(" kind=").append(n.string());
                        assertTrue(n.next());
                        s.append(" proto=").append(Integer.toHexString(n.u16Be()));
                        assertTrue(n.next());
                        s.append(" u64=").append(n.u64());
                        assertFalse(n.next());
                    }
                    default -> s.append(" unknown ").append(a.type()).append(" len ").append(a.length())
                            .append(" ").append(a.bytes()[0]);
                }
            }
            seen.add(s.toString());
        }
        assertEquals(List.of(
                "16/100 name=if0 kind=veth proto=800 u64=-2 unknown 99 len 1 9",
                "17/101 name=if1 kind=veth proto=800 u64=-2 unknown 99 len 1 9",
                "18/102 name=if2 kind=veth proto=800 u64=-2 unknown 99 len 1 9"), seen);
    }

    @Test
    void flagsAreMaskedFromTheTypeButVisible() {
        AttributeReader a = new AttributeReader(seg("0800 0180 0a000001 0800 0240 0a000002"));
        assertTrue(a.next());
        assertEquals(1, a.type());
        assertTrue(a.hasNestedFlag());
        assertFalse(a.hasNetByteOrderFlag());
        assertEquals(0x8001, a.rawType());
        assertTrue(a.next());
        assertEquals(2, a.type());
        assertTrue(a.hasNetByteOrderFlag());
        assertEquals(0x0a000002, a.u32Be());
        assertArrayEquals(new byte[] {10, 0, 0, 2}, a.bytes());
        assertFalse(a.next());
    }

    @Test
    void stringStopsAtNulOrPayloadEnd() {
        AttributeReader a = new AttributeReader(seg("0900 0100 6162006400 000000 0600 0200 6566 0000"));
        assertTrue(a.next());
        assertEquals("ab", a.string());
        assertTrue(a.next());
        assertEquals("ef", a.string());
    }

    @Test
    void lastMessageOrAttributeMayOmitItsPadding() {
        MessageReader r = new MessageReader(seg("11000000 1000 0000 00000000 00000000 ff"));
        assertTrue(r.next());
        assertEquals(17, r.message().length());
        assertEquals(0xff, r.message().u8(0));
        assertFalse(r.next());
        AttributeReader a = new AttributeReader(seg("0500 0100 07"));
        assertTrue(a.next());
        assertEquals(7, a.u8());
        assertFalse(a.next());
    }

    @Test
    void malformedMessagesFailCleanly() {
        // nlmsg_len shorter than the header: must not loop on a zero length.
        assertMalformed(seg("00000000 1000 0000 00000000 00000000"), "shorter than the 16-byte header");
        assertMalformed(seg("08000000 1000 0000 00000000 00000000"), "shorter than the 16-byte header");
        // nlmsg_len past the data.
        assertMalformed(seg("40000000 1000 0000 00000000 00000000"), "longer than the 16 bytes left");
        // A whole message then 8 stray bytes.
        assertMalformed(seg("10000000 1000 0000 00000000 00000000 0800 0000 0000 0000"), "too short for a netlink message header");
    }

    private static void assertMalformed(MemorySegment data, String why) {
        MessageReader r = new MessageReader(data);
        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> {
            while (r.next()) r.message().type();
        });
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertFalse(r.next(), "the reader stops after an error");
    }

    @Test
    void malformedAttributesFailCleanly() {
        assertBadAttributes("0000 0100", "shorter than its 4-byte header");
        assertBadAttributes("0300 0100", "shorter than its 4-byte header");
        assertBadAttributes("0900 0100 00000000", "longer than the 8 bytes left");
        assertBadAttributes("0800 0100 00000000 00", "too short for an attribute header");
        // A typed read wider than the payload.
        AttributeReader a = new AttributeReader(seg("0600 0100 0100 0000"));
        assertTrue(a.next());
        assertEquals(1, a.u16());
        MalformedMessageException e = assertThrows(MalformedMessageException.class, a::u32);
        assertEquals("attribute type 1 has 2 payload bytes, reading 4", e.getMessage());
        assertThrows(MalformedMessageException.class, a::u64Be);
    }

    private static void assertBadAttributes(String hex, String why) {
        AttributeReader a = new AttributeReader(seg(hex));
        MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> {
            while (a.next()) a.type();
        });
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertFalse(a.next());
    }

    @Test
    void viewReadsAreBoundToTheMessage() {
        MemorySegment data = seg("14000000 1000 0000 00000000 00000000 01020304 ffffffff");
        MessageReader r = new MessageReader(data, 0, 20);
        assertTrue(r.next());
        MessageView m = r.message();
        assertEquals(4, m.payloadLength());
        assertEquals(0x04030201, m.u32(0));
        assertEquals(0x01020304, m.u32Be(0));
        assertThrows(MalformedMessageException.class, () -> m.u8(4), "the bytes after the message are not its own");
        assertThrows(MalformedMessageException.class, () -> m.u16(-1));
        assertThrows(MalformedMessageException.class, () -> m.attributes(8), "header longer than the payload");
        assertEquals(4, m.payload().byteSize());
        assertEquals(20, m.segment().byteSize());
    }
}
