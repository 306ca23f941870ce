package dev.fcnet.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** A daemon serving one test: its socket in a temp directory, its logs recorded, stopped by close. */
final class TestDaemon implements AutoCloseable {
    final SocketFile socket;
    final FcnetdServer server;
    final RecordingLogger log = new RecordingLogger();
    private final Thread acceptor;

    TestDaemon(Path dir, NetworkService service, Optional<String> password, Duration idleTimeout, int maxConnections)
            throws IOException {
        socket = SocketFile.bind(dir.resolve("fcnetd.sock"), OptionalInt.empty(), OptionalInt.empty());
        server = new FcnetdServer(socket.channel(), service, password, idleTimeout, maxConnections, log);
        acceptor = Thread.ofPlatform().name("test-fcnetd").start(() -> {
            try {
                server.serve();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    TestDaemon(Path dir, NetworkService service, Optional<String> password, Duration idleTimeout) throws IOException {
        this(dir, service, password, idleTimeout, Main.MAX_CONNECTIONS);
    }

    TestDaemon(Path dir, NetworkService service) throws IOException {
        this(dir, service, Optional.empty(), Duration.ofMinutes(1));
    }

    Path path() {
        return socket.path();
    }

    RawClient connect() throws IOException {
        return new RawClient(path());
    }

    @Override
    public void close() throws IOException, InterruptedException {
        socket.close();
        server.close();
        acceptor.join(5000);
        if (acceptor.isAlive()) throw new AssertionError("accept loop still running after close");
    }
}
