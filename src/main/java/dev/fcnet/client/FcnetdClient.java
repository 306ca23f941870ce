package dev.fcnet.client;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonBoolean;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import dev.fcnet.protocol.LineReader;
import dev.fcnet.protocol.Protocol;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A connection to an fcnetd-compatible daemon ({@code bin/fcnetd} or fcnetd itself), for processes
 * without the privileges to change the host's networking: the counterpart of fcnetd-client. One
 * call at a time per connection (calls from several threads wait for each other); open several
 * clients for parallel requests. {@link #addAll}, {@link #checkAll} and {@link #deleteAll} send
 * many networks over one connection at once, which the daemon works on together.
 *
 * <pre>{@code
 * try (FcnetdClient fcnetd = FcnetdClient.connect(Path.of("/run/fcnetd.sock"), "secret")) {
 *     fcnetd.run(network, FirecrackerNetworkOperation.Add);
 * }
 * }</pre>
 *
 * A wrong password is not answered: the daemon closes the connection, which the first
 * {@link #run} reports as an {@link IOException}: an {@link EOFException}, or a connection reset
 * or broken pipe, depending on when the daemon closed.
 */
public final class FcnetdClient implements AutoCloseable {
    /** Characters of request lines sent per write. */
    private static final int WRITE_CHUNK = 32 * 1024;

    private final SocketChannel channel;
    private final LineReader reader;

    private FcnetdClient(SocketChannel channel) {
        this.channel = channel;
        this.reader = new LineReader(channel, Protocol.MAX_LINE);
    }

    /**
     * Connects to a daemon that runs without a password.
     *
     * @param socket the daemon's Unix socket
     * @return the connection
     * @throws IOException the connection failed
     */
    public static FcnetdClient connect(Path socket) throws IOException {
        return new FcnetdClient(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
    }

    /**
     * Connects to a daemon and sends its password.
     *
     * @param socket the daemon's Unix socket
     * @param password the daemon's password, sent as the first line
     * @return the connection
     * @throws IOException the connection failed
     * @throws IllegalArgumentException if the password contains a line break, which the protocol cannot carry
     */
    public static FcnetdClient connect(Path socket, String password) throws IOException {
        Objects.requireNonNull(password, "password");
        if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("the password contains a line break, which the protocol cannot carry");
        }
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            FcnetdClient client = new FcnetdClient(channel);
            client.writeLine(password);
            return client;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Asks the daemon to carry out an operation and waits for its answer. Check succeeds only
     * when the network is complete.
     *
     * @param network the network
     * @param operation what to do with it
     * @throws FcnetdException the daemon's answer when it is not {@code OK}
     * @throws EOFException the daemon closed the connection without answering (e.g. a wrong password)
     * @throws IOException the connection failed
     */
    public void run(FirecrackerNetwork network, FirecrackerNetworkOperation operation)
            throws IOException, FcnetdException {
        run(new FcnetdRequest(operation, network));
    }

    /**
     * {@link #run(FirecrackerNetwork, FirecrackerNetworkOperation)} of a request that may carry a
     * tap owner, e.g. {@code new FcnetdRequest(Add, network, Optional.of(TapOwner.of(uid, gid)))}.
     * Only a client running as root may name an owner other than itself; the taps of other
     * clients' Adds are theirs anyway.
     *
     * @param request the operation, network and tap owner
     * @throws FcnetdException the daemon's answer when it is not {@code OK}
     * @throws EOFException the daemon closed the connection without answering (e.g. a wrong password)
     * @throws IOException the connection failed
     */
    public synchronized void run(FcnetdRequest request) throws IOException, FcnetdException {
        // Asks for JSON answers, whose failures carry their kind; fcnetd ignores the field and answers text.
        writeLine(request.withDetail(true).toJson());
        Optional<FcnetdException> failure = failure(request.operation(), readAnswer(request.operation()));
        if (failure.isPresent()) throw failure.get();
    }

    /**
     * What became of one network of {@link #addAll}, {@link #checkAll} or {@link #deleteAll}.
     *
     * @param network the network, as it was passed
     * @param failure the daemon's answer when it was not {@code OK}; empty when the operation
     *     succeeded (for Check: the network is complete)
     */
    public record Outcome(FirecrackerNetwork network, Optional<FcnetdException> failure) {
        /**
         * An outcome; neither part may be null.
         *
         * @param network the network, as it was passed
         * @param failure the daemon's answer when it was not {@code OK}; empty on success
         */
        public Outcome {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(failure, "failure");
        }

        /** {@return true when the operation succeeded on this network} */
        public boolean succeeded() {
            return failure.isEmpty();
        }
    }

    /**
     * Adds networks, pipelined: every request is sent before the answers are awaited, so the
     * daemon works on them together as one bulk operation (DESIGN §5). Each network succeeds or
     * fails on its own.
     *
     * @param networks the networks
     * @return one outcome per network, in the order given
     * @throws EOFException the daemon closed the connection before answering them all
     * @throws IOException the connection failed; it is closed, and networks before the failure
     *     may have been added
     */
    public List<Outcome> addAll(List<FirecrackerNetwork> networks) throws IOException {
        return runAll(FirecrackerNetworkOperation.Add, networks);
    }

    /**
     * Checks networks, pipelined as {@link #addAll}: a network's outcome fails (kind INCOMPLETE)
     * unless it is complete.
     *
     * @param networks the networks
     * @return one outcome per network, in the order given
     * @throws EOFException the daemon closed the connection before answering them all
     * @throws IOException the connection failed; it is closed
     */
    public List<Outcome> checkAll(List<FirecrackerNetwork> networks) throws IOException {
        return runAll(FirecrackerNetworkOperation.Check, networks);
    }

    /**
     * Deletes networks, pipelined as {@link #addAll}.
     *
     * @param networks the networks
     * @return one outcome per network, in the order given
     * @throws EOFException the daemon closed the connection before answering them all
     * @throws IOException the connection failed; it is closed, and networks before the failure
     *     may have been deleted
     */
    public List<Outcome> deleteAll(List<FirecrackerNetwork> networks) throws IOException {
        return runAll(FirecrackerNetworkOperation.Delete, networks);
    }

    /**
     * Sends the requests from a writer thread while this one reads the answers: written first and
     * read afterwards, a long list would fill both ways' socket buffers and leave the daemon and
     * the client each waiting for the other to read.
     */
    private synchronized List<Outcome> runAll(FirecrackerNetworkOperation operation, List<FirecrackerNetwork> networks)
            throws IOException {
        List<FirecrackerNetwork> all = List.copyOf(networks);
        List<String> lines = new ArrayList<>(all.size());
        for (FirecrackerNetwork n : all) lines.add(new FcnetdRequest(operation, n).withDetail(true).toJson());
        IOException[] writeFailure = new IOException[1];
        Thread writer = Thread.ofVirtual().name("fcnetd-client-writer").start(() -> {
            try {
                writeLines(lines);
            } catch (IOException e) {
                writeFailure[0] = e;
                closeQuietly(); // the answers to the lines not sent never come: frees the reader
            }
        });
        List<Outcome> outcomes = new ArrayList<>(all.size());
        try {
            for (FirecrackerNetwork n : all) outcomes.add(new Outcome(n, failure(operation, readAnswer(operation))));
        } catch (IOException e) {
            // The connection is out of step with its answers; closing it also frees a blocked writer.
            closeQuietly();
            Protocol.joinUninterruptibly(writer);
            if (writeFailure[0] == null) throw e;
            writeFailure[0].addSuppressed(e);
            throw writeFailure[0];
        }
        Protocol.joinUninterruptibly(writer);
        return outcomes;
    }

    /** The next answer line. */
    private String readAnswer(FirecrackerNetworkOperation operation) throws IOException {
        String answer = reader.readUtf8Line();
        if (answer == null) {
            throw new EOFException("fcnetd closed the connection without answering " + operation
                    + " (it does so after a wrong password)");
        }
        return answer;
    }

    /** An answer as its failure: empty for {@code OK} and a clean Check's report. */
    private static Optional<FcnetdException> failure(FirecrackerNetworkOperation operation, String answer) {
        if (answer.equals(Protocol.OK)) return Optional.empty();
        JsonObject o = jsonObject(answer);
        if (o == null) return Optional.of(new FcnetdException(operation, FcnetException.Kind.KERNEL, answer));
        if (o.get("items") instanceof JsonArray items) { // a Check's report
            if (o.get("clean") instanceof JsonBoolean clean && clean.value()) return Optional.empty();
            return Optional.of(new FcnetdException(operation, FcnetException.Kind.INCOMPLETE, problems(o, items)));
        }
        String message = o.get("message") instanceof JsonString m ? m.value() : answer;
        return Optional.of(new FcnetdException(operation, kind(o.get("kind")), message));
    }

    /** The answer as a JSON object, or null for a text answer (fcnetd's, or one this client cannot read). */
    private static JsonObject jsonObject(String answer) {
        if (!answer.startsWith("{")) return null;
        try {
            return Json.parse(answer) instanceof JsonObject o ? o : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static FcnetException.Kind kind(JsonValue kind) {
        if (kind instanceof JsonString k) {
            for (FcnetException.Kind known : FcnetException.Kind.values()) {
                if (known.name().equals(k.value())) return known;
            }
        }
        return FcnetException.Kind.KERNEL;
    }

    /** {@code Check tap0: 2 problems; MISSING LINK tap0 (host netns); ...}, as the daemon's text answer says it. */
    private static String problems(JsonObject report, JsonArray items) {
        List<String> problems = new ArrayList<>();
        for (JsonValue v : items.elements()) {
            if (!(v instanceof JsonObject i) || !(i.get("status") instanceof JsonString status)) continue;
            if (status.value().equals("PRESENT") || status.value().equals("WARNING")) continue;
            String detail = i.get("detail") instanceof JsonString d && !d.value().isEmpty() ? " (" + d.value() + ")" : "";
            String where = i.get("netns") instanceof JsonString n ? "netns " + n.value() : "host netns";
            problems.add(status.value() + " " + text(i.get("kind")) + " " + text(i.get("object")) + " (" + where + ")" + detail);
        }
        return "Check " + text(report.get("network")) + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems")
                + (problems.isEmpty() ? "" : "; " + String.join("; ", problems));
    }

    private static String text(JsonValue v) {
        return v instanceof JsonString s ? s.value() : String.valueOf(v);
    }

    private void writeLine(String line) throws IOException {
        writeLines(List.of(line));
    }

    /** Writes lines in chunks of about {@link #WRITE_CHUNK} bytes: few system calls, bounded memory. */
    private void writeLines(List<String> lines) throws IOException {
        StringBuilder chunk = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            chunk.append(lines.get(i)).append('\n');
            if (chunk.length() >= WRITE_CHUNK || i == lines.size() - 1) {
                ByteBuffer bytes = ByteBuffer.wrap(chunk.toString().getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) channel.write(bytes);
                chunk.setLength(0);
            }
        }
    }

    private void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            // The connection is abandoned either way.
        }
    }

    /** Closes the connection; a request running in another thread fails with an IOException. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
