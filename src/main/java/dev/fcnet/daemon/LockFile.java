package dev.fcnet.daemon;

import dev.fcnet.sys.Fd;
import dev.fcnet.sys.OpenFlags;
import dev.fcnet.sys.SysException;
import dev.fcnet.sys.Syscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * {@code SOCKET.lock}: held by the daemon serving {@code SOCKET} for as long as it serves it, so
 * that two daemons never both take the path. A flock(2) lock: it belongs to the open file, so
 * reading the file by its path does not drop it (as closing any fd of the file drops an fcntl
 * lock, which is what FileChannel.lock takes), and the kernel drops it when the process ends
 * however it ends. The file holds its holder's pid and a random token; the holder removes it when
 * done. Because a holder may remove the file just after another process opened it, a process that
 * got the lock checks that the file at the path holds its own token, and starts over if not (it
 * locked a removed file).
 */
final class LockFile implements AutoCloseable {
    private static final int ATTEMPTS = 10;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path path;
    private final Fd fd;
    private final byte[] token;

    private LockFile(Path path, Fd fd, byte[] token) {
        this.path = path;
        this.fd = fd;
        this.token = token;
    }

    /** The lock file's path for a socket path. */
    static Path of(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".lock");
    }

    /**
     * Takes the lock of {@code socket}.
     *
     * @throws SocketFile.InUseException when another process, or another SocketFile of this one, holds it
     */
    static LockFile acquire(Path socket) throws IOException {
        Path path = of(socket);
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        byte[] token = (ProcessHandle.current().pid() + " " + HexFormat.of().formatHex(random) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        // The directory is one only root and the socket's owners can write to (SocketFile checks),
        // so the name cannot be a link planted by someone else.
        if (Files.isSymbolicLink(path)) throw new IOException(path + ": a symbolic link; not following it");
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            try (Arena arena = Arena.ofConfined()) {
                Fd fd = new Fd(Syscalls.open(arena, path.toString(),
                        OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_CLOEXEC, 0600));
                try {
                    if (!Syscalls.flock(arena, fd.get(), OpenFlags.LOCK_EX | OpenFlags.LOCK_NB)) {
                        throw new SocketFile.InUseException(socket, path, holder(path));
                    }
                    Syscalls.ftruncate(arena, fd.get(), 0);
                    Syscalls.write(arena, fd.get(), arena.allocateFrom(ValueLayout.JAVA_BYTE, token));
                    if (Arrays.equals(token, readOrEmpty(path))) return new LockFile(path, fd, token);
                } catch (IOException | RuntimeException e) {
                    fd.close();
                    throw e;
                }
                fd.close(); // a removed file: try the one at the path now
            } catch (SysException e) {
                throw new IOException(path + ": " + e.getMessage(), e);
            }
        }
        throw new IOException(path + ": the lock file keeps being replaced; is another fcnetd starting and stopping?");
    }

    /**
     * The pid the holder wrote, or empty. A holder that has only just taken the lock writes it a
     * moment later: wait up to 100 ms for it.
     */
    private static String holder(Path path) {
        for (int i = 0; i < 20; i++) {
            String text = new String(readOrEmpty(path), StandardCharsets.US_ASCII);
            int space = text.indexOf(' ');
            if (space > 0 && text.substring(0, space).chars().allMatch(Character::isDigit)) return text.substring(0, space);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "";
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
        if (!fd.isOpen()) return;
        try {
            if (Arrays.equals(token, readOrEmpty(path))) Files.deleteIfExists(path);
        } catch (NoSuchFileException e) {
            // Gone already.
        } finally {
            fd.close();
        }
    }
}
