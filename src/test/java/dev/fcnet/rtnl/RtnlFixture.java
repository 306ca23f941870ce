package dev.fcnet.rtnl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A golden/rtnl fixture: strace's hex dumps of what {@code ip} sent. The compared request is the
 * first netlink message of the last send on fd 3 (iproute2's rtnl socket), with nlmsg_seq and
 * nlmsg_pid zeroed (our builder leaves them 0; the socket stamps them when sending).
 */
record RtnlFixture(String command, byte[] request) {

    static RtnlFixture load(String name) {
        String text;
        try (InputStream in = RtnlFixture.class.getResourceAsStream("/golden/rtnl/" + name + ".txt")) {
            if (in == null) throw new AssertionError("no fixture golden/rtnl/" + name + ".txt");
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> lines = text.lines().toList();
        byte[] last = null;
        int fd = -1;
        java.io.ByteArrayOutputStream dump = null;
        for (String line : lines) {
            if (line.startsWith("sendmsg(") || line.startsWith("sendto(")) {
                if (fd == 3 && dump != null) last = dump.toByteArray();
                fd = Integer.parseInt(line.substring(line.indexOf('(') + 1, line.indexOf(',')));
                dump = new java.io.ByteArrayOutputStream();
            } else if (line.startsWith(" | ") && dump != null) {
                // strace -e write: " | OFFSET  16 bytes as hex (extra space after 8)  ASCII |"
                for (int i = 0; i < 16; i++) {
                    int col = 10 + 3 * i + (i >= 8 ? 1 : 0);
                    String hex = line.substring(col, col + 2);
                    if (hex.isBlank()) break;
                    dump.write(HexFormat.fromHexDigits(hex));
                }
            }
        }
        if (fd == 3 && dump != null) last = dump.toByteArray();
        if (last == null) throw new AssertionError(name + ": no send on fd 3");
        int len = ByteBuffer.wrap(last).order(ByteOrder.nativeOrder()).getInt(0);
        byte[] message = Arrays.copyOf(last, len); // dumps are sent from a padded buffer
        Arrays.fill(message, 8, 16, (byte) 0);
        return new RtnlFixture(lines.get(0).substring(2), message);
    }

    /** The request with NLM_F_ACK added to nlmsg_flags (the one intended difference, see {@link RtnlMessages}). */
    byte[] withAck() {
        byte[] copy = request.clone();
        copy[6] |= 0x04;
        return copy;
    }

    @Override
    public String toString() {
        return command;
    }

    static List<String> hex(byte[] b) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < b.length; i += 16) rows.add(HexFormat.ofDelimiter(" ").formatHex(b, i, Math.min(b.length, i + 16)));
        return rows;
    }
}
