package dev.fcnet.client;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.daemon.FcnetdServer;
import dev.fcnet.daemon.LineReader;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
    private static final String OK = "OK";

    private final SocketChannel channel;
    private final LineReader reader;

    private FcnetdClient(SocketChannel channel) {
        this.channel = channel;
        this.reader = new LineReader(channel, FcnetdServer.MAX_LINE);
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
        writeLine(request.toJson());
        String answer = reader.readUtf8Line();
        if (answer == null) {
            throw new EOFException("fcnetd closed the connection without answering " + operation
                    + " (it does so after a wrong password)");
        }
        if (!answer.equals(OK)) throw new FcnetdException(operation, answer);
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
