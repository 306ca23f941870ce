package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** fcnetd's line protocol over a real Unix socket, against a fake service (no privileges needed). */
@Timeout(60)
class FcnetdServerTest {
    @TempDir
    Path dir;

    static final FirecrackerNetwork SIMPLE = FirecrackerNetwork.builder().tapName("tap7").build();
    static final FirecrackerNetwork NAMESPACED = FirecrackerNetwork.builder()
            .networkType(Namespaced.builder().netnsName("fc7").build()).build();

    static String request(FirecrackerNetworkOperation op, FirecrackerNetwork network) {
        return new FcnetdRequest(op, network).toJson();
    }

    /**
     * Records what it is asked; tap "fail0" fails with a two-line reason, tap "boom" throws a bug,
     * tap "warm" succeeds with warnings.
     */
    static final class FakeService implements NetworkService {
        final List<FcnetdRequest> requests = new CopyOnWriteArrayList<>();

        @Override
        public List<String> run(FcnetdRequest request) throws OperationFailedException {
            requests.add(request);
            return switch (request.network().tapName()) {
                case "fail0" -> throw new OperationFailedException("Add fail0: step \"create tap\" (fail0) failed:\n"
                        + "TUNSETIFF fail0: Device or resource busy (EBUSY)");
                case "boom" -> throw new IllegalStateException("a bug");
                case "warm" -> List.of("Add warm: forwarding is off", "and\nsomething else");
                default -> List.of();
            };
        }
    }

    @Test
    void everyOperationIsAnsweredOkOrWithTheReason() throws Exception {
        FakeService service = new FakeService();
        try (TestDaemon d = new TestDaemon(dir, service); RawClient c = d.connect()) {
            assertEquals("OK", c.request(request(FirecrackerNetworkOperation.Add, SIMPLE)));
            assertEquals("OK", c.request(request(FirecrackerNetworkOperation.Check, NAMESPACED)));
            assertEquals("Add fail0: step \"create tap\" (fail0) failed: TUNSETIFF fail0: Device or resource busy (EBUSY)",
                    c.request(request(FirecrackerNetworkOperation.Add, SIMPLE.toBuilder().tapName("fail0").build())));
            assertEquals("internal error: java.lang.IllegalStateException: a bug",
                    c.request(request(FirecrackerNetworkOperation.Delete, SIMPLE.toBuilder().tapName("boom").build())));
            assertEquals("OK", c.request(request(FirecrackerNetworkOperation.Add, SIMPLE.toBuilder().tapName("warm").build())));
            // Still usable after failures; \r\n line ends as well.
            c.send((request(FirecrackerNetworkOperation.Delete, SIMPLE) + "\r\n").getBytes(StandardCharsets.UTF_8));
            assertEquals("OK", c.readLine());
            assertEquals(List.of(new FcnetdRequest(FirecrackerNetworkOperation.Add, SIMPLE),
                    new FcnetdRequest(FirecrackerNetworkOperation.Check, NAMESPACED),
                    new FcnetdRequest(FirecrackerNetworkOperation.Add, SIMPLE.toBuilder().tapName("fail0").build()),
                    new FcnetdRequest(FirecrackerNetworkOperation.Delete, SIMPLE.toBuilder().tapName("boom").build()),
                    new FcnetdRequest(FirecrackerNetworkOperation.Add, SIMPLE.toBuilder().tapName("warm").build()),
                    new FcnetdRequest(FirecrackerNetworkOperation.Delete, SIMPLE)), service.requests);
            c.channel.shutdownOutput();
            assertNull(c.readLine(), "the daemon closes when the client has no more requests");
            // One line per request, with operation, network id and outcome.
            awaitLogLines(d, 6);
            List<String> perRequest = d.log.visible();
            assertEquals(List.of("INFO #1 Add tap7: OK", "INFO #1 Check netns fc7: OK",
                    "WARNING #1 Add fail0: failed: Add fail0: step \"create tap\" (fail0) failed: TUNSETIFF fail0: Device or"
                            + " resource busy (EBUSY)",
                    "ERROR #1 Delete boom: internal error java.lang.IllegalStateException: a bug",
                    "WARNING #1 Add warm: OK; Add warm: forwarding is off; and something else",
                    "INFO #1 Delete tap7: OK"), perRequest);
        }
    }

    @Test
    void requestsInOneWriteAndALastLineWithoutNewline() throws Exception {
        FakeService service = new FakeService();
        try (TestDaemon d = new TestDaemon(dir, service); RawClient c = d.connect()) {
            String two = request(FirecrackerNetworkOperation.Add, SIMPLE) + "\n" + request(FirecrackerNetworkOperation.Check, SIMPLE);
            c.send(two.getBytes(StandardCharsets.UTF_8));
            c.channel.shutdownOutput();
            assertEquals("OK", c.readLine());
            assertEquals("OK", c.readLine());
            assertNull(c.readLine());
            assertEquals(2, service.requests.size());
        }
    }

    @Test
    void malformedRequestsGetOneErrorLineAndTheConnectionStaysUsable() throws Exception {
        FakeService service = new FakeService();
        String ok = request(FirecrackerNetworkOperation.Add, SIMPLE);
        try (TestDaemon d = new TestDaemon(dir, service); RawClient c = d.connect()) {
            assertEquals("invalid request: invalid JSON: expected a string key, found the end of input at line 1, column 2"
                    + " (offset 1)", c.request("{"));
            assertTrue(c.request("").startsWith("invalid request: invalid JSON: "), "empty line");
            assertTrue(c.request("Add tap0").startsWith("invalid request: invalid JSON: "));
            assertEquals("invalid request: field \"operation\": unknown operation \"Frobnicate\"; expected \"Add\","
                    + " \"Check\" or \"Delete\"", c.request(ok.replace("\"Add\"", "\"Frobnicate\"")));
            assertEquals("invalid request: field \"operation\": unknown operation \"add\"; expected \"Add\", \"Check\" or"
                    + " \"Delete\"",
                    c.request(ok.replace("\"Add\"", "\"add\"")));
            assertEquals("invalid request: missing field \"network\"", c.request("{\"operation\":\"Add\"}"));
            assertEquals("invalid request: tap_name \"averyveryverylongname\" is 21 bytes; Linux interface names"
                    + " are at most 15", c.request(ok.replace("\"tap7\"", "\"averyveryverylongname\"")));
            assertEquals("invalid request: expected a JSON object, found an array", c.request("[1,2]"));
            c.send(new byte[] {'{', '"', (byte) 0xc3, '"', '}', '\n'});
            assertEquals("invalid request: not valid UTF-8", c.readLine());
            assertEquals("OK", c.request(ok));
            assertEquals(List.of(new FcnetdRequest(FirecrackerNetworkOperation.Add, SIMPLE)), service.requests,
                    "nothing malformed reaches the service");
        }
    }

    @Test
    void lineLimitIsExactAndLongerLinesEndTheConnectionWithoutBeingRead() throws Exception {
        FakeService service = new FakeService();
        try (TestDaemon d = new TestDaemon(dir, service)) {
            try (RawClient c = d.connect()) {
                // Exactly the limit is read (and is not JSON); the connection goes on.
                byte[] max = new byte[FcnetdServer.MAX_LINE];
                Arrays.fill(max, (byte) ' ');
                max[0] = 'x';
                c.send(max).send(new byte[] {'\r', '\n'});
                assertTrue(c.readLine().startsWith("invalid request: invalid JSON"));
                assertEquals("OK", c.request(request(FirecrackerNetworkOperation.Add, SIMPLE)));
            }
            try (RawClient c = d.connect()) {
                // A line of 64 MiB: the daemon answers and hangs up long before the client has sent it all.
                CompletableFuture<Long> sent = CompletableFuture.supplyAsync(() -> {
                    ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
                    long total = 0;
                    try {
                        while (total < 64L << 20) {
                            chunk.clear();
                            while (chunk.hasRemaining()) total += c.channel.write(chunk);
                        }
                    } catch (IOException e) {
                        return total; // EPIPE: the daemon closed
                    }
                    return -1L;
                });
                assertEquals("invalid request: line longer than 65536 bytes; closing the connection", c.readLine());
                long total = sent.get(30, TimeUnit.SECONDS);
                assertTrue(total >= 0 && total < 16L << 20, "the daemon read " + total + " bytes of the line before closing");
            }
            assertEquals(1, service.requests.size());
            assertTrue(d.log.visible().contains("WARNING #2 refused: request line longer than 65536 bytes"), d.log.lines.toString());
        }
    }

    @Test
    void passwordFirstThenRequests() throws Exception {
        FakeService service = new FakeService();
        String add = request(FirecrackerNetworkOperation.Add, SIMPLE);
        try (TestDaemon d = new TestDaemon(dir, service, Optional.of("s3cret pass"), Duration.ofMinutes(1))) {
            try (RawClient c = d.connect()) {
                c.sendLine("s3cret pass");
                assertEquals("OK", c.request(add));
            }
            try (RawClient c = d.connect()) {
                // Password and request in one write (fcnetd's per-line BufReader would lose the request).
                c.send(("s3cret pass\r\n" + add + "\n").getBytes(StandardCharsets.UTF_8));
                assertEquals("OK", c.readLine());
            }
            for (String wrong : new String[] {"s3cret", "s3cret pass ", "S3cret pass", "", add}) {
                try (RawClient c = d.connect()) {
                    c.send((wrong + "\n" + add + "\n").getBytes(StandardCharsets.UTF_8));
                    assertClosedWithoutAnswer(c, "wrong password " + wrong);
                }
            }
            try (RawClient c = d.connect()) {
                c.channel.shutdownOutput();
                assertNull(c.readLine());
            }
            assertEquals(2, service.requests.size(), "nothing ran for a wrong password");
            awaitLogLines(d, 7);
            assertEquals(5, d.log.visible().stream().filter(l -> l.matches("WARNING #\\d rejected: wrong password")).count(),
                    d.log.lines.toString());
            assertFalse(d.log.lines.stream().anyMatch(l -> l.contains("s3cret")), "passwords are never logged");
        }
    }

    @Test
    void passwordLineIsBoundedToo() throws Exception {
        FakeService service = new FakeService();
        try (TestDaemon d = new TestDaemon(dir, service, Optional.of("pw"), Duration.ofMinutes(1)); RawClient c = d.connect()) {
            byte[] line = new byte[FcnetdServer.MAX_LINE + 1];
            Arrays.fill(line, (byte) 'p');
            c.send(line);
            assertNull(c.readLine());
            assertTrue(service.requests.isEmpty());
        }
    }

    @Test
    void clientsAreServedInParallel() throws Exception {
        int n = 16;
        CyclicBarrier together = new CyclicBarrier(n);
        NetworkService service = r -> {
            try {
                together.await(20, TimeUnit.SECONDS); // passes only when all n requests run at once
            } catch (Exception e) {
                throw new OperationFailedException("not parallel: " + e);
            }
            return List.of();
        };
        try (TestDaemon d = new TestDaemon(dir, service)) {
            List<CompletableFuture<String>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                FirecrackerNetwork net = SIMPLE.toBuilder().tapName("tap" + i).build();
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try (RawClient c = d.connect()) {
                        return c.request(request(FirecrackerNetworkOperation.Add, net));
                    } catch (IOException e) {
                        return e.toString();
                    }
                }, r -> Thread.ofVirtual().start(r)));
            }
            for (CompletableFuture<String> a : answers) assertEquals("OK", a.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void idleConnectionsTimeOutBusyOnesDoNot() throws Exception {
        FakeService service = new FakeService();
        try (TestDaemon d = new TestDaemon(dir, service, Optional.empty(), Duration.ofMillis(300))) {
            try (RawClient c = d.connect()) {
                for (int i = 0; i < 5; i++) {
                    Thread.sleep(150);
                    assertEquals("OK", c.request(request(FirecrackerNetworkOperation.Check, SIMPLE)));
                }
                long start = System.nanoTime();
                assertNull(c.readLine(), "closed after the idle timeout");
                long waited = (System.nanoTime() - start) / 1_000_000;
                assertTrue(waited >= 250 && waited < 5000, "closed after " + waited + " ms");
            }
            try (RawClient c = d.connect()) {
                // Half a request then silence: the line's deadline still applies.
                c.send("{\"operation\":".getBytes(StandardCharsets.UTF_8));
                assertNull(c.readLine());
            }
            awaitLogLines(d, 7);
            assertTrue(d.log.visible().contains("INFO #1 closed: idle for 300 ms"), d.log.lines.toString());
            assertTrue(d.log.visible().contains("INFO #2 closed: idle for 300 ms"), d.log.lines.toString());
        }
    }

    @Test
    void shutdownLetsRunningRequestsFinishAndClosesIdleConnections() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        NetworkService service = r -> {
            if (r.network().tapName().equals("slow")) {
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new OperationFailedException("interrupted");
                }
            }
            return List.of();
        };
        TestDaemon d = new TestDaemon(dir, service);
        try (RawClient idle = d.connect(); RawClient busy = d.connect()) {
            assertEquals("OK", idle.request(request(FirecrackerNetworkOperation.Check, SIMPLE)));
            busy.sendLine(request(FirecrackerNetworkOperation.Add, SIMPLE.toBuilder().tapName("slow").build()));
            assertTrue(started.await(10, TimeUnit.SECONDS));
            CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
                try {
                    d.close();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertNull(idle.readLine(), "an idle connection is closed at once");
            Thread.sleep(200);
            assertFalse(closing.isDone(), "shutdown waits for the running request");
            assertFalse(java.nio.file.Files.exists(d.path()), "the socket file is gone as shutdown begins");
            assertThrows(IOException.class, () -> SocketChannel.open(UnixDomainSocketAddress.of(d.path())));
            release.countDown();
            assertEquals("OK", busy.readLine(), "the running request is answered");
            assertNull(busy.readLine(), "then its connection is closed");
            closing.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The daemon hung up without answering: end of stream, or ECONNRESET when it closed with the
     * client's request still unread (what AF_UNIX reports then).
     */
    static void assertClosedWithoutAnswer(RawClient c, String what) {
        try {
            assertNull(c.readLine(), what + ": closed without an answer");
        } catch (IOException e) {
            assertTrue(e.getMessage().startsWith("Connection reset"), what + ": " + e);
        }
    }

    /** The per-request line is logged after the answer is written; wait for it. */
    private static void awaitLogLines(TestDaemon d, int atLeast) throws InterruptedException {
        for (int i = 0; i < 200 && d.log.visible().size() < atLeast; i++) Thread.sleep(10);
    }
}
