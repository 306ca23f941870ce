package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.client.FcnetdClient;
import dev.fcnet.client.FcnetdException;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Nsenter;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dev.fcnet.daemon.Main} as bin/fcnetd runs it (module path, its own JVM, inside a scratch
 * netns), traced with strace: the socket is only ever reachable at its final path with its final
 * mode and owner, and SIGTERM removes it.
 */
@KernelTest
@Timeout(180)
class DaemonProcessTest {
    @TempDir
    Path dir;

    private static String java() {
        return DaemonJvm.java();
    }

    @Test
    void socketIsPrivateUntilInPlaceAndRemovedOnSigterm(ScratchNetns host) throws Exception {
        Path socket = dir.resolve("fcnetd.sock");
        Path trace = dir.resolve("strace.txt");
        Path stderr = dir.resolve("stderr.txt");
        List<String> command = new ArrayList<>(List.of("strace", "-f", "-qq", "-o", trace.toString(), "-e",
                "trace=mkdir,mkdirat,bind,chmod,fchmodat,chown,fchownat,lchown,rename,renameat,renameat2,"
                        + "unlink,unlinkat,rmdir"));
        command.addAll(DaemonJvm.command(host.path(), "--uid", "1234", "--gid", "5678", "--password", "pw",
                socket.toString()));
        Process daemon = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(stderr.toFile()).start();
        try {
            for (int i = 0; i < 600 && !Files.exists(socket, LinkOption.NOFOLLOW_LINKS); i++) {
                assertTrue(daemon.isAlive(), () -> "daemon exited: " + read(stderr));
                Thread.sleep(50);
            }
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket,
                    LinkOption.NOFOLLOW_LINKS)));
            assertEquals(1234, Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            assertEquals(5678, Files.getAttribute(socket, "unix:gid", LinkOption.NOFOLLOW_LINKS));

            FirecrackerNetwork net = FirecrackerNetwork.builder().tapName("tap7").build();
            try (FcnetdClient c = FcnetdClient.connect(socket, "pw")) {
                FcnetdException e = assertThrows(FcnetdException.class, () -> c.run(net, FirecrackerNetworkOperation.Check));
                assertTrue(e.reason().startsWith("Check tap7: "), e.reason());
            }
            try (FcnetdClient c = FcnetdClient.connect(socket, "wrong")) {
                assertThrows(IOException.class, () -> c.run(net, FirecrackerNetworkOperation.Check));
            }
            // SIGTERM to the JVM (strace's child), as systemd or a shell would send it.
            ProcessHandle jvm = daemon.toHandle().descendants()
                    .filter(p -> p.info().command().orElse("").equals(java())).findFirst().orElseThrow();
            assertTrue(jvm.destroy(), "SIGTERM sent");
            assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "daemon still running 30 s after SIGTERM");
            assertEquals(143, daemon.exitValue(), "the JVM's exit status after SIGTERM (strace passes it on)");
        } finally {
            // strace does not pass SIGKILL on: kill the JVM itself, then strace.
            daemon.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            daemon.destroyForcibly();
        }
        assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "socket removed at shutdown");
        assertEquals(List.of(), Tools.run("ls", "-A", dir.toString()).lines()
                .filter(f -> !f.equals("strace.txt") && !f.equals("stderr.txt")).toList(), "nothing else left");

        // Every file system call on the socket and its private directory, in order.
        String dirName = Pattern.quote(dir.toString());
        Pattern call = Pattern.compile("^\\d+ +(\\w+)\\((.*" + dirName + ".*)\\) += (\\S+)");
        List<String> calls = new ArrayList<>();
        for (String line : Files.readAllLines(trace)) {
            Matcher m = call.matcher(line);
            if (m.find()) {
                calls.add(m.group(1) + "(" + m.group(2).replace(dir.toString(), "D").replaceAll("\\.fcnetd-\\d+", "T")
                        .replaceAll("^AT_FDCWD, ", "").replaceAll("^\\d+, \\{sa_family=AF_UNIX, sun_path=", "{")
                        .replaceAll("\\}, \\d+$", "}") + ") = " + m.group(3));
            }
        }
        assertEquals(List.of(
                "mkdir(\"D/T\", 0700) = 0",
                "bind({\"D/T/s\"}) = 0",
                "chmod(\"D/T/s\", 0660) = 0",
                "chown(\"D/T/s\", 1234, -1) = 0",
                "chown(\"D/T/s\", -1, 5678) = 0",
                "rename(\"D/T/s\", \"D/fcnetd.sock\") = 0",
                "rmdir(\"D/T\") = 0",
                "unlink(\"D/fcnetd.sock\") = 0",
                "unlink(\"D/fcnetd.sock.lock\") = 0"), normalise(calls), String.join("\n", calls));

        List<String> log = Files.readAllLines(stderr, StandardCharsets.UTF_8);
        String when = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ";
        assertTrue(log.stream().anyMatch(l -> l.matches(when + "INFO dev.fcnet.daemon: listening on " + Pattern.quote(
                socket.toString()) + " \\(mode 0660, uid 1234, gid 5678, password required, at most \\d+ connections\\)")),
                String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.matches(when + "INFO dev.fcnet.daemon: shutting down: removed "
                + Pattern.quote(socket.toString()) + "; letting running requests finish")), String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.matches(when + "WARNING dev.fcnet.daemon: #1 Check tap7: failed in [0-9]+\\.[0-9]{3} ms: Check tap7: .*")),
                String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.matches(when + "WARNING dev.fcnet.daemon: #2 rejected: wrong password")),
                String.join("\n", log));
    }

    /** {@code --ruleset sets}: the daemon's Adds are elements of the sets of DESIGN §3b. */
    @Test
    void theSetsRuleset(ScratchNetns host) throws Exception {
        host.hostLike();
        Path socket = dir.resolve("fcnetd.sock");
        Path log = dir.resolve("log.txt");
        Process daemon = DaemonJvm.start(host.path(), log, DaemonJvm.FAST_START, "--ruleset", "sets", socket.toString());
        try {
            DaemonJvm.awaitListening(daemon, log);
            assertTrue(Files.readString(log).contains(", sets ruleset, "), () -> read(log));
            FirecrackerNetwork net = FirecrackerNetwork.builder().tapName("tap7").ifaceName("eth1").build();
            try (FcnetdClient c = FcnetdClient.connect(socket)) {
                c.run(net, FirecrackerNetworkOperation.Add);
                String ruleset = host.exec("nft", "list", "ruleset");
                assertTrue(ruleset.contains("elements = { \"tap7\" . \"eth1\" }"), ruleset);
                c.run(net, FirecrackerNetworkOperation.Check);
                c.run(net, FirecrackerNetworkOperation.Delete);
            }
            assertFalse(host.exec("nft", "list", "ruleset").contains("elements"));
        } finally {
            daemon.destroyForcibly();
            daemon.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Two daemons started at once on one path: exactly one listens, the other exits 1 saying that
     * another fcnetd serves it. Without the lock, both passed the "is the path free" check now and
     * then and both listened (one in three trials).
     */
    @Test
    void twoDaemonsStartedTogetherOnlyOneListens(ScratchNetns host) throws Exception {
        Path socket = dir.resolve("fcnetd.sock");
        for (int trial = 0; trial < 10; trial++) {
            Path[] logs = {dir.resolve("a" + trial + ".txt"), dir.resolve("b" + trial + ".txt")};
            Process[] daemons = {DaemonJvm.start(host.path(), logs[0], DaemonJvm.FAST_START, socket.toString()),
                DaemonJvm.start(host.path(), logs[1], DaemonJvm.FAST_START, socket.toString())};
            try {
                // The loser exits by itself; the winner listens until it is told to stop.
                int loser = -1;
                for (int i = 0; i < 600 && loser < 0; i++) {
                    if (!daemons[0].isAlive()) loser = 0;
                    else if (!daemons[1].isAlive()) loser = 1;
                    else Thread.sleep(50);
                }
                int trialNo = trial;
                assertTrue(loser >= 0, () -> "trial " + trialNo + ": both still running: " + read(logs[0]) + read(logs[1]));
                int winner = 1 - loser;
                DaemonJvm.awaitListening(daemons[winner], logs[winner]);
                assertEquals(1, daemons[loser].waitFor(), read(logs[loser]));
                String error = read(logs[loser]).strip();
                assertTrue(error.matches("fcnetd: cannot listen on " + Pattern.quote(socket.toString()) + ": "
                        + Pattern.quote(socket.toString()) + ": another fcnetd \\(pid " + daemons[winner].pid()
                        + "\\) is serving this socket: it holds the lock " + Pattern.quote(socket + ".lock")), error);
                assertTrue(daemons[winner].isAlive(), read(logs[winner]));
                daemons[winner].destroy();
                assertEquals(143, daemons[winner].waitFor(), read(logs[winner]));
                assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "socket removed at shutdown");
                assertFalse(Files.exists(Path.of(socket + ".lock"), LinkOption.NOFOLLOW_LINKS), "lock file removed");
            } finally {
                for (Process p : daemons) p.destroyForcibly();
            }
        }
    }

    /** The C library may call the *at variants; the tests cares about the order of effects. */
    private static List<String> normalise(List<String> calls) {
        return calls.stream().map(c -> c.replaceFirst("^(mkdir|chmod|chown|rename|unlink)at2?\\(", "$1(")
                .replaceFirst("^fchmodat2?\\(", "chmod(").replaceFirst("^fchownat\\(", "chown(")
                .replaceFirst("^lchown\\(", "chown(").replaceFirst("^unlink\\((.*), AT_REMOVEDIR\\)", "rmdir($1)")
                .replaceFirst(", 0\\) = ", ") = ").replaceFirst(", AT_SYMLINK_NOFOLLOW\\) = ", ") = "))
                .toList();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
