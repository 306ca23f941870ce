package dev.fcnet.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.TapOwner;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.IpInet;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.daemon.FcnetdServer;
import dev.fcnet.daemon.NetworkService;
import dev.fcnet.daemon.OperationFailedException;
import dev.fcnet.daemon.SocketFile;
import dev.fcnet.protocol.LineReader;
import dev.fcnet.protocol.Protocol;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
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

    /** Network {@code i} of a bulk call: its own tap and addresses, so the daemon may run them together. */
    private static FirecrackerNetwork network(int i) {
        return NET.toBuilder().tapName(i == BAD ? "bad" : "t" + i).tapIp(IpInet.parse("10." + i / 256 + "." + i % 256 + ".1/24"))
                .guestIp(IpInet.parse("10." + i / 256 + "." + i % 256 + ".2/24")).build();
    }

    private static final int BAD = 120;

    private static List<FirecrackerNetwork> networks(int count) {
        List<FirecrackerNetwork> networks = new ArrayList<>();
        for (int i = 0; i < count; i++) networks.add(network(i));
        return networks;
    }

    /** Through the daemon's protocol core: one failure in the middle, the others succeed, answers in order. */
    @Test
    void bulkThroughTheDaemonFailsEachNetworkAlone() throws Exception {
        List<FirecrackerNetwork> networks = networks(200);
        withDaemon(Optional.empty(), socket -> {
            try (FcnetdClient c = FcnetdClient.connect(socket)) {
                for (FirecrackerNetworkOperation op : FirecrackerNetworkOperation.values()) {
                    List<FcnetdClient.Outcome> outcomes = switch (op) {
                        case Add -> c.addAll(networks);
                        case Check -> c.checkAll(networks);
                        case Delete -> c.deleteAll(networks);
                    };
                    assertEquals(networks, outcomes.stream().map(FcnetdClient.Outcome::network).toList());
                    for (int i = 0; i < networks.size(); i++) {
                        FcnetdClient.Outcome o = outcomes.get(i);
                        if (i == BAD) {
                            FcnetdException e = o.failure().orElseThrow();
                            assertEquals(op, e.operation());
                            assertEquals(FcnetException.Kind.KERNEL, e.kind());
                            assertEquals("Add bad: tap bad is unwell", e.reason());
                        } else {
                            assertTrue(o.succeeded(), o::toString);
                        }
                    }
                }
                assertEquals(List.of(), c.addAll(List.of()));
                c.run(NET, FirecrackerNetworkOperation.Check); // the connection goes on
            }
            return null;
        });
        // The daemon runs the requests that arrive together at once: compared without their order.
        for (FirecrackerNetworkOperation op : FirecrackerNetworkOperation.values()) {
            assertEquals(networks.stream().filter(n -> !n.tapName().equals("bad")).map(n -> n.tapName()).sorted().toList(),
                    seen.stream().filter(r -> r.operation() == op && !r.network().equals(NET))
                            .map(r -> r.network().tapName()).sorted().toList());
        }
    }

    /**
     * A daemon that reads every request before it answers any: a client that waited for an answer
     * before sending the next request would wait forever.
     */
    @Test
    void bulkSendsEveryRequestBeforeReadingAnAnswer() throws Exception {
        List<FirecrackerNetwork> networks = networks(200);
        Path socket = dir.resolve("scripted.sock");
        List<String> received = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> daemon = scriptedDaemon(socket, networks.size(), true, received, line -> {
            FcnetdRequest r = FcnetdRequest.fromJson(line);
            if (r.network().tapName().equals("bad")) {
                return "{\"kind\":\"ALREADY_EXISTS\",\"message\":\"Add bad: bad already exists\"}";
            }
            return Protocol.OK;
        });
        try (FcnetdClient c = FcnetdClient.connect(socket)) {
            List<FcnetdClient.Outcome> outcomes = answered(() -> c.addAll(networks));
            assertEquals(FcnetException.Kind.ALREADY_EXISTS, outcomes.get(BAD).failure().orElseThrow().kind());
            assertEquals(networks.size() - 1, outcomes.stream().filter(FcnetdClient.Outcome::succeeded).count());
        }
        daemon.get(30, TimeUnit.SECONDS);
        assertEquals(networks.stream().map(n -> new FcnetdRequest(FirecrackerNetworkOperation.Add, n).withDetail(true)).toList(),
                received.stream().map(FcnetdRequest::fromJson).toList());
    }

    /**
     * A daemon that answers each request as it reads it, with long answers: a client that wrote
     * every request before reading would fill both ways' socket buffers and wait for the daemon,
     * which waits for the client to read.
     */
    @Test
    void aLongBulkDoesNotDeadlock() throws Exception {
        List<FirecrackerNetwork> networks = networks(3000);
        Path socket = dir.resolve("scripted.sock");
        String longReason = "x".repeat(4000);
        CompletableFuture<Void> daemon = scriptedDaemon(socket, networks.size(), false, new CopyOnWriteArrayList<>(),
                line -> "{\"kind\":\"NOT_FOUND\",\"message\":\"" + longReason + "\"}");
        try (FcnetdClient c = FcnetdClient.connect(socket)) {
            List<FcnetdClient.Outcome> outcomes = answered(() -> c.deleteAll(networks));
            assertEquals(networks.size(), outcomes.size());
            for (FcnetdClient.Outcome o : outcomes) {
                assertFalse(o.succeeded());
                assertEquals(longReason, o.failure().orElseThrow().reason());
            }
        }
        daemon.get(30, TimeUnit.SECONDS);
    }

    interface Bulk {
        List<FcnetdClient.Outcome> run() throws IOException;
    }

    /** The outcomes of a bulk call, which a client that does not pipeline never gets from the scripted daemons. */
    private static List<FcnetdClient.Outcome> answered(Bulk bulk) throws Exception {
        CompletableFuture<List<FcnetdClient.Outcome>> outcomes = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                outcomes.complete(bulk.run());
            } catch (IOException | RuntimeException e) {
                outcomes.completeExceptionally(e);
            }
        });
        try {
            return outcomes.get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no outcomes after 30 s: the client and the daemon wait for each other", e);
        }
    }

    /** A daemon with no password, scripted: serves one connection of {@code count} request lines. */
    private static CompletableFuture<Void> scriptedDaemon(Path path, int count, boolean allBeforeAnswering,
            List<String> received, UnaryOperator<String> answer) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(path));
        return CompletableFuture.runAsync(() -> {
            try (listener; SocketChannel channel = listener.accept()) {
                LineReader reader = new LineReader(channel, Protocol.MAX_LINE);
                List<String> answers = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    String line = reader.readUtf8Line();
                    received.add(line);
                    answers.add(answer.apply(line));
                    if (!allBeforeAnswering) write(channel, answers.removeFirst());
                }
                for (String a : answers) write(channel, a);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, runnable -> Thread.ofPlatform().daemon().start(runnable));
    }

    private static void write(SocketChannel channel, String line) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) channel.write(bytes);
    }
}
