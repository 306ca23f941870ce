package dev.fcnet.sys;

import static dev.fcnet.sys.NamespaceConstants.CLONE_NEWNET;
import static dev.fcnet.sys.NamespaceConstants.MNT_DETACH;
import static dev.fcnet.sys.NamespaceConstants.MS_NODEV;
import static dev.fcnet.sys.NamespaceConstants.MS_NOSUID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.testing.KernelTest;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** unshare, setns, mount and umount2 need root; they run in the isolated test JVM. */
@KernelTest
class SyscallsKernelTest {

    /** A platform thread leaves the JVM's netns with unshare and comes back with setns. */
    @Test
    void unshareAndSetnsMoveOnlyTheCallingThread() throws Exception {
        String jvmNetns = netnsOf("self");
        String[] seen = new String[3];
        Thread t = Thread.ofPlatform().unstarted(() -> {
            try (Arena a = Arena.ofConfined();
                    Fd home = new Fd(Syscalls.open(a, "/proc/self/ns/net", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0))) {
                Syscalls.unshare(a, CLONE_NEWNET);
                seen[0] = netnsOf("thread-self");
                seen[1] = netnsOf("self"); // the main thread's, unchanged
                Syscalls.setns(a, home.get(), CLONE_NEWNET);
                seen[2] = netnsOf("thread-self");
            }
        });
        CompletableFuture<Void> done = new CompletableFuture<>();
        t.setUncaughtExceptionHandler((th, e) -> done.completeExceptionally(e));
        t.start();
        t.join();
        done.complete(null);
        try {
            done.get();
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
        assertNotEquals(jvmNetns, seen[0], "unshare gave the thread a new netns");
        assertEquals(jvmNetns, seen[1]);
        assertEquals(jvmNetns, seen[2], "setns brought it back");
    }

    @Test
    void setnsWithAFileThatIsNoNamespaceFails() {
        try (Arena a = Arena.ofConfined();
                Fd fd = new Fd(Syscalls.open(a, "/proc/self/stat", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0))) {
            SysException e = assertThrows(SysException.class, () -> Syscalls.setns(a, fd.get(), CLONE_NEWNET));
            assertEquals(Errno.EINVAL, e.errno());
        }
    }

    /** The test JVM has a private mount namespace, so this mount is invisible outside it. */
    @Test
    void mountAndDetach(@TempDir Path dir) throws IOException {
        String target = dir.toString();
        try (Arena a = Arena.ofConfined()) {
            Syscalls.mount(a, "fcnet-test", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700");
            assertTrue(mounted(target), "tmpfs mounted on " + target);
            Files.writeString(dir.resolve("x"), "on tmpfs");
            Syscalls.umount2(a, target, MNT_DETACH);
            assertFalse(mounted(target));
            assertFalse(Files.exists(dir.resolve("x")), "the file lived on the detached tmpfs");
            SysException e = assertThrows(SysException.class, () -> Syscalls.umount2(a, target, 0));
            assertEquals("umount2 " + target + ": Invalid argument (EINVAL)", e.getMessage());
        }
    }

    private static boolean mounted(String target) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .anyMatch(l -> l.split(" ")[4].equals(target) && l.contains(" fcnet-test "));
    }

    private static String netnsOf(String proc) {
        try {
            return Files.readSymbolicLink(Path.of("/proc", proc, "ns", "net")).toString();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
