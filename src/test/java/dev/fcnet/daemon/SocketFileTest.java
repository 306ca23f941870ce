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
            assertEquals(List.of("fcnetd.sock"), entries(), "the private directory it was bound in is gone");
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
            FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                    () -> SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty()));
            assertEquals(path + ": another process is listening on this socket", e.getMessage());
            assertEquals(List.of("fcnetd.sock"), entries());
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
    void closeLeavesASocketThatReplacedIt() throws IOException {
        Path path = dir.resolve("fcnetd.sock");
        SocketFile first = SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty());
        first.channel().close(); // the first daemon hangs; a second one takes the path over
        try (SocketFile second = SocketFile.bind(path, OptionalInt.empty(), OptionalInt.empty())) {
            first.close();
            assertTrue(Files.exists(path, LinkOption.NOFOLLOW_LINKS), "the second daemon's socket stays");
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(second.path()))) {
                assertTrue(c.isConnected());
            }
        }
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
            assertEquals(List.of("group.sock", "user.sock"), entries());
        }
    }
}
