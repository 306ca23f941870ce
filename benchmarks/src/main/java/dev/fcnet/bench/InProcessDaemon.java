package dev.fcnet.bench;

import dev.fcnet.client.FcnetdClient;
import dev.fcnet.daemon.FcnetdServer;
import dev.fcnet.daemon.NetworkService;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.ResourceBundle;

/** fcnetd in the benchmark's process: an {@link FcnetdServer} serving on a thread of its own, and client connections to it. */
final class InProcessDaemon implements AutoCloseable {
    /** More than any benchmark opens, so the daemon's limit never decides a figure. */
    static final int MAX_CONNECTIONS = 256;

    final Path socket;
    final FcnetdServer server;
    final Thread serving;
    /** The connections, opened in order. */
    final List<FcnetdClient> clients = new ArrayList<>();

    InProcessDaemon(Path socket, NetworkService service, System.Logger logger, int connections) throws IOException {
        this.socket = socket;
        Files.deleteIfExists(socket);
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        server = new FcnetdServer(listener, service, Optional.empty(), Duration.ofMinutes(10), MAX_CONNECTIONS, logger);
        serving = Thread.ofPlatform().name("fcnetd").start(() -> {
            try {
                server.serve();
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        });
        for (int i = 0; i < connections; i++) clients.add(FcnetdClient.connect(socket));
    }

    /** The first connection. */
    FcnetdClient client() {
        return clients.getFirst();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (FcnetdClient c : clients) c.close();
        server.close();
        serving.join();
        Files.deleteIfExists(socket);
    }

    /** The daemon's log, off. */
    static final class Silent implements System.Logger {
        @Override
        public String getName() {
            return "fcnetd";
        }

        @Override
        public boolean isLoggable(Level level) {
            return false;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {}

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {}
    }
}
