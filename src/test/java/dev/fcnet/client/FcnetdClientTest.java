package dev.fcnet.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.TapOwner;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.daemon.FcnetdServer;
import dev.fcnet.daemon.NetworkService;
import dev.fcnet.daemon.OperationFailedException;
import dev.fcnet.daemon.SocketFile;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Java client against the daemon's protocol core, with a fake service (no privileges needed). */
@Timeout(60)
class FcnetdClientTest {
    @TempDir
    Path dir;

    static final FirecrackerNetwork NET = FirecrackerNetwork.builder().tapName("tap3").build();

    /** Fails every request on tap "bad" with a fixed reason; records the rest. */
    private final List<FcnetdRequest> seen = new CopyOnWriteArrayList<>();
    private final NetworkService service = (peer, r) -> {
        if (r.network().tapName().equals("bad")) throw new OperationFailedException(FcnetException.Kind.KERNEL, "Add bad: tap bad is unwell");
        seen.add(r);
        return NetworkService.Answer.ok(List.of());
    };

    /** A daemon on a socket in the temp dir, served until the block ends. */
    private <T> T withDaemon(Optional<String> password, IoFunction<Path, T> body) throws Exception {
        try (SocketFile socket = SocketFile.bind(dir.resolve("d.sock"), OptionalInt.empty(), OptionalInt.empty());
             FcnetdServer server = new FcnetdServer(socket.channel(), service, password, Duration.ofMinutes(1),
                     16, System.getLogger("test"))) {
            Thread acceptor = Thread.ofPlatform().start(() -> {
                try {
                    server.serve();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try {
                return body.apply(socket.path());
            } finally {
                socket.close();
                server.close();
                acceptor.join(5000);
            }
        }
    }

    interface IoFunction<A, B> {
        B apply(A a) throws Exception;
    }

    @Test
    void runsOperationsWithoutPassword() throws Exception {
        withDaemon(Optional.empty(), socket -> {
            try (FcnetdClient c = FcnetdClient.connect(socket)) {
                c.run(NET, FirecrackerNetworkOperation.Add);
                c.run(NET, FirecrackerNetworkOperation.Check);
                c.run(NET, FirecrackerNetworkOperation.Delete);
                c.run(new FcnetdRequest(FirecrackerNetworkOperation.Add, NET, Optional.of(TapOwner.of(7, 8))));
            }
            return null;
        });
        // The client asks for JSON answers (fcnetd ignores the field), whose failures carry their kind.
        assertEquals(List.of(new FcnetdRequest(FirecrackerNetworkOperation.Add, NET).withDetail(true),
                new FcnetdRequest(FirecrackerNetworkOperation.Check, NET).withDetail(true),
                new FcnetdRequest(FirecrackerNetworkOperation.Delete, NET).withDetail(true),
                new FcnetdRequest(FirecrackerNetworkOperation.Add, NET, Optional.of(TapOwner.of(7, 8)))
                        .withDetail(true)), seen);
    }

    @Test
    void failuresAreTypedAndTheConnectionGoesOn() throws Exception {
        withDaemon(Optional.empty(), socket -> {
            try (FcnetdClient c = FcnetdClient.connect(socket)) {
                FcnetdException e = assertThrows(FcnetdException.class,
                        () -> c.run(NET.toBuilder().tapName("bad").build(), FirecrackerNetworkOperation.Add));
                assertEquals(FirecrackerNetworkOperation.Add, e.operation());
                assertEquals("Add bad: tap bad is unwell", e.reason());
                assertEquals(FcnetException.Kind.KERNEL, e.kind());
                assertEquals("Add failed: Add bad: tap bad is unwell", e.getMessage());
                c.run(NET, FirecrackerNetworkOperation.Check);
            }
            return null;
        });
        assertEquals(1, seen.size());
    }

    @Test
    void password() throws Exception {
        withDaemon(Optional.of("hunter2"), socket -> {
            try (FcnetdClient c = FcnetdClient.connect(socket, "hunter2")) {
                c.run(NET, FirecrackerNetworkOperation.Add);
            }
            try (FcnetdClient c = FcnetdClient.connect(socket, "hunter3")) {
                // End of stream; a reset when the daemon closed with the request unread; a broken pipe
                // when it closed before the request was written.
                IOException e = assertThrows(IOException.class, () -> c.run(NET, FirecrackerNetworkOperation.Add));
                assertTrue(e instanceof EOFException || e.getMessage().startsWith("Connection reset")
                        || e.getMessage().equals("Broken pipe"), e.toString());
            }
            try (FcnetdClient c = FcnetdClient.connect(socket)) {
                // No password sent: the request line is taken for one and is wrong.
                assertThrows(IOException.class, () -> c.run(NET, FirecrackerNetworkOperation.Add));
            }
            return null;
        });
        assertEquals(1, seen.size(), "only the connection with the right password ran a request");
        assertThrows(IllegalArgumentException.class, () -> FcnetdClient.connect(dir.resolve("x"), "two\nlines"));
    }

    @Test
    void noDaemonIsAnIOException() {
        IOException e = assertThrows(IOException.class, () -> FcnetdClient.connect(dir.resolve("none.sock")));
        assertTrue(e instanceof SocketException, e.toString());
    }
}
