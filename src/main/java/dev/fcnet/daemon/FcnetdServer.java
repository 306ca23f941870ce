package dev.fcnet.daemon;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.InvalidNetworkException;
import dev.fcnet.protocol.LineReader;
import dev.fcnet.protocol.LineReader.LineTooLongException;
import static dev.fcnet.protocol.Protocol.MAX_LINE;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * fcnetd's protocol over a listening Unix socket. Per connection: when a password is set, the first
 * line must equal it, else the connection is closed without an answer; then each line is one JSON
 * request ({@code {"operation":"Add","network":{...}}}) answered by one line, {@code OK} or the
 * reason it failed. Unlike fcnetd, which skips a malformed request without answering (leaving its
 * client waiting), every line gets its answer and the connection stays usable; only a line longer
 * than {@link dev.fcnet.protocol.Protocol#MAX_LINE} bytes ends it, after an error line.
 *
 * <p>Requests may be pipelined: a client may send many lines before reading, and the answers come
 * back in request order. Lines that have arrived together (up to {@link #MAX_BATCH}) are worked
 * on together where that cannot change an answer: a run of consecutive requests of one operation
 * whose networks share no name or guest address runs at once, which the engine turns into one
 * bulk operation; a request that touches what an earlier one does waits for it.
 *
 * <p>Each connection has its own platform thread, so a lone request is read, carried out and
 * answered on it without a hand-off (a virtual thread's blocking read parks it and wakes it
 * through the JDK's poller and a carrier thread: two more thread wake-ups per request, which
 * DaemonBench measured at 0.2 to 0.3 ms per request here); the {@link NetworkService} does any
 * namespace work on its own platform threads. A client that keeps the daemon waiting for a line, or does not
 * read its answer, for the idle timeout is disconnected. Each request runs for the {@link Peer}
 * the kernel names as the connection's other end. Beyond {@code maxConnections} open connections a
 * new one is answered {@link #TOO_MANY_CONNECTIONS} and closed, so idle clients cannot use up the
 * daemon's file descriptors.
 */
public final class FcnetdServer implements AutoCloseable {
    /** How long {@link #close()} lets running requests finish. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);
    /** The one line a connection beyond the limit gets before it is closed. */
    public static final String TOO_MANY_CONNECTIONS = "too many connections: the daemon serves at most %d at a time;"
            + " try again later";
    /** The most pipelined lines read ahead and worked on together. */
    static final int MAX_BATCH = 256;
    /** Repeated failures of one kind (accept, refused connections) are logged at most this often. */
    static final Duration LOG_INTERVAL = Duration.ofSeconds(1);

    private final ServerSocketChannel listener;
    private final NetworkService service;
    private final byte[] password;
    private final Duration idleTimeout;
    private final int maxConnections;
    private final Logger log;
    private final Throttle acceptFailures = new Throttle();
    private final Throttle refusals = new Throttle();
    /** Closes connections idle for too long; started by {@link #serve()}. */
    private volatile Thread watchdog;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param listener a bound, blocking listening channel; closed by {@link #close()}
     * @param password the first line each connection must send; empty for none
     * @param idleTimeout how long a connection may keep the daemon waiting for a line or for
     *     reading an answer
     * @param maxConnections how many connections may be open at once
     * @param log where connections and requests are logged, one line per request
     */
    public FcnetdServer(ServerSocketChannel listener, NetworkService service, Optional<String> password,
            Duration idleTimeout, int maxConnections, Logger log) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.service = Objects.requireNonNull(service, "service");
        this.password = password.map(p -> p.getBytes(StandardCharsets.UTF_8)).orElse(null);
        if (idleTimeout.isNegative() || idleTimeout.isZero()) throw new IllegalArgumentException("idleTimeout " + idleTimeout);
        this.idleTimeout = idleTimeout;
        if (maxConnections < 1) throw new IllegalArgumentException("maxConnections " + maxConnections);
        this.maxConnections = maxConnections;
        this.log = Objects.requireNonNull(log, "log");
    }

    /**
     * Accepts connections until the listener is closed (by {@link #close()} or its owner); each is
     * served on its own platform (daemon) thread.
     */
    public void serve() throws IOException {
        watchdog = Thread.ofPlatform().daemon().name("fcnetd-idle").start(this::watch);
        while (!closed) {
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                return; // by close(), or by the listener's owner (SocketFile.close at shutdown)
            } catch (IOException e) {
                // EMFILE and the like pass; do not spin on them, nor fill the log.
                long more = acceptFailures.allow();
                if (more >= 0) log.log(Level.ERROR, "accept failed: " + e.getMessage() + repeated(more));
                sleepQuietly(100);
                continue;
            }
            if (connections.size() >= maxConnections) {
                refuse(channel);
                continue;
            }
            Connection c = new Connection(connectionIds.incrementAndGet(), channel);
            connections.add(c);
            if (closed) {
                c.stop();
            }
            Thread.ofPlatform().daemon().name("fcnetd-" + c.id).start(c);
        }
    }

    /**
     * Stops accepting, disconnects idle clients at once and lets running requests finish (for at
     * most {@link #SHUTDOWN_GRACE}), so that no operation is cut short halfway. Idempotent.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        connections.forEach(Connection::stop);
        long deadline = System.nanoTime() + SHUTDOWN_GRACE.toNanos();
        synchronized (connections) {
            while (!connections.isEmpty() && System.nanoTime() < deadline) {
                try {
                    connections.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        // It ends when the last connection has (a daemon thread, it does not hold the JVM up).
        Thread w = watchdog;
        if (w != null) LockSupport.unpark(w);
        if (!connections.isEmpty()) {
            log.log(Level.WARNING, connections.size() + " request(s) still running after " + describe(SHUTDOWN_GRACE));
        }
    }

    /**
     * Closes every connection that has waited for its client (for a line, or to take an answer)
     * for the idle timeout. A connection only notes when it starts and stops waiting, so the
     * request path wakes no thread: this one sleeps until the earliest deadline there may be,
     * and a wait that begins while it sleeps cannot end before it wakes.
     */
    private void watch() {
        long idle = idleTimeout.toNanos();
        while (!closed || !connections.isEmpty()) {
            long now = System.nanoTime();
            long next = now + idle;
            for (Connection c : connections) {
                long since = c.waitingSince;
                if (since == Connection.NOT_WAITING) continue;
                if (now - since >= idle) {
                    c.timeOut();
                } else {
                    next = Math.min(next, since + idle);
                }
            }
            LockSupport.parkNanos(next - now);
        }
    }

    /** Answers a connection beyond the limit without waiting for it, and closes it. */
    private void refuse(SocketChannel channel) {
        try (channel) {
            channel.configureBlocking(false);
            // A fresh connection's send buffer takes the line; a client that never reads loses nothing.
            channel.write(ByteBuffer.wrap((TOO_MANY_CONNECTIONS.formatted(maxConnections) + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            log.log(Level.DEBUG, "refused connection: " + e);
        }
        long more = refusals.allow();
        if (more >= 0) log.log(Level.WARNING, "refused a connection: " + maxConnections + " are open" + repeated(more));
    }

    /** {@code " (and 12 more times since the last such line)"} for a throttled log line; empty for none. */
    private static String repeated(long more) {
        return more == 0 ? "" : " (and " + more + " more times since the last such line)";
    }

    /** Lets one of a kind of repeated events be logged per {@link #LOG_INTERVAL}, counting the others. */
    private static final class Throttle {
        private long last = System.nanoTime() - LOG_INTERVAL.toNanos();
        private long suppressed;

        /** How many were not logged since the last one that was, or -1 when this one is not to be logged. */
        synchronized long allow() {
            long now = System.nanoTime();
            if (now - last < LOG_INTERVAL.toNanos()) {
                suppressed++;
                return -1;
            }
            last = now;
            long more = suppressed;
            suppressed = 0;
            return more;
        }
    }

    /** What identifies a network in logs, as in the engine's messages: {@code tap0}, {@code netns fc1}. */
    static String networkId(FirecrackerNetwork network) {
        return network.networkType() instanceof Namespaced ns ? "netns " + ns.netnsName() : network.tapName();
    }

    /** {@code 300 ms}, {@code 5 s}. */
    static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /** An answer is exactly one line. */
    static String oneLine(String text) {
        String s = text == null || text.isBlank() ? "failed without a reason" : text.strip();
        return s.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Connection implements Runnable {
        final long id;
        private final SocketChannel channel;
        private final LineReader reader;
        private Peer peer;
        /** Guarded by this: a request is being carried out; shutdown waits for it. */
        private boolean busy;
        private boolean stopping;
        private volatile boolean timedOut;
        static final long NOT_WAITING = Long.MIN_VALUE;
        /** System.nanoTime() when the connection began to wait for its client; {@link #NOT_WAITING} when it does not. */
        volatile long waitingSince = NOT_WAITING;

        Connection(long id, SocketChannel channel) {
            this.id = id;
            this.channel = channel;
            this.reader = new LineReader(channel, MAX_LINE);
        }

        @Override
        public void run() {
            log.log(Level.DEBUG, "#" + id + " connected");
            try (channel) {
                if (identify() && authenticate()) serveRequests();
            } catch (AsynchronousCloseException e) {
                if (timedOut) log.log(Level.INFO, "#" + id + " closed: idle for " + describe(idleTimeout));
            } catch (IOException e) {
                log.log(Level.DEBUG, "#" + id + " closed: " + e);
            } finally {
                connections.remove(this);
                synchronized (connections) {
                    connections.notifyAll();
                }
                log.log(Level.DEBUG, "#" + id + " ended");
            }
        }

        /** True when the kernel told who the client is; else it is told why not. */
        private boolean identify() throws IOException {
            try {
                peer = Peer.of(channel);
            } catch (IOException e) {
                log.log(Level.WARNING, "#" + id + " refused: " + e.getMessage());
                reply("refused: " + oneLine(e.getMessage()));
                return false;
            }
            log.log(Level.DEBUG, "#" + id + " peer uid " + peer.uid() + ", gid " + peer.gid());
            return true;
        }

        /** True when the connection may send requests. */
        private boolean authenticate() throws IOException {
            if (password == null) return true;
            byte[] given;
            try {
                given = readLine();
            } catch (LineTooLongException e) {
                log.log(Level.WARNING, "#" + id + " rejected: password line longer than " + MAX_LINE + " bytes");
                return false;
            }
            if (given == null) return false;
            // Constant time in the length of what the client sent: neither the password's bytes nor its
            // length show in the time taken.
            if (MessageDigest.isEqual(given, password)) return true;
            log.log(Level.WARNING, "#" + id + " rejected: wrong password");
            return false;
        }

        private void serveRequests() throws IOException {
            while (true) {
                // The next line, and those that arrived with it.
                List<byte[]> lines = new ArrayList<>();
                boolean tooLong = false;
                try {
                    byte[] line = readLine();
                    if (line == null) return;
                    lines.add(line);
                    while (lines.size() < MAX_BATCH && reader.hasBufferedLine()) lines.add(reader.readLine());
                } catch (LineTooLongException e) {
                    tooLong = true; // answered after the lines before it
                }
                synchronized (this) {
                    if (stopping) return;
                    busy = true;
                }
                if (!lines.isEmpty()) reply(handle(lines));
                if (tooLong) {
                    log.log(Level.WARNING, "#" + id + " refused: request line longer than " + MAX_LINE + " bytes");
                    reply("invalid request: line longer than " + MAX_LINE + " bytes; closing the connection");
                    return;
                }
                synchronized (this) {
                    busy = false;
                    if (stopping) return;
                }
            }
        }

        /** Runs request lines; returns their answers, in order, one line each. */
        private String handle(List<byte[]> lines) {
            FcnetdRequest[] requests = new FcnetdRequest[lines.size()];
            boolean[] lists = new boolean[lines.size()];
            String[] answers = new String[lines.size()];
            for (int i = 0; i < lines.size(); i++) {
                String line = null;
                try {
                    line = LineReader.decode(lines.get(i));
                    if (FcnetdRequest.isList(line)) {
                        lists[i] = true;
                    } else {
                        requests[i] = FcnetdRequest.fromJson(line);
                    }
                } catch (CharacterCodingException e) {
                    log.log(Level.WARNING, "#" + id + " invalid request: not valid UTF-8");
                    answers[i] = "invalid request: not valid UTF-8";
                } catch (InvalidNetworkException e) {
                    log.log(Level.WARNING, "#" + id + " invalid request: " + oneLine(e.getMessage()));
                    String reason = "invalid request: " + oneLine(e.getMessage());
                    answers[i] = FcnetdRequest.wantsDetail(line)
                            ? OperationFailedException.json(FcnetException.Kind.INVALID, reason) : reason;
                }
            }
            int start = 0;
            while (start < requests.length) {
                int end = runEnd(requests, lists, start);
                if (lists[start]) {
                    answers[start] = list();
                } else if (end - start == 1) {
                    if (requests[start] != null) answers[start] = handle(requests[start]);
                } else {
                    runTogether(requests, start, end, answers);
                }
                start = end;
            }
            return String.join("\n", answers);
        }

        /** Runs one request; returns the answer. */
        private String handle(FcnetdRequest request) {
            long start = System.nanoTime();
            NetworkService.Result result;
            try {
                result = NetworkService.Result.of(service.run(peer, request));
            } catch (OperationFailedException e) {
                result = NetworkService.Result.of(e);
            } catch (RuntimeException e) {
                result = new NetworkService.Result(null, null, e);
            }
            return answer(request, result, start);
        }

        /**
         * Runs the valid requests of {@code requests[start..end)}, a run that may go at once, through
         * the service's {@link NetworkService#runAll} (the engine's bulk operations); fills in their answers.
         */
        private void runTogether(FcnetdRequest[] requests, int start, int end, String[] answers) {
            List<Integer> indexes = new ArrayList<>();
            List<FcnetdRequest> run = new ArrayList<>();
            for (int i = start; i < end; i++) {
                if (requests[i] == null) continue;
                indexes.add(i);
                run.add(requests[i]);
            }
            if (run.isEmpty()) return;
            long began = System.nanoTime();
            List<NetworkService.Result> results;
            try {
                results = service.runAll(peer, run);
            } catch (RuntimeException e) {
                NetworkService.Result failed = new NetworkService.Result(null, null, e);
                results = Collections.nCopies(run.size(), failed);
            }
            for (int j = 0; j < run.size(); j++) answers[indexes.get(j)] = answer(run.get(j), results.get(j), began);
        }

        /** A request's answer line, logged with how long it took since {@code start}. */
        private String answer(FcnetdRequest request, NetworkService.Result result, long start) {
            if (result.answer() != null) {
                NetworkService.Answer answer = result.answer();
                if (answer.warnings().isEmpty()) {
                    // Built only when logged: a request's line is its main cost at the default level.
                    if (log.isLoggable(Level.INFO)) log.log(Level.INFO, what(request) + ": OK in " + millis(start));
                } else {
                    log.log(Level.WARNING, what(request) + ": OK in " + millis(start) + "; " + oneLine(String.join("; ", answer.warnings())));
                }
                return oneLine(answer.line());
            }
            if (result.failure() != null) {
                OperationFailedException e = result.failure();
                log.log(Level.WARNING, what(request) + ": failed in " + millis(start) + ": " + oneLine(e.getMessage()));
                return request.detail() ? e.toJson() : oneLine(e.getMessage());
            }
            log.log(Level.ERROR, what(request) + ": internal error", result.error());
            return oneLine("internal error: " + result.error());
        }

        /** A request in the log: whose it was, where it matters (networks belong to the uid that added them). */
        private String what(FcnetdRequest request) {
            return "#" + id + " " + request.operation() + " " + networkId(request.network())
                    + (peer.isRoot() ? "" : " (uid " + peer.uid() + ")");
        }

        /** The daemon's List: the networks this client may see, as one JSON line (failures too). */
        private String list() {
            String what = "#" + id + " List" + (peer.isRoot() ? "" : " (uid " + peer.uid() + ")");
            long start = System.nanoTime();
            try {
                String answer = service.list(peer);
                log.log(Level.INFO, what + ": OK in " + millis(start));
                return oneLine(answer);
            } catch (OperationFailedException e) {
                log.log(Level.WARNING, what + ": failed in " + millis(start) + ": " + oneLine(e.getMessage()));
                return e.toJson();
            } catch (RuntimeException e) {
                log.log(Level.ERROR, what + ": internal error", e);
                return OperationFailedException.json(FcnetException.Kind.KERNEL, oneLine("internal error: " + e));
            }
        }

        /** How long since {@code start} (System.nanoTime), for the log: {@code 1.234 ms}. */
        private static String millis(long start) {
            long micros = (System.nanoTime() - start) / 1000;
            String fraction = Long.toString(1000 + micros % 1000).substring(1);
            return micros / 1000 + "." + fraction + " ms";
        }

        /**
         * The end of the run of requests from {@code start} that may run at once: one operation,
         * networks that share nothing the engine could see both of (invalid lines go along).
         */
        private static int runEnd(FcnetdRequest[] requests, boolean[] lists, int start) {
            if (start == requests.length - 1) return requests.length; // a lone request
            Set<String> claimed = new HashSet<>();
            FirecrackerNetworkOperation operation = null;
            int i = start;
            for (; i < requests.length; i++) {
                // A List sees the effect of everything before it: it runs alone, in order.
                if (lists[i]) break;
                FcnetdRequest r = requests[i];
                if (r == null) continue;
                if (operation != null && r.operation() != operation) break;
                operation = r.operation();
                List<String> claims = claims(r.network());
                if (claims.stream().anyMatch(claimed::contains)) break;
                claimed.addAll(claims);
            }
            return Math.max(i, start + 1);
        }

        /** The names and addresses of the host that a network's objects take. */
        private static List<String> claims(FirecrackerNetwork network) {
            if (network.networkType() instanceof Namespaced ns) {
                List<String> claims = new ArrayList<>(List.of("netns " + ns.netnsName(), "link " + ns.veth1Name(),
                        "ip " + ns.veth1Ip().address(), "ip " + ns.veth2Ip().address()));
                ns.forwardedGuestIp().ifPresent(ip -> claims.add("ip " + ip));
                return claims;
            }
            return List.of("link " + network.tapName(), "ip " + network.tapIp().address(), "ip " + network.guestIp().address());
        }

        private byte[] readLine() throws IOException {
            waitingSince = System.nanoTime();
            try {
                return reader.readLine();
            } finally {
                waitingSince = NOT_WAITING;
            }
        }

        private void reply(String answer) throws IOException {
            ByteBuffer bytes = ByteBuffer.wrap((answer + "\n").getBytes(StandardCharsets.UTF_8));
            waitingSince = System.nanoTime();
            try {
                while (bytes.hasRemaining()) channel.write(bytes);
            } finally {
                waitingSince = NOT_WAITING;
            }
        }

        /** By the watchdog: the client kept the connection waiting for the idle timeout. */
        void timeOut() {
            timedOut = true;
            closeQuietly();
        }

        /** Shutdown: closes the connection now if it is idle, else right after its running request. */
        void stop() {
            synchronized (this) {
                stopping = true;
                if (busy) return;
            }
            closeQuietly();
        }

        private void closeQuietly() {
            try {
                channel.close();
            } catch (IOException e) {
                log.log(Level.DEBUG, "#" + id + " close: " + e);
            }
        }
    }
}
