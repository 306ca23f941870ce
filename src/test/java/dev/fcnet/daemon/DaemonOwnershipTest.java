package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.TapOwner;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.IpInet;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that are not root, as real processes of other uids (setpriv): the daemon knows them by
 * SO_PEERCRED, makes their taps theirs, refuses other tap owners they name, and lets them check
 * and delete only their own networks; root may do all of it.
 */
@KernelTest
@Timeout(120)
class DaemonOwnershipTest {
    @TempDir
    Path dir;

    private static final int GROUP = 5678;

    /** A client using only the JDK: each stdin line is sent as a request, each answer printed. */
    private static final String CLIENT = """
            import java.io.*;
            import java.net.UnixDomainSocketAddress;
            import java.nio.channels.*;
            import java.nio.charset.StandardCharsets;

            public class Client {
                public static void main(String[] args) throws Exception {
                    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(args[0]))) {
                        BufferedReader in = new BufferedReader(Channels.newReader(c, StandardCharsets.UTF_8));
                        Writer out = Channels.newWriter(c, StandardCharsets.UTF_8);
                        BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                        for (String line; (line = requests.readLine()) != null; ) {
                            out.write(line + "\\n");
                            out.flush();
                            System.out.println(in.readLine());
                        }
                    }
                }
            }
            """;

    private static FirecrackerNetwork simple(String tap, int subnet) {
        return FirecrackerNetwork.builder().tapName(tap).ifaceName("eth1")
                .tapIp(IpInet.parse("172.16." + subnet + ".1/24")).guestIp(IpInet.parse("172.16." + subnet + ".2/24")).build();
    }

    private static String add(FirecrackerNetwork net, Optional<TapOwner> owner) {
        return new FcnetdRequest(FirecrackerNetworkOperation.Add, net, owner).toJson();
    }

    private static String request(FirecrackerNetworkOperation op, FirecrackerNetwork net) {
        return new FcnetdRequest(op, net).toJson();
    }

    /** The answers to {@code requests}, sent over one connection by a process running as uid:GROUP. */
    private List<String> as(int uid, Path socket, String... requests) {
        Tools.Result r = Tools.exec(String.join("\n", requests) + "\n", "setpriv", "--reuid=" + uid, "--regid=" + GROUP,
                "--clear-groups", DaemonJvm.java(), dir.resolve("Client.java").toString(), socket.toString());
        assertEquals(0, r.exit(), r.err());
        return r.out().lines().toList();
    }

    /**
     * {@code uid:gid} owning the tap as iproute2 shows it, "-" for none. The test's ids have no
     * passwd or group entry, which iproute2 would show by name.
     */
    private static String owner(ScratchNetns host, String tap) {
        String json = host.ipJson("-d", "link", "show", "dev", tap);
        return field(json, "user") + ":" + field(json, "group");
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        return m.find() ? m.group(1) : "-";
    }

    private static boolean linkExists(ScratchNetns ns, String name) {
        return Tools.exec(null, "ip", "-n", ns.name(), "link", "show", "dev", name).exit() == 0;
    }

    @Test
    void clientsOwnTheirTapsAndNetworks(ScratchNetns host) throws Exception {
        host.hostLike();
        // Clients of other uids must reach the client program and the socket (mode 0660, group GROUP).
        Files.writeString(dir.resolve("Client.java"), CLIENT);
        Tools.run("chmod", "755", dir.toString());
        FirecrackerNetwork a = simple("tapa", 1);
        FirecrackerNetwork b = simple("tapb", 2);
        FirecrackerNetwork c = simple("tapc", 3);
        RecordingLogger log = new RecordingLogger();
        try (FcnetEngine engine = FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()));
             SocketFile socket = SocketFile.bind(dir.resolve("fcnetd.sock"), OptionalInt.empty(), OptionalInt.of(GROUP));
             FcnetdServer server = new FcnetdServer(socket.channel(), new EngineService(engine), Optional.empty(),
                     Duration.ofMinutes(1), 16, log)) {
            Thread.ofPlatform().start(() -> {
                try {
                    server.serve();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Path path = socket.path();
            List<String> first = as(1234, path, add(a, Optional.empty()),
                    add(b, Optional.of(TapOwner.of(1, GROUP))),
                    add(b, Optional.of(new TapOwner(OptionalInt.of(1234), OptionalInt.empty()))),
                    request(FirecrackerNetworkOperation.Check, a));
            assertEquals(List.of("OK",
                    "Add tapb: tap_owner uid 1, gid 5678 refused: a client that is not root (uid 1234, gid 5678) may only"
                            + " own its taps itself",
                    "OK", "OK"), first);
            assertEquals("1234:5678", owner(host, "tapa"), "a client's tap is its own by default");
            assertTrue(log.visible().contains("INFO #1 Add tapa (uid 1234): OK"), log.lines.toString());
            assertEquals("1234:5678", owner(host, "tapb"));

            // Another uid may neither check nor delete them.
            List<String> other = as(1235, path, request(FirecrackerNetworkOperation.Check, a),
                    request(FirecrackerNetworkOperation.Delete, a));
            assertEquals(2, other.size(), other.toString());
            assertTrue(other.get(0).startsWith("Check tapa: refusing to check "), other.get(0));
            assertTrue(other.get(1).startsWith("Delete tapa: ") && other.get(1).endsWith("; nothing was deleted"),
                    other.get(1));
            assertTrue(linkExists(host, "tapa"), "another client's Delete was refused");

            // Root names any owner, checks and deletes every network.
            try (RawClient root = new RawClient(path)) {
                assertEquals("OK", root.request(add(c, Optional.of(TapOwner.of(4242, 4343)))));
                assertEquals("4242:4343", owner(host, "tapc"));
                assertEquals("OK", root.request(new FcnetdRequest(FirecrackerNetworkOperation.Check, a,
                        Optional.of(TapOwner.of(1234, GROUP))).toJson()));
                assertEquals("OK", root.request(request(FirecrackerNetworkOperation.Delete, b)));
                assertEquals("OK", root.request(request(FirecrackerNetworkOperation.Delete, c)));
            }
            assertEquals(List.of("OK"), as(1234, path, request(FirecrackerNetworkOperation.Delete, a)));
        }
        for (String tap : new String[] {"tapa", "tapb", "tapc"}) assertFalse(linkExists(host, tap), tap);
    }
}
