package dev.fcnet.protocol;

import java.io.IOException;
import java.io.Serial;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the lines of the fcnetd protocol from a channel, holding at most {@code maxLine} bytes of
 * one line: a longer line is refused as soon as it is known to be too long, not read to its end.
 * A line ends at {@code \n}, and a {@code \r} right before it is dropped, as tokio's lines (which
 * fcnetd and fcnetd-client use) do. Text after the last newline counts as a last line. Used by the
 * daemon and by the client; not thread-safe.
 */
public final class LineReader {
    /**
     * Bytes fetched from the channel per read: a pipelining client's requests (about 250 bytes
     * each) that one read brings are what the daemon works on together, so this is about a
     * hundred of them (FcnetdClient writes 32 KiB at a time).
     */
    private static final int CHUNK = 32 * 1024;

    /** A line longer than the limit; the rest of it is still unread. */
    public static final class LineTooLongException extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;

        LineTooLongException(int maxLine) {
            super("line longer than " + maxLine + " bytes");
        }
    }

    private final ReadableByteChannel channel;
    private final int maxLine;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK).flip();
    /** The start of the current line, grown as needed up to {@code maxLine + 1} bytes. */
    private byte[] line = new byte[256];
    private int length;
    private boolean eof;

    public LineReader(ReadableByteChannel channel, int maxLine) {
        if (maxLine < 1) throw new IllegalArgumentException("maxLine " + maxLine + " < 1");
        this.channel = channel;
        this.maxLine = maxLine;
    }

    /**
     * The next line's bytes without its terminator, or null at the end of the stream.
     *
     * @throws LineTooLongException when the line has more than {@code maxLine} bytes (without its
     *     terminator); the reader is unusable afterwards
     */
    public byte[] readLine() throws IOException {
        length = 0;
        while (true) {
            while (chunk.hasRemaining()) {
                byte b = chunk.get();
                if (b == '\n') {
                    int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
                    return Arrays.copyOf(line, end);
                }
                // One byte over the limit is allowed for a '\r' that the newline may still drop.
                if (length == maxLine + 1 || (length == maxLine && b != '\r')) throw new LineTooLongException(maxLine);
                if (length == line.length) line = Arrays.copyOf(line, Math.min(maxLine + 1, line.length * 2));
                line[length++] = b;
            }
            if (eof) return null;
            chunk.clear();
            int n = channel.read(chunk);
            chunk.flip();
            if (n < 0) {
                eof = true;
                if (length == 0) return null;
                // Without a newline a '\r' stays part of the line, so it may not use the extra byte.
                if (length > maxLine) throw new LineTooLongException(maxLine);
                return Arrays.copyOf(line, length);
            }
        }
    }

    /** True when a whole line has been read from the channel already, so {@link #readLine()} will not block. */
    public boolean hasBufferedLine() {
        for (int i = chunk.position(); i < chunk.limit(); i++) {
            if (chunk.get(i) == '\n') return true;
        }
        return false;
    }

    /**
     * The next line decoded as UTF-8, or null at the end of the stream.
     *
     * @throws CharacterCodingException when the line is not valid UTF-8 (the reader stays usable)
     * @throws LineTooLongException as {@link #readLine()}
     */
    public String readUtf8Line() throws IOException {
        byte[] bytes = readLine();
        return bytes == null ? null : decode(bytes);
    }

    /** Strict UTF-8: malformed input is an error, not U+FFFD. */
    public static String decode(byte[] bytes) throws CharacterCodingException {
        // ASCII, as JSON requests are, needs no decoder (one per call otherwise).
        boolean ascii = true;
        for (byte x : bytes) ascii &= x >= 0;
        if (ascii) return new String(bytes, StandardCharsets.US_ASCII);
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }
}
