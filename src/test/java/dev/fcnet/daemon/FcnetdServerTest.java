package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.TapOwner;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.protocol.Protocol;
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
import java.util.OptionalInt;
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
        final List<Peer> peers = new CopyOnWriteArrayList<>();

        @Override
        public NetworkService.Answer run(Peer peer, FcnetdRequest request) throws OperationFailedException {
            requests.add(request);
            peers.add(peer);
            return switch (request.network().tapName()) {
                case "fail0" -> throw new OperationFailedException(FcnetException.Kind.KERNEL, "Add fail0: step \"create tap\" (fail0) failed:\n"
                        + "TUNSETIFF fail0: Device or resource busy (EBUSY)");
                case "boom" -> throw new IllegalStateException("a bug");
                case "warm" -> NetworkService.Answer.ok(List.of("Add warm: forwarding is off", "and\nsomething else"));
                default -> NetworkService.Answer.ok(List.of());
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
            // As logged: each request's line says how long it took.
            assertTrue(d.log.raw.stream().anyMatch(l -> l.matches("INFO #1 Add tap7: OK in [0-9]+\\.[0-9]{3} ms")),
                    d.log.raw::toString);
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
                byte[] max = new byte[Protocol.MAX_LINE];
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
            byte[] line = new byte[Protocol.MAX_LINE + 1];
            Arrays.fill(line, (byte) 'p');
            c.send(line);
            assertNull(c.readLine());
            assertTrue(service.requests.isEmpty());
        }
    }

    /** A service whose requests succeed only when {@code n} of them run at once. */
    private static NetworkService allAtOnce(int n, String failure) {
        CyclicBarrier together = new CyclicBarrier(n);
        return (peer, r) -> {
            try {
                together.await(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new OperationFailedException(FcnetException.Kind.KERNEL, failure + ": " + e);
            }
            return NetworkService.Answer.ok(List.of());
        };
    }

    @Test
    void clientsAreServedInParallel() throws Exception {
        int n = 16;
        NetworkService service = allAtOnce(n, "not parallel");
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
        NetworkService service = (peer, r) -> {
            if (r.network().tapName().equals("slow")) {
                started.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new OperationFailedException(FcnetException.Kind.KERNEL, "interrupted");
                }
            }
            return NetworkService.Answer.ok(List.of());
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
    /** Requests sent in one write before any answer is read come back answered in request order. */
    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        FakeService service = new FakeService();
        List<String> expected = new ArrayList<>();
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            // Every fifth fails, so the answers tell the requests apart.
            String tap = i % 5 == 4 ? "fail0" : "tap" + i;
            FirecrackerNetworkOperation op = i % 2 == 0 ? FirecrackerNetworkOperation.Add : FirecrackerNetworkOperation.Check;
            burst.append(request(op, SIMPLE.toBuilder().tapName(tap).build())).append('\n');
            expected.add(tap.equals("fail0") ? "Add fail0: step \"create tap\" (fail0) failed: TUNSETIFF fail0: Device or"
                    + " resource busy (EBUSY)" : "OK");
        }
        try (TestDaemon d = new TestDaemon(dir, service); RawClient c = d.connect()) {
            c.send(burst.toString().getBytes(StandardCharsets.UTF_8));
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) answers.add(c.readLine());
            assertEquals(expected, answers);
            assertEquals(50, service.requests.size());
            for (int i = 0; i < 50; i++) {
                String tap = service.requests.get(i).network().tapName();
                assertEquals(i % 5 == 4 ? "fail0" : "tap" + i, tap, "carried out in request order");
            }
        }
    }

    /** Pipelined Adds of distinct networks that arrive together run at once (the engine batches them). */
    @Test
    void pipelinedIndependentRequestsRunTogether() throws Exception {
        int n = 8;
        NetworkService service = allAtOnce(n, "not together");
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < n; i++) {
            burst.append(request(FirecrackerNetworkOperation.Add, SIMPLE.toBuilder().tapName("tap" + i)
                    .tapIp(dev.fcnet.IpInet.parse("10.0." + i + ".1/24")).guestIp(dev.fcnet.IpInet.parse("10.0." + i + ".2/24"))
                    .build())).append('\n');
        }
        try (TestDaemon d = new TestDaemon(dir, service); RawClient c = d.connect()) {
            c.send(burst.toString().getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < n; i++) assertEquals("OK", c.readLine());
        }
    }

    /** Requests on the same network, or of another operation, wait for the ones before them. */
    @Test
    void pipelinedDependentRequestsRunInOrder() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        NetworkService service = (peer, r) -> {
            String what = r.operation() + " " + r.network().tapName();
            events.add("start " + what);
            try {
                Thread.sleep(20); // room for a request that should wait to start meanwhile
            } catch (InterruptedException e) {
                throw new OperationFailedException(FcnetException.Kind.KERNEL, "interrupted");
            }
            events.add("end " + what);
            return NetworkService.Answer.ok(List.of());
        };
        FirecrackerNetwork b = SIMPLE.toBuilder().tapName("tapb").tapIp(dev.fcnet.IpInet.parse("10.9.0.1/24"))
                .guestIp(dev.fcnet.IpInet.parse("10.9.0.2/24")).build();
        FirecrackerNetwork sameGuest = SIMPLE.toBuilder().tapName("tapc").tapIp(dev.fcnet.IpInet.parse("172.16.0.5/24")).build();
        String[] lines = {request(FirecrackerNetworkOperation.Add, SIMPLE), request(FirecrackerNetworkOperation.Delete, SIMPLE),
            request(FirecrackerNetworkOperation.Add, SIMPLE), request(FirecrackerNetworkOperation.Add, sameGuest),
            request(FirecrackerNetworkOperation.Add, b)};
        try (TestDaemon d = new TestDaemon(dir, service); RawClient c = d.connect()) {
            c.send((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < lines.length; i++) assertEquals("OK", c.readLine());
        }
        // tap7 three times in turn; tapc has tap7's guest address, so it waits too; tapb goes with it.
        assertEquals(List.of("start Add tap7", "end Add tap7", "start Delete tap7", "end Delete tap7", "start Add tap7",
                "end Add tap7"), events.subList(0, 6));
        assertEquals(java.util.Set.of("start Add tapc", "start Add tapb", "end Add tapc", "end Add tapb"),
                java.util.Set.copyOf(events.subList(6, 10)));
        assertTrue(events.indexOf("start Add tapb") < events.indexOf("end Add tapc"), "tapb and tapc together: " + events);
    }

    /** The service learns who connected from the kernel: here the test JVM's own uid and gid. */
    @Test
    void requestsRunForThePeerTheKernelNames() throws Exception {
        FakeService service = new FakeService();
        Path probe = dir.resolve("probe");
        java.nio.file.Files.createFile(probe); // a new file has our effective uid and gid
        Peer self = new Peer((Integer) java.nio.file.Files.getAttribute(probe, "unix:uid"),
                (Integer) java.nio.file.Files.getAttribute(probe, "unix:gid"));
        try (TestDaemon d = new TestDaemon(dir, service); RawClient c = d.connect()) {
            assertEquals("OK", c.request(request(FirecrackerNetworkOperation.Check, SIMPLE)));
            assertEquals(List.of(self), service.peers);
        }
    }

    @Test
    void tapOwnerIsParsedForAddAndCheckAndRefusedForDelete() throws Exception {
        FakeService service = new FakeService();
        String add = request(FirecrackerNetworkOperation.Add, SIMPLE);
        try (TestDaemon d = new TestDaemon(dir, service); RawClient c = d.connect()) {
            String withOwner = add.substring(0, add.length() - 1) + ",\"tap_owner\":{\"uid\":1234,\"gid\":5678}}";
            assertEquals("OK", c.request(withOwner));
            assertEquals(Optional.of(TapOwner.of(1234, 5678)), service.requests.get(0).tapOwner());
            assertEquals(withOwner, service.requests.get(0).toJson(), "written back as read");
            String check = request(FirecrackerNetworkOperation.Check, SIMPLE);
            assertEquals("OK", c.request(check.substring(0, check.length() - 1) + ",\"tap_owner\":{\"uid\":1}}"));
            assertEquals(Optional.of(new TapOwner(OptionalInt.of(1), OptionalInt.empty())),
                    service.requests.get(1).tapOwner());
            String delete = request(FirecrackerNetworkOperation.Delete, SIMPLE);
            assertEquals("invalid request: field \"tap_owner\" is only for Add and Check, not Delete",
                    c.request(delete.substring(0, delete.length() - 1) + ",\"tap_owner\":{\"uid\":1}}"));
            String[][] bad = {
                {"{}", "field \"tap_owner\" needs \"uid\", \"gid\" or both"},
                {"{\"uid\":\"root\"}", "field \"tap_owner.uid\" must be a number, found a string"},
                {"{\"gid\":-1}", "field \"tap_owner.gid\": -1 is negative"},
                {"{\"uid\":1.5}", "field \"tap_owner.uid\": 1.5 is not an integer"},
                {"{\"uid\":4294967295}", "field \"tap_owner.uid\": 4294967295 is out of range for an int"
                        + " (-2147483648..2147483647)"},
                {"7", "field \"tap_owner\" must be an object, found a number"}};
            for (String[] b : bad) {
                assertEquals("invalid request: " + b[1], c.request(add.substring(0, add.length() - 1) + ",\"tap_owner\":"
                        + b[0] + "}"), b[0]);
            }
            assertEquals(2, service.requests.size(), "none of the bad ones reached the service");
        }
    }

    /** Beyond the limit a connection gets one line and is closed; one that ends frees its place. */
    @Test
    void connectionsBeyondTheLimitAreRefusedWithALine() throws Exception {
        FakeService service = new FakeService();
        try (TestDaemon d = new TestDaemon(dir, service, Optional.empty(), Duration.ofMinutes(1), 2);
             RawClient a = d.connect(); RawClient b = d.connect()) {
            assertEquals("OK", a.request(request(FirecrackerNetworkOperation.Check, SIMPLE)));
            assertEquals("OK", b.request(request(FirecrackerNetworkOperation.Check, SIMPLE)));
            for (int i = 0; i < 3; i++) {
                try (RawClient c = d.connect()) {
                    assertEquals(FcnetdServer.TOO_MANY_CONNECTIONS.formatted(2), c.readLine());
                    assertNull(c.readLine(), "closed");
                }
            }
            assertEquals(List.of("WARNING refused a connection: 2 are open"),
                    d.log.visible().stream().filter(l -> l.contains("refused")).toList(), "logged once a second at most");
            a.close();
            RawClient c = null;
            for (int i = 0; i < 100; i++) { // a's connection thread ends a moment after a closes
                c = d.connect();
                String answer;
                try {
                    answer = c.request(request(FirecrackerNetworkOperation.Check, SIMPLE));
                } catch (IOException e) {
                    answer = e.toString(); // refused and closed before the request was written
                }
                if ("OK".equals(answer)) break;
                c.close();
                c = null;
                Thread.sleep(20);
            }
            assertTrue(c != null, "a place is free again after a connection ended");
            c.close();
        }
    }

    /** A listener whose accept fails as with EMFILE: the failure is logged at most once a second. */
    @Test
    void acceptFailuresAreLoggedAtMostOnceASecond() throws Exception {
        RecordingLogger log = new RecordingLogger();
        try (FailingListener listener = new FailingListener();
             FcnetdServer server = new FcnetdServer(listener, new FakeService(), Optional.empty(), Duration.ofMinutes(1),
                     4, log)) {
            Thread acceptor = Thread.ofPlatform().start(() -> {
                try {
                    server.serve();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(2500);
            server.close();
            acceptor.join(5000);
            List<String> failures = log.lines.stream().filter(l -> l.contains("accept failed")).toList();
            assertTrue(listener.accepts.get() >= 10, "accept was retried: " + listener.accepts);
            assertTrue(failures.size() >= 2 && failures.size() <= 3, failures.toString());
            assertEquals("ERROR accept failed: Too many open files", failures.get(0));
            assertTrue(failures.get(1).matches("ERROR accept failed: Too many open files \\(and \\d+ more times since the"
                    + " last such line\\)"), failures.get(1));
        }
    }

    /** A listening channel whose every accept fails with EMFILE's message. */
    private static final class FailingListener extends java.nio.channels.ServerSocketChannel {
        final java.util.concurrent.atomic.AtomicInteger accepts = new java.util.concurrent.atomic.AtomicInteger();

        FailingListener() {
            super(java.nio.channels.spi.SelectorProvider.provider());
        }

        @Override
        public SocketChannel accept() throws IOException {
            if (!isOpen()) throw new java.nio.channels.ClosedChannelException();
            accepts.incrementAndGet();
            throw new IOException("Too many open files");
        }

        @Override
        public java.nio.channels.ServerSocketChannel bind(java.net.SocketAddress local, int backlog) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> java.nio.channels.ServerSocketChannel setOption(java.net.SocketOption<T> name, T value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> T getOption(java.net.SocketOption<T> name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.Set<java.net.SocketOption<?>> supportedOptions() {
            return java.util.Set.of();
        }

        @Override
        public java.net.ServerSocket socket() {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.net.SocketAddress getLocalAddress() {
            return null;
        }

        @Override
        protected void implCloseSelectableChannel() {}

        @Override
        protected void implConfigureBlocking(boolean block) {}
    }

    private static void awaitLogLines(TestDaemon d, int atLeast) throws InterruptedException {
        for (int i = 0; i < 200 && d.log.visible().size() < atLeast; i++) Thread.sleep(10);
    }
}
