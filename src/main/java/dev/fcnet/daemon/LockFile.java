package dev.fcnet.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;

/**
 * {@code SOCKET.lock}: held by the daemon serving {@code SOCKET} for as long as it serves it, so
 * that two daemons never both take the path. An fcntl lock, which the kernel drops when the
 * process ends however it ends. The file holds its holder's pid and a random token; the holder
 * removes it when done. Because a holder may remove the file just after another process opened it,
 * a process that got the lock checks that the file at the path still holds its own token, and
 * starts over if not (it locked a removed file).
 */
final class LockFile implements AutoCloseable {
    private static final int ATTEMPTS = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path path;
    private final FileChannel channel;
    private final byte[] token;

    private LockFile(Path path, FileChannel channel, byte[] token) {
        this.path = path;
        this.channel = channel;
        this.token = token;
    }

    /** The lock file's path for a socket path. */
    static Path of(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".lock");
    }

    /**
     * Takes the lock of {@code socket}.
     *
     * @throws SocketFile.InUseException when another process (or this one) holds it
     */
    static LockFile acquire(Path socket) throws IOException {
        Path path = of(socket);
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        byte[] token = (ProcessHandle.current().pid() + " " + HexFormat.of().formatHex(random) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            FileChannel channel = FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                FileLock held;
                try {
                    held = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    held = null; // this JVM holds it already
                }
                if (held == null) throw new SocketFile.InUseException(socket, path, holder(path));
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(token), 0);
                channel.force(false);
                if (Arrays.equals(token, readOrEmpty(path))) return new LockFile(path, channel, token);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            channel.close(); // a removed file: try the one at the path now
        }
        throw new IOException(path + ": the lock file keeps being replaced; is another fcnetd starting and stopping?");
    }

    /** The pid the holder wrote, or empty. */
    private static String holder(Path path) {
        String text = new String(readOrEmpty(path), StandardCharsets.US_ASCII);
        int space = text.indexOf(' ');
        return space > 0 && text.substring(0, space).chars().allMatch(Character::isDigit) ? text.substring(0, space) : "";
    }

    private static byte[] readOrEmpty(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Removes the file if it is still this lock's, then releases the lock. Idempotent. */
    @Override
    public void close() throws IOException {
        if (!channel.isOpen()) return;
        try {
            if (Arrays.equals(token, readOrEmpty(path))) Files.deleteIfExists(path);
        } catch (NoSuchFileException e) {
            // Gone already.
        } finally {
            channel.close();
        }
    }
}
