package dev.fcnet.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The daemon's listening Unix socket, which grants root's network powers to whoever can connect:
 * it never exists at its final path with a mode or owner other than the final ones. It is bound
 * inside a fresh 0700 directory next to the target, given mode 0600 (0660 when a group is to
 * use it) and its owner, then renamed into place, atomically replacing a stale socket file.
 * {@link #close()} removes it, unless another process has put its own socket there meanwhile.
 */
public final class SocketFile implements AutoCloseable {
    /** sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;
    /** The S_IFMT bits of st_mode and their value for a socket (sys/stat.h). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path path;
    private final ServerSocketChannel channel;
    private final Object fileKey;

    private SocketFile(Path path, ServerSocketChannel channel, Object fileKey) {
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
    }

    /**
     * Binds a listening socket at {@code target}.
     *
     * @param uid the owner to give the socket; empty keeps the daemon's (root)
     * @param gid the group to give the socket and let connect (mode 0660); empty for mode 0600
     * @throws IOException naming the path when the target is not a socket, is in use by a live
     *     daemon, or a step fails (nothing is left behind then)
     */
    public static SocketFile bind(Path target, OptionalInt uid, OptionalInt gid) throws IOException {
        Path path = target.toAbsolutePath().normalize();
        Path parent = path.getParent();
        if (parent == null || path.getFileName() == null) throw new IOException(target + ": not a path for a socket file");
        if (!Files.isDirectory(parent)) throw new NoSuchFileException(parent.toString(), null, "no such directory");
        refuseToReplace(path);
        Path dir = Files.createTempDirectory(parent, ".fcnetd-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temporary = dir.resolve("s");
        ServerSocketChannel channel = null;
        try {
            for (Path p : new Path[] {path, temporary}) {
                if (p.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
                    throw new IOException(path + ": too long for a Unix socket: " + p + " (the daemon binds "
                            + temporary + " first) is over " + MAX_PATH_BYTES + " bytes");
                }
            }
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(temporary));
            Set<PosixFilePermission> mode = PosixFilePermissions.fromString(gid.isPresent() ? "rw-rw----" : "rw-------");
            Files.setPosixFilePermissions(temporary, mode);
            if (uid.isPresent()) Files.setAttribute(temporary, "unix:uid", uid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
            if (gid.isPresent()) Files.setAttribute(temporary, "unix:gid", gid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
            Object key = Files.readAttributes(temporary, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            // rename(2): the socket appears at its path complete, replacing a stale one in the same step.
            Files.move(temporary, path, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(dir);
            return new SocketFile(path, channel, key);
        } catch (IOException | RuntimeException e) {
            if (channel != null) channel.close();
            Files.deleteIfExists(temporary);
            Files.deleteIfExists(dir);
            throw e;
        }
    }

    /** A file at the target may only be replaced when it is a socket that nobody listens on any more. */
    private static void refuseToReplace(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) throw new FileAlreadyExistsException(path.toString(), null,
                "exists and is not a socket; not replacing it");
        boolean live;
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(path)).close();
            live = true;
        } catch (IOException e) {
            // ECONNREFUSED: a socket file left behind by a daemon that is gone; rename replaces it.
            live = false;
        }
        if (live) throw new FileAlreadyExistsException(path.toString(), null, "another process is listening on this socket");
    }

    /** The socket's path. */
    public Path path() {
        return path;
    }

    /** The listening channel (blocking). */
    public ServerSocketChannel channel() {
        return channel;
    }

    /** Stops listening and removes the socket file if it is still this one. Idempotent. */
    @Override
    public void close() throws IOException {
        channel.close();
        try {
            Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (fileKey.equals(key)) Files.deleteIfExists(path);
        } catch (NoSuchFileException e) {
            // Already gone.
        }
    }
}
