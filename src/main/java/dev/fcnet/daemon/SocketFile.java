package dev.fcnet.daemon;

import java.io.IOException;
import java.io.Serial;
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
import java.util.Objects;
import java.util.Set;

/**
 * The daemon's listening Unix socket, which grants root's network powers to whoever can connect:
 * it never exists at its final path with a mode or owner other than the final ones. It is bound
 * inside a fresh 0700 directory next to the target, given mode 0600 (0660 when a group is to
 * use it) and its owner, then renamed into place, atomically replacing a stale socket file.
 * {@link #close()} removes it, unless another process has put its own socket there meanwhile.
 *
 * <p>Only one daemon serves a path: each holds the lock {@code PATH.lock} beside the socket
 * ({@link LockFile}) from before it looks at the path until it has closed the socket. And the
 * socket's directory, and every directory above it, must be writable by nobody but root, the
 * daemon's user and the socket's owner and group, or they could put their own socket in its place
 * and collect the passwords and requests of the daemon's clients. A
 * world-writable directory above it is fine only when sticky and the entry below it belongs to one
 * of those users (as /tmp/dir made by root); the socket's own directory may not be world-writable
 * even when sticky, since others could create the names the daemon uses.
 */
public final class SocketFile implements AutoCloseable {
    /** sun_path holds 108 bytes including the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;
    /** The S_IFMT bits of st_mode and their value for a socket (sys/stat.h). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_ISVTX = 01000;

    private final Path path;
    private final ServerSocketChannel channel;
    private final Object fileKey;
    private final LockFile lock;

    private SocketFile(Path path, ServerSocketChannel channel, Object fileKey, LockFile lock) {
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
        this.lock = lock;
    }

    /** A socket path that another daemon serves (it holds the lock beside it). */
    public static final class InUseException extends FileAlreadyExistsException {
        @Serial
        private static final long serialVersionUID = 1L;

        InUseException(Path path, Path lock, String pid) {
            super(path.toString(), null, "another fcnetd" + (pid.isEmpty() ? "" : " (pid " + pid + ")")
                    + " is serving this socket: it holds the lock " + lock);
        }
    }

    /** A directory on the socket's path that someone else could change. */
    public static final class UnsafeDirectoryException extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;

        UnsafeDirectoryException(String message) {
            super(message);
        }
    }

    /**
     * Binds a listening socket at {@code target}.
     *
     * @param uid the owner to give the socket; empty keeps the daemon's (root)
     * @param gid the group to give the socket and let connect (mode 0660); empty for mode 0600
     * @throws IOException naming the path when the target is not a socket, is in use by a live
     *     daemon, or a step fails (nothing is left behind then); an
     *     {@link InUseException} when another daemon serves the path, an
     *     {@link UnsafeDirectoryException} when others could write to a directory on its path
     */
    public static SocketFile bind(Path target, OptionalInt uid, OptionalInt gid) throws IOException {
        Path path = target.toAbsolutePath().normalize();
        Path parent = path.getParent();
        if (parent == null || path.getFileName() == null) throw new IOException(target + ": not a path for a socket file");
        if (!Files.isDirectory(parent)) throw new NoSuchFileException(parent.toString(), null, "no such directory");
        requireSafeDirectories(parent, uid, gid);
        LockFile lock = LockFile.acquire(path);
        Path dir = null;
        Path temporary = null;
        ServerSocketChannel channel = null;
        try {
            refuseToReplace(path);
            dir = Files.createTempDirectory(parent, ".fcnetd-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            temporary = dir.resolve("s");
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
            return new SocketFile(path, channel, key, lock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) channel.close();
            if (temporary != null) Files.deleteIfExists(temporary);
            if (dir != null) Files.deleteIfExists(dir);
            lock.close();
            throw e;
        }
    }

    /** Refuses a directory on the socket's path that a user other than the trusted ones could write to. */
    private static void requireSafeDirectories(Path parent, OptionalInt uid, OptionalInt gid) throws IOException {
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"); // the daemon's effective uid
        Path child = null;
        for (Path d = parent.toRealPath(); d != null; child = d, d = d.getParent()) {
            int mode = (Integer) Files.getAttribute(d, "unix:mode");
            int owner = (Integer) Files.getAttribute(d, "unix:uid");
            int group = (Integer) Files.getAttribute(d, "unix:gid");
            boolean ownerWrites = (mode & 0200) != 0 && !trustedUser(owner, self, uid);
            boolean groupWrites = (mode & 0020) != 0 && group != 0 && !gid.equals(OptionalInt.of(group));
            boolean othersWrite = (mode & 0002) != 0;
            if (!ownerWrites && !groupWrites && !othersWrite) continue;
            // Sticky: only the owner of an entry (or of the directory) may rename or remove it.
            boolean stickyKeepsChild = child != null && (mode & S_ISVTX) != 0 && !ownerWrites
                    && trustedUser((Integer) Files.getAttribute(child, "unix:uid", LinkOption.NOFOLLOW_LINKS), self, uid);
            if (stickyKeepsChild) continue;
            String who = othersWrite ? "others" : groupWrites ? "group " + group : "user " + owner;
            throw new UnsafeDirectoryException("directory " + d + " is writable by " + who + " (mode "
                    + String.format("%04o", mode & 07777) + ", owner " + owner + ", group " + group + "): they could "
                    + "replace the socket; use a directory only root" + (uid.isPresent() || gid.isPresent()
                    ? " and the socket's --uid/--gid" : "") + " can write to, such as /run");
        }
    }

    private static boolean trustedUser(int user, int self, OptionalInt uid) {
        return user == 0 || user == self || uid.equals(OptionalInt.of(user));
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

    /**
     * Stops listening, removes the socket file if it is still this one (same device and inode) and
     * releases the lock. Idempotent.
     *
     * @return true when it removed the socket file; false when it was gone or another file has
     *     taken its place, which stays
     */
    public boolean unbind() throws IOException {
        try {
            channel.close();
            Object key;
            try {
                key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            } catch (NoSuchFileException e) {
                return false;
            }
            return Objects.equals(fileKey, key) && Files.deleteIfExists(path);
        } finally {
            lock.close();
        }
    }

    /** {@link #unbind()}. */
    @Override
    public void close() throws IOException {
        unbind();
    }
}
