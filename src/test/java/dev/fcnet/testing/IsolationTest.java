package dev.fcnet.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Proves the test JVM cannot see or touch the machine's own network: it starts with only
 * {@code lo}, an empty /run/netns and an empty ruleset, and a scratch namespace is visible to
 * {@code ip netns} yet gone afterwards.
 */
@KernelTest
class IsolationTest {
    @Test
    void onlyLoopbackAndNoNamespacesAtStart() throws IOException {
        // The wrapper wrote `ip -o link show` and `ls -A /run/netns` just before exec'ing the JVM.
        String start = Files.readString(Path.of("/run/fcnet-test-start"));
        String[] lines = start.strip().split("\n");
        assertEquals(1, lines.length, "links and namespaces seen at start: " + start);
        assertTrue(lines[0].startsWith("1: lo:"), start);
    }

    @Test
    void noLinkLeftInTheTestJvmNamespace() {
        String links = Tools.run("ip", "-o", "link", "show").strip();
        assertEquals(1, links.split("\n").length, links);
    }

    @Test
    void runIsPrivateTmpfs() throws IOException {
        Path netns = Path.of("/run/netns");
        if (Files.isDirectory(netns)) {
            try (Stream<Path> s = Files.list(netns)) {
                assertTrue(s.allMatch(p -> p.getFileName().toString().startsWith("t" + ProcessHandle.current().pid() + "-")),
                        "/run/netns holds only this JVM's scratch namespaces");
            }
        }
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertTrue(mounts.lines().anyMatch(l -> l.contains(" /run ") && l.contains("fcnet-test-run")),
                "/run is the wrapper's tmpfs");
    }

    @Test
    void scratchNamespaceIsFreshAndListed(ScratchNetns ns) {
        assertTrue(Tools.run("ip", "netns", "list").contains(ns.name()));
        String links = ns.exec("ip", "-o", "link", "show");
        assertEquals(1, links.strip().split("\n").length, links);
        assertTrue(ns.exec("nft", "list", "ruleset").isBlank());
    }
}
