package dev.fcnet.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Golden fixtures captured with {@code strace -x -e write=...}: the text of a fixture, the bytes
 * of one hex-dump row ({@code " | 00000  14 00 ... 00  ascii |"}) and of a whole send.
 */
public final class StraceDump {
    private StraceDump() {}

    /** The text of a test resource such as {@code /golden/rtnl/getlink.txt}. */
    public static String read(String resource) {
        try (InputStream in = StraceDump.class.getResourceAsStream(resource)) {
            if (in == null) throw new AssertionError("no fixture " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the line is a row of strace's hex dump. */
    public static boolean isRow(String line) {
        return line.startsWith(" | ");
    }

    /** The bytes of one dump row: up to 16 hex columns, with an extra space after the eighth. */
    public static byte[] rowBytes(String row) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);
        for (int i = 0; i < 16; i++) {
            int col = 10 + 3 * i + (i >= 8 ? 1 : 0);
            if (col + 2 > row.length()) break;
            String hex = row.substring(col, col + 2);
            if (hex.isBlank()) break;
            bytes.write(HexFormat.fromHexDigits(hex));
        }
        return bytes.toByteArray();
    }

    /** Everything the last sendmsg/sendto on {@code fd} sent, as dumped. */
    public static byte[] lastSend(String text, int fd) {
        byte[] last = null;
        int current = -1;
        ByteArrayOutputStream dump = null;
        for (String line : text.lines().toList()) {
            if (line.startsWith("sendmsg(") || line.startsWith("sendto(")) {
                if (current == fd) last = dump.toByteArray();
                current = Integer.parseInt(line.substring(line.indexOf('(') + 1, line.indexOf(',')));
                dump = new ByteArrayOutputStream();
            } else if (isRow(line) && dump != null) {
                dump.writeBytes(rowBytes(line));
            }
        }
        if (current == fd) last = dump.toByteArray();
        if (last == null) throw new AssertionError("no send on fd " + fd);
        return last;
    }

    /** Bytes as rows of 16 hex pairs, so assertion failures show where they differ. */
    public static List<String> hexRows(byte[] b) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < b.length; i += 16) {
            rows.add(HexFormat.ofDelimiter(" ").formatHex(b, i, Math.min(b.length, i + 16)));
        }
        return rows;
    }
}
