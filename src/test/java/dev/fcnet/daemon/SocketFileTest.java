package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Tools;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's socket file: mode, owner, atomic replacement of a stale socket, removal. */
class SocketFileTest {
    @TempDir
    Path dir;

    private List<String> entries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void privateSocketThatAcceptsAndIsRemovedOnClose() throws IOException {
        Path path = dir.resolve("fcnetd.sock");
        try (SocketFile s = SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty())) {
            assertEquals(path, s.path());
            assertEquals("rw-------", mode(path));
            assertTrue(Tools.run("ls", "-l", path.toString()).startsWith("srw------- "), "a socket, mode 0600");
            assertEquals(List.of("fcnetd.sock", "fcnetd.sock.lock"), entries(), "the private directory it was bound in is gone");
            assertEquals("rw-------", mode(dir.resolve("fcnetd.sock.lock")));
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                assertTrue(c.isConnected());
            }
        }
        assertEquals(List.of(), entries());
    }

    @Test
    void staleSocketIsReplacedLiveOneAndOtherFilesAreNot() throws IOException {
        Path path = dir.resolve("fcnetd.sock");
        // A socket file whose daemon is gone.
        ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        old.bind(UnixDomainSocketAddress.of(path));
        Object oldKey = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        old.close();
        assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS));
        try (SocketFile s = SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty())) {
            assertFalse(oldKey.equals(Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey()));
            // A second daemon on the same path while the first listens: refused, the first's socket kept.
            FileAlreadyExistsException e = assertThrows(SocketFile.InUseException.class,
                    () -> SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty()));
            assertEquals(path + ": another fcnetd (pid " + ProcessHandle.current().pid() + ") is serving this socket: "
                    + "it holds the lock " + path + ".lock", e.getMessage());
            assertEquals(List.of("fcnetd.sock", "fcnetd.sock.lock"), entries());
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                assertTrue(c.isConnected());
            }
        }
        Path file = dir.resolve("notes.txt");
        Files.writeString(file, "keep me");
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> SocketFile.bind(file, OptionalInt.empty(), OptionalInt.empty()));
        assertEquals(file + ": exists and is not a socket; not replacing it", e.getMessage());
        assertEquals("keep me", Files.readString(file));
        assertEquals(List.of("notes.txt"), entries());
    }

    @Test
    void aLiveSocketOfAnotherProgramIsNotReplaced() throws IOException {
        Path path = dir.resolve("fcnetd.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(path));
            FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                    () -> SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty()));
            assertEquals(path + ": another process is listening on this socket", e.getMessage());
            assertEquals(List.of("fcnetd.sock"), entries(), "its lock file is gone with the failed attempt");
        }
    }

    @Test
    void closeLeavesASocketThatReplacedIt() throws IOException {
        Path path = dir.resolve("fcnetd.sock");
        SocketFile daemon = SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty());
        // Another program (not an fcnetd, which would need the lock) renames its own socket over it.
        Path elsewhere = dir.resolve("other.sock");
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(elsewhere));
            Files.move(elsewhere, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            assertFalse(daemon.unbind(), "not removed: it is not the daemon's socket");
            assertFalse(daemon.unbind(), "idempotent");
            assertEquals(List.of("fcnetd.sock"), entries(), "the other socket stays; the lock file is gone");
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                assertTrue(c.isConnected());
            }
        }
        try (SocketFile again = SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty())) {
            assertTrue(again.unbind(), "its own socket is removed");
            assertEquals(List.of(), entries());
        }
    }

    @Test
    void aSecondDaemonMayTakeThePathOnceTheFirstIsDone() throws IOException {
        Path path = dir.resolve("fcnetd.sock");
        SocketFile first = SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty());
        assertThrows(SocketFile.InUseException.class, () -> SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty()));
        first.close();
        try (SocketFile second = SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty())) {
            assertEquals(List.of("fcnetd.sock", "fcnetd.sock.lock"), entries());
        }
        assertEquals(List.of(), entries());
    }

    /** Directories whose other writers could swap the socket are refused; sticky ones only above it. */
    @Test
    void directoriesOthersCanWriteToAreRefused() throws IOException {
        Path shared = dir.resolve("shared");
        Files.createDirectory(shared);
        for (String mode : new String[] {"0777", "1777"}) {
            chmod(shared, mode);
            IOException e = assertThrows(SocketFile.UnsafeDirectoryException.class,
                    () -> SocketFile.bind(shared.resolve("fcnetd.sock"), OptionalInt.empty(), OptionalInt.empty()));
            assertTrue(e.getMessage().startsWith("directory " + shared + " is writable by others (mode " + mode + ", owner "),
                    e.getMessage());
            assertEquals(List.of(), Tools.run("ls", "-A", shared.toString()).lines().toList(), "nothing made");
        }
        // Below a sticky shared directory, in a directory of the daemon's own: as /tmp/fcnetd/.
        Path own = shared.resolve("own");
        Files.createDirectory(own);
        chmod(own, "755");
        try (SocketFile s = SocketFile.bind(own.resolve("fcnetd.sock"), OptionalInt.empty(), OptionalInt.empty())) {
            assertTrue(Files.exists(s.path(), LinkOption.NOFOLLOW_LINKS));
        }
        // Without the sticky bit others could rename "own" away and put their own in its place.
        chmod(shared, "777");
        IOException e = assertThrows(SocketFile.UnsafeDirectoryException.class,
                () -> SocketFile.bind(own.resolve("fcnetd.sock"), OptionalInt.empty(), OptionalInt.empty()));
        assertTrue(e.getMessage().startsWith("directory " + shared + " is writable by others (mode 0777"), e.getMessage());
    }

    /** Other users' directories need root to make: runs where the kernel tests do. */
    @Test
    @KernelTest
    void directoriesOfOtherUsersAndGroupsAreRefusedUnlessTheSocketIsTheirs() throws IOException {
        Path d = dir.resolve("d");
        Files.createDirectory(d);
        Files.setAttribute(d, "unix:uid", 4321);
        chmod(d, "755");
        Path socket = d.resolve("fcnetd.sock");
        IOException e = assertThrows(SocketFile.UnsafeDirectoryException.class,
                () -> SocketFile.bind(socket, OptionalInt.empty(), OptionalInt.empty()));
        assertTrue(e.getMessage().startsWith("directory " + d + " is writable by user 4321 (mode 0755, owner 4321, group 0)"),
                e.getMessage());
        try (SocketFile s = SocketFile.bind(socket, OptionalInt.of(4321), OptionalInt.empty())) {
            assertTrue(Files.exists(s.path(), LinkOption.NOFOLLOW_LINKS), "its owner is the socket's --uid");
        }
        Files.setAttribute(d, "unix:uid", 0);
        Files.setAttribute(d, "unix:gid", 5678);
        chmod(d, "775");
        e = assertThrows(SocketFile.UnsafeDirectoryException.class,
                () -> SocketFile.bind(socket, OptionalInt.empty(), OptionalInt.empty()));
        assertTrue(e.getMessage().startsWith("directory " + d + " is writable by group 5678 (mode 0775"), e.getMessage());
        try (SocketFile s = SocketFile.bind(socket, OptionalInt.empty(), OptionalInt.of(5678))) {
            assertTrue(Files.exists(s.path(), LinkOption.NOFOLLOW_LINKS), "its group is the socket's --gid");
        }
    }

    /** chmod(1): Files.setPosixFilePermissions cannot set the sticky bit. */
    private static void chmod(Path p, String octal) {
        Tools.run("chmod", octal, p.toString());
    }

    @Test
    void tooLongPathsAreNamed() throws IOException {
        Path path = dir.resolve("x".repeat(100) + ".sock");
        IOException e = assertThrows(IOException.class, () -> SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty()));
        assertTrue(e.getMessage().startsWith(path + ": too long for a Unix socket: "), e.getMessage());
        assertEquals(List.of(), entries(), "nothing left behind");
    }

    /** Changing the owner needs root (CAP_CHOWN): runs where the kernel tests do. */
    @Test
    @KernelTest
    void ownerAndGroup() throws IOException {
        Path user = dir.resolve("user.sock");
        Path group = dir.resolve("group.sock");
        try (SocketFile u = SocketFile.bind(user, OptionalInt.of(1234), OptionalInt.empty());
             SocketFile g = SocketFile.bind(group, OptionalInt.of(1234), OptionalInt.of(5678))) {
            assertEquals(1234, Files.getAttribute(user, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals(0, Files.getAttribute(user, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            assertEquals("rw-------", mode(user));
            assertEquals(1234, Files.getAttribute(group, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals(5678, Files.getAttribute(group, "unix:gid", LinkOption.NOFOLLOW_LINKS));
            assertEquals("rw-rw----", mode(group));
            assertTrue(Tools.run("ls", "-ln", group.toString()).matches("srw-rw---- 1 1234 5678 0 .*\\n"),
                    Tools.run("ls", "-ln", group.toString()));
            assertEquals(List.of("group.sock", "group.sock.lock", "user.sock", "user.sock.lock"), entries());
        }
    }
}
