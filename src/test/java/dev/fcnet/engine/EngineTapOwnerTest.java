package dev.fcnet.engine;

import dev.fcnet.TapOwner;
import static dev.fcnet.rtnl.IpJson.number;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.rtnl.IpJson;
import dev.fcnet.sys.Errno;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import dev.fcnet.testing.TunAttach;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Tap ownership as a jailed VMM meets it (uids and gids without a name, which ip would print instead): the owner given to Add opens the tap, another user gets
 * EPERM (the kernel judges, through a process of that user), and Check compares the owner.
 */
@KernelTest
class EngineTapOwnerTest {
    private static final String OK = "OK";
    private static final String EPERM = "errno " + Errno.EPERM;

    /** What {@link TunAttach} prints when run for {@code tap} in {@code netns} as {@code uid}/{@code gid}. */
    static String attach(String netns, int uid, int gid, String tap) {
        Path dir = null;
        try {
            FileAttribute<Set<PosixFilePermission>> readable =
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
            dir = Files.createTempDirectory("fcnet-tun-attach", readable);
            Path pkg = Files.createDirectories(dir.resolve("dev/fcnet/testing"), readable);
            try (InputStream in = TunAttach.class.getResourceAsStream("TunAttach.class")) {
                Files.write(pkg.resolve("TunAttach.class"), in.readAllBytes());
            }
            Files.setPosixFilePermissions(pkg.resolve("TunAttach.class"), PosixFilePermissions.fromString("rw-r--r--"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Tools.Result r = Tools.exec(null, "ip", "netns", "exec", netns, "setpriv", "--reuid=" + uid, "--regid=" + gid,
                    "--clear-groups", java, "-XX:-UsePerfData", "--enable-native-access=ALL-UNNAMED", "-cp",
                    dir.toString(), TunAttach.class.getName(), tap);
            if (r.exit() != 0) throw new AssertionError("TunAttach as " + uid + " exited " + r.exit() + ": " + r.err());
            return r.out().strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The LINK item of the report for {@code tap}. */
    private static CheckItem tapItem(CheckReport report, String tap) {
        return report.items().stream().filter(i -> i.kind() == CheckItem.Kind.LINK && i.object().equals(tap)).findFirst()
                .orElseThrow(() -> new AssertionError(report));
    }

    @Test
    void theOwnerOpensTheTapAnotherUserGetsEpermAndCheckComparesTheOwner(ScratchNetns host) {
        EngineFixture.readyHost(host);
        String netns = host.name() + "-own";
        FirecrackerNetwork simple = EngineFixture.simple(Stack.V4, "tapo", 7);
        FirecrackerNetwork namespaced = EngineFixture.namespaced(Stack.V6, netns, 8, false);
        AddOptions owned = AddOptions.DEFAULT.withTapOwner(TapOwner.of(4000, 4000));
        AddOptions other = AddOptions.DEFAULT.withTapOwner(TapOwner.of(4001, 4001));
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.addRequests(List.of(new AddRequest(simple, owned), new AddRequest(namespaced, owned)));
            assertEquals(4000, number(EngineFixture.ipLink(host.name(), "tapo").orElseThrow(), "linkinfo", "info_data", "user"));
            assertEquals(4000, number(EngineFixture.ipLink(netns, "tap0").orElseThrow(), "linkinfo", "info_data", "group"));

            assertEquals(OK, attach(host.name(), 4000, 4000, "tapo"));
            assertEquals(EPERM, attach(host.name(), 4001, 4001, "tapo"));
            assertEquals(OK, attach(netns, 4000, 4000, "tap0"));
            assertEquals(EPERM, attach(netns, 4001, 4001, "tap0"));

            for (FirecrackerNetwork n : List.of(simple, namespaced)) {
                CheckReport report = engine.check(n, owned);
                assertTrue(report.isClean(), report::toString);
                assertEquals("up, owner uid 4000 gid 4000", tapItem(report, n.tapName()).detail());
                // Without an expected owner, any owner will do.
                assertTrue(engine.check(n).isClean(), () -> engine.check(n).toString());
                CheckReport wrong = engine.check(n, other);
                assertEquals(Status.DIFFERENT, tapItem(wrong, n.tapName()).status(), wrong::toString);
                assertEquals("owner uid 4000 gid 4000, expected uid 4001 gid 4001", tapItem(wrong, n.tapName()).detail());
                assertEquals(1, wrong.problems().size(), wrong::toString);
            }
        }
    }

    @Test
    void aTapForWhichNoOwnerIsGivenOpensOnlyForPrivilegedProcessesAndAGroupOpensForItsMembers(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork rootOnly = EngineFixture.simple(Stack.V4, "tapr", 7);
        FirecrackerNetwork group = EngineFixture.simple(Stack.DUAL_V4, "tapg", 8);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(rootOnly);
            engine.add(group, AddOptions.DEFAULT.withTapOwner(TapOwner.group(4002)));
            // The kernel lets anyone open a tap with neither owner nor group: the engine makes it root's.
            assertEquals("root", IpJson.string(EngineFixture.ipLink(host.name(), "tapr").orElseThrow(), "linkinfo", "info_data",
                    "user"));
            assertEquals(EPERM, attach(host.name(), 4000, 4000, "tapr"));
            assertEquals(OK, attach(host.name(), 0, 0, "tapr"));

            assertNull(IpJson.at(EngineFixture.ipLink(host.name(), "tapg").orElseThrow(), "linkinfo", "info_data", "user"));
            assertEquals(OK, attach(host.name(), 4000, 4002, "tapg"));
            assertEquals(EPERM, attach(host.name(), 4000, 4000, "tapg"));

            CheckReport report = engine.check(rootOnly, AddOptions.DEFAULT.withTapOwner(TapOwner.of(4000, 4000)));
            assertEquals("owner uid 0, expected uid 4000 gid 4000", tapItem(report, "tapr").detail(), report::toString);
            assertTrue(engine.check(group, AddOptions.DEFAULT.withTapOwner(TapOwner.group(4002))).isClean());
        }
    }
}
