package dev.fcnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The import rules of DESIGN §2, read from the main sources: sys, then netlink, then rtnl, nft,
 * tun and netns, then the engine, then the front ends; each package uses only those above it. The
 * configuration ({@code dev.fcnet}, {@code dev.fcnet.json}) sits at the top. The exported client
 * and the daemon share {@code dev.fcnet.protocol} and neither uses the other or the CLI.
 */
class LayersTest {
    private static final Path SOURCES = Path.of("src/main/java");

    private static final String CONFIG = "dev.fcnet";
    private static final String JSON = "dev.fcnet.json";
    private static final String SYS = "dev.fcnet.sys";
    private static final String NETLINK = "dev.fcnet.netlink";
    private static final String RTNL = "dev.fcnet.rtnl";
    private static final String NFT = "dev.fcnet.nft";
    private static final String TUN = "dev.fcnet.tun";
    private static final String NETNS = "dev.fcnet.netns";
    private static final String ENGINE = "dev.fcnet.engine";
    private static final String PROTOCOL = "dev.fcnet.protocol";
    private static final String CLIENT = "dev.fcnet.client";
    private static final String DAEMON = "dev.fcnet.daemon";
    private static final String CLI = "dev.fcnet.cli";

    /** Every package of the module and the other packages it may use. */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry(JSON, Set.of()),
            Map.entry(CONFIG, Set.of(JSON)),
            Map.entry(SYS, Set.of()),
            Map.entry(NETLINK, Set.of(SYS)),
            // The four kernel subsystems know nothing of each other (but see EXCEPTIONS).
            Map.entry(RTNL, Set.of(SYS, NETLINK)),
            Map.entry(NFT, Set.of(SYS, NETLINK)),
            Map.entry(TUN, Set.of(SYS, NETLINK)),
            Map.entry(NETNS, Set.of(SYS, NETLINK)),
            Map.entry(ENGINE, Set.of(CONFIG, JSON, SYS, NETLINK, RTNL, NFT, TUN, NETNS)),
            Map.entry(PROTOCOL, Set.of(CONFIG, JSON)),
            Map.entry(CLIENT, Set.of(CONFIG, JSON, PROTOCOL)),
            // The daemon's lock file takes a syscall; netlink it leaves to the engine.
            Map.entry(DAEMON, Set.of(CONFIG, JSON, PROTOCOL, ENGINE, SYS)),
            Map.entry(CLI, Set.of(CONFIG, JSON, ENGINE)));

    /** Single classes a package may use outside its allowed packages: package -> class. */
    private static final Set<String> EXCEPTIONS = Set.of(
            // The one rule for link and netns names, pure Java, which the configuration checks up front
            // and the kernel layers enforce; moving it up would make them depend on the exported API.
            CONFIG + " -> " + SYS + ".Names",
            // A tap is made with /dev/net/tun opened inside the netns it belongs to.
            TUN + " -> " + NETNS + ".Netns",
            // FcnetdException.kind() is the engine's FcnetException.Kind: one vocabulary of failures.
            CLIENT + " -> " + ENGINE + ".FcnetException");

    /** A use of a class of the module: {@code dev.fcnet.x.Y} (or a wildcard import of a package). */
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.fcnet((?:\\.[a-z_][a-z0-9_]*)*)\\.([A-Z]\\w*|\\*)");
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);

    record Use(Path file, int line, String from, String to, String type) {
        /** The form EXCEPTIONS lists it in. */
        String exception() {
            return from + " -> " + to + "." + type;
        }
    }

    @Test
    void everyPackageUsesOnlyTheLayersAboveIt() throws IOException {
        List<Use> uses = uses();
        List<String> violations = new ArrayList<>();
        Set<String> exceptionsUsed = new TreeSet<>();
        for (Use u : uses) {
            Set<String> allowed = ALLOWED.getOrDefault(u.from(), Set.of());
            if (u.from().equals(u.to()) || allowed.contains(u.to())) continue;
            if (EXCEPTIONS.contains(u.exception())) {
                exceptionsUsed.add(u.exception());
                continue;
            }
            violations.add(u.file() + ":" + u.line() + ": " + u.from() + " may not depend on " + u.to()
                    + " (uses " + u.to() + "." + u.type() + "); allowed: " + new TreeSet<>(allowed));
        }
        assertTrue(violations.isEmpty(), "DESIGN §2 layer violations:\n" + String.join("\n", violations));
        // A listed exception that the code no longer needs is removed, so the list stays true.
        assertEquals(new TreeSet<>(EXCEPTIONS), exceptionsUsed, "exceptions no longer used");
    }

    @Test
    void everyPackageHasItsPlace() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = javaFiles()) {
            for (Path f : files.toList()) packages.add(packageOf(f, Files.readString(f)));
        }
        assertEquals(new TreeSet<>(ALLOWED.keySet()), packages, "a package without a layer in LayersTest.ALLOWED");
    }

    /** Its own check: a use in code is found, one in a comment or string is not. */
    @Test
    void findsUsesInCodeOnly() {
        String source = """
                package dev.fcnet.cli;
                import dev.fcnet.daemon.Main;
                // dev.fcnet.client.FcnetdClient in a comment
                /* dev.fcnet.client.FcnetdClient, "in a block comment */
                class X { String s = "dev.fcnet.client.FcnetdClient \\" still a string";
                  int v = dev.fcnet.protocol.Protocol.MAX_LINE; char c = '"'; String t = \"""
                    dev.fcnet.client.FcnetdClient
                    \"""; Object o = dev.fcnet.engine.FcnetEngine.class; }
                """;
        List<Use> uses = uses(Path.of("X.java"), source);
        assertEquals(List.of("2 dev.fcnet.daemon.Main", "6 dev.fcnet.protocol.Protocol", "8 dev.fcnet.engine.FcnetEngine"),
                uses.stream().map(u -> u.line() + " " + u.to() + "." + u.type()).toList());
    }

    private static Stream<Path> javaFiles() throws IOException {
        return Files.walk(SOURCES).filter(p -> p.toString().endsWith(".java"))
                .filter(p -> !p.getFileName().toString().equals("module-info.java"));
    }

    private static List<Use> uses() throws IOException {
        List<Use> uses = new ArrayList<>();
        try (Stream<Path> files = javaFiles()) {
            for (Path f : files.sorted().toList()) uses.addAll(uses(f, Files.readString(f)));
        }
        assertTrue(uses.size() > 100, "found only " + uses.size() + " uses under " + SOURCES.toAbsolutePath());
        return uses;
    }

    private static List<Use> uses(Path file, String source) {
        String from = packageOf(file, source);
        String code = codeOnly(source);
        List<Use> uses = new ArrayList<>();
        Matcher m = REFERENCE.matcher(code);
        while (m.find()) {
            int line = 1 + (int) code.substring(0, m.start()).chars().filter(c -> c == '\n').count();
            uses.add(new Use(file, line, from, "dev.fcnet" + m.group(1), m.group(2)));
        }
        return uses;
    }

    private static String packageOf(Path file, String source) {
        Matcher m = PACKAGE.matcher(codeOnly(source));
        if (!m.find()) throw new AssertionError(file + ": no package declaration");
        return m.group(1);
    }

    /**
     * The source with comments and string, text block and char literals blanked out (line breaks
     * kept, so line numbers stay right): javadoc may name any class without depending on it.
     */
    static String codeOnly(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        int n = source.length();
        while (i < n) {
            char c = source.charAt(i);
            int end;
            if (source.startsWith("//", i)) {
                end = source.indexOf('\n', i);
                if (end < 0) end = n;
            } else if (source.startsWith("/*", i)) {
                end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                end = source.indexOf("\"\"\"", i + 3);
                while (end > 0 && source.charAt(end - 1) == '\\') end = source.indexOf("\"\"\"", end + 1);
                end = end < 0 ? n : end + 3;
            } else if (c == '"' || c == '\'') {
                end = i + 1;
                while (end < n && source.charAt(end) != c) end += source.charAt(end) == '\\' ? 2 : 1;
                end = Math.min(n, end + 1);
            } else {
                out.append(c);
                i++;
                continue;
            }
            for (int k = i; k < end; k++) out.append(source.charAt(k) == '\n' ? '\n' : ' ');
            i = end;
        }
        return out.toString();
    }
}
