package dev.fcnet.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NetnsTest {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** A name IsolationTest accepts in /run/netns (this JVM's prefix). */
    private static String freshName() {
        return "t" + ProcessHandle.current().pid() + "-netns-" + COUNTER.incrementAndGet();
    }

    /** "net:[inode]" of the calling thread's network namespace. */
    private static String threadNetns() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    /** "net:[inode]" of the namespace bound at a path such as /run/netns/NAME. */
    private static String boundNetns(Path path) throws IOException {
        return "net:[" + Files.getAttribute(path, "unix:ino") + "]";
    }

    @Test
    void rejectsNamesThatAreNotPlainFileNames() {
        for (String bad : new String[] {"", ".", "..", "a/b", "/x", "a\0b", "fc%d", "a b", "a\nb", "a\u001bb", "n".repeat(256)}) {
            assertThrows(IllegalArgumentException.class, () -> Netns.validateName(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Netns.validateName(null));
        assertEquals("network namespace name contains whitespace (U+000A), which network namespace names cannot contain",
                assertThrows(IllegalArgumentException.class, () -> Netns.validateName("a\nb")).getMessage());
        Netns.validateName("fc-1.a_b:c");
        Netns.validateName("n".repeat(255));
    }

    @Test
    @KernelTest
    void createdNamespaceIsSeenAndUsableByIproute2AndDeletedAgain() throws IOException {
        String name = freshName();
        String caller = threadNetns();
        try (Netns ns = Netns.create(name)) {
            assertEquals(name, ns.name().orElseThrow());
            assertTrue(Tools.run("ip", "netns", "list").lines().anyMatch(l -> l.split(" ")[0].equals(name)),
                    "ip netns list shows " + name);
            // ip netns exec enters it: a fresh namespace with only a down loopback.
            String links = Tools.run("ip", "netns", "exec", name, "ip", "-o", "link", "show");
            assertEquals(1, links.strip().lines().count(), links);
            assertTrue(links.contains("lo:") && !links.contains("UP"), links);
            // Our task ran in exactly the namespace bound at /run/netns/NAME, and the caller stayed home.
            assertEquals(boundNetns(Netns.RUN_DIR.resolve(name)), ns.call(NetnsTest::threadNetns));
            assertNotEquals(caller, boundNetns(Netns.RUN_DIR.resolve(name)));
            assertEquals(caller, threadNetns());
            // /run/netns is a shared mount, as iproute2 makes it.
            String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
            assertTrue(mounts.lines().anyMatch(l -> l.contains(" /run/netns ") && l.contains("shared:")), mounts);
        } finally {
            if (Netns.exists(name)) Netns.delete(name);
        }
        assertFalse(Netns.exists(name));
        assertFalse(Tools.run("ip", "netns", "list").contains(name));
    }

    /** The names of the links {@code ip -o link} lists in netns {@code netns}. */
    private static List<String> links(String netns) {
        return Tools.run("ip", "-n", netns, "-o", "link", "show").lines().map(l -> l.split(": ")[1].split("@")[0]).toList();
    }

    @Test
    @KernelTest
    void anAnonymousNamespaceDiesWithItsHandleTakingAVethPeerAlongUntilItIsMounted(ScratchNetns scratch) throws Exception {
        List<String> listed = Tools.run("ip", "netns", "list").lines().toList();
        try (Netns anonymous = Netns.createAnonymous()) {
            assertEquals(Optional.empty(), anonymous.name());
            assertEquals(listed, Tools.run("ip", "netns", "list").lines().toList(), "ip netns does not see it");
            assertNotEquals(threadNetns(), anonymous.call(NetnsTest::threadNetns));
            Tools.run("ip", "-n", scratch.name(), "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns",
                    "/proc/" + ProcessHandle.current().pid() + "/fd/" + anonymous.fd());
            assertTrue(links(scratch.name()).contains("va"));
        }
        // Destroyed by the kernel's clean-up work, a moment after the last reference went.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (links(scratch.name()).contains("va")) {
            if (System.nanoTime() > deadline) throw new AssertionError("va outlived its peer's namespace");
            Thread.sleep(20);
        }

        String name = freshName();
        try (Netns ns = Netns.createAnonymous()) {
            String inode = ns.call(NetnsTest::threadNetns);
            ns.mountAs(name);
            assertEquals(Optional.of(name), ns.name());
            assertEquals(inode, boundNetns(Netns.RUN_DIR.resolve(name)));
            assertTrue(Tools.run("ip", "netns", "list").lines().anyMatch(l -> l.split(" ")[0].equals(name)));
            assertThrows(IllegalStateException.class, () -> ns.mountAs(name + "x"));
        } finally {
            if (Netns.exists(name)) Netns.delete(name);
        }
    }

    @Test
    @KernelTest
    void mountingAsATakenNameFailsWithEexistAndKeepsTheOther(ScratchNetns scratch) throws IOException {
        String before = boundNetns(scratch.path());
        try (Netns ns = Netns.createAnonymous()) {
            SysException e = assertThrows(SysException.class, () -> ns.mountAs(scratch.name()));
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals(Optional.empty(), ns.name());
        }
        assertEquals(before, boundNetns(scratch.path()));
    }

    @Test
    @KernelTest
    void opensNamespacesMadeByIproute2(ScratchNetns scratch) throws IOException {
        try (Netns ns = Netns.open(scratch.name())) {
            assertEquals(boundNetns(scratch.path()), ns.call(NetnsTest::threadNetns));
        }
    }

    @Test
    @KernelTest
    void opensNamespacesByPath(ScratchNetns scratch) throws IOException {
        try (Netns ns = Netns.open(scratch.path())) {
            assertEquals(Optional.of(scratch.name()), ns.name(), "a file directly in /run/netns keeps its name");
            assertEquals(boundNetns(scratch.path()), ns.call(NetnsTest::threadNetns));
        }
        try (Netns self = Netns.open(Path.of("/proc/self/ns/net"))) {
            assertEquals(Optional.empty(), self.name());
            assertEquals(threadNetns(), self.call(NetnsTest::threadNetns));
        }
        SysException e = assertThrows(SysException.class, () -> Netns.open(Path.of("/run/netns/no-such-netns")));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    @KernelTest
    void workersReturnHomeAfterEachTask(ScratchNetns scratch) throws IOException {
        String home = threadNetns();
        try (Netns ns = Netns.open(scratch.name())) {
            for (int i = 0; i < 3; i++) {
                assertEquals(boundNetns(scratch.path()), ns.call(NetnsTest::threadNetns));
                // A task that does not enter any namespace runs where the worker returned to.
                assertEquals(home, NetnsThreads.run(NetnsTest::threadNetns));
            }
        }
    }

    @Test
    @KernelTest
    void callWorksFromVirtualThreadsAndRunsOnPlatformThreads(ScratchNetns scratch) throws Exception {
        try (Netns ns = Netns.open(scratch.name())) {
            String[] seen = new String[2];
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    seen[0] = ns.call(NetnsTest::threadNetns);
                    seen[1] = String.valueOf(ns.call(() -> Thread.currentThread().isVirtual()));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            t.join();
            assertEquals(boundNetns(scratch.path()), seen[0]);
            assertEquals("false", seen[1]);
        }
    }

    @Test
    @KernelTest
    void taskExceptionsReachTheCallerUnchanged(ScratchNetns scratch) {
        try (Netns ns = Netns.open(scratch.name())) {
            IOException io = new IOException("from the task");
            assertSame(io, assertThrows(IOException.class, () -> ns.call(() -> {
                throw io;
            })));
            IllegalStateException ise = new IllegalStateException("unchecked");
            assertSame(ise, assertThrows(IllegalStateException.class, () -> ns.call(() -> {
                throw ise;
            })));
        }
    }

    @Test
    @KernelTest
    void secondCreateOfTheSameNameFailsWithEexistAndKeepsTheFirst(ScratchNetns scratch) throws IOException {
        String before = boundNetns(scratch.path());
        SysException e = assertThrows(SysException.class, () -> Netns.create(scratch.name()));
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals("netns add " + scratch.name() + ": File exists (EEXIST)", e.getMessage());
        assertEquals(before, boundNetns(scratch.path()));
    }

    @Test
    @KernelTest
    void missingOrBogusNamespacesAreClearErrors() throws IOException {
        String name = freshName();
        SysException open = assertThrows(SysException.class, () -> Netns.open(name));
        assertEquals(Errno.ENOENT, open.errno());
        assertTrue(open.getMessage().contains("/run/netns/" + name), open.getMessage());
        SysException delete = assertThrows(SysException.class, () -> Netns.delete(name));
        assertEquals("netns delete " + name + ": No such file or directory (ENOENT)", delete.getMessage());
        // A plain file, as an interrupted `ip netns add` can leave, is not a namespace.
        Files.createDirectories(Netns.RUN_DIR);
        Path plain = Files.createFile(Netns.RUN_DIR.resolve(name));
        try {
            SysException notNs = assertThrows(SysException.class, () -> Netns.open(name));
            assertEquals(Errno.EINVAL, notNs.errno());
            assertTrue(notNs.getMessage().contains("is not a network namespace"), notNs.getMessage());
        } finally {
            Files.deleteIfExists(plain);
        }
    }

    @Test
    @KernelTest
    void hostIsTheProcessNamespace() throws IOException {
        try (Netns host = Netns.host()) {
            assertTrue(host.name().isEmpty());
            assertEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString(), host.call(NetnsTest::threadNetns));
        }
    }

    @Test
    @KernelTest
    void deleteOfANamespaceMadeByIproute2(ScratchNetns scratch) {
        Netns.delete(scratch.name());
        assertFalse(Files.exists(scratch.path()));
        List<String> listed = Tools.run("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).toList();
        assertFalse(listed.contains(scratch.name()), listed.toString());
    }
}
