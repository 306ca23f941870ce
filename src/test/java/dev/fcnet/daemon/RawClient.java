package dev.fcnet.daemon;

import dev.fcnet.protocol.LineReader;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A test client speaking the line protocol byte by byte, so tests can send what no real client would. */
final class RawClient implements AutoCloseable {
    final SocketChannel channel;
    private final LineReader reader;

    RawClient(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        reader = new LineReader(channel, 1 << 20);
    }

    RawClient send(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) channel.write(b);
        return this;
    }

    RawClient sendLine(String line) throws IOException {
        return send((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The next answer line, or null when the daemon closed the connection. */
    String readLine() throws IOException {
        return reader.readUtf8Line();
    }

    String request(String line) throws IOException {
        sendLine(line);
        return readLine();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
