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

/**
 * A connection to an fcnetd-compatible daemon ({@code bin/fcnetd} or fcnetd itself), for processes
 * without the privileges to change the host's networking: the counterpart of fcnetd-client. One
 * request at a time per connection (calls from several threads wait for each other); open several
 * clients for parallel requests.
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
        FirecrackerNetworkOperation operation = request.operation();
        // Asks for JSON answers, whose failures carry their kind; fcnetd ignores the field and answers text.
        writeLine(request.withDetail(true).toJson());
        String answer = reader.readUtf8Line();
        if (answer == null) {
            throw new EOFException("fcnetd closed the connection without answering " + operation
                    + " (it does so after a wrong password)");
        }
        if (answer.equals(Protocol.OK)) return;
        JsonObject o = jsonObject(answer);
        if (o == null) throw new FcnetdException(operation, FcnetException.Kind.KERNEL, answer);
        if (o.get("items") instanceof JsonArray items) { // a Check's report
            if (o.get("clean") instanceof JsonBoolean clean && clean.value()) return;
            throw new FcnetdException(operation, FcnetException.Kind.INCOMPLETE, problems(o, items));
        }
        String message = o.get("message") instanceof JsonString m ? m.value() : answer;
        throw new FcnetdException(operation, kind(o.get("kind")), message);
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
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) channel.write(bytes);
    }

    /** Closes the connection; a request running in another thread fails with an IOException. */
    @Override
    public void close() throws IOException {
        channel.close();
    }
}
