package dev.fcnet.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fcnet.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Compiles and runs a small C program with gcc against native-headers/ (then the system's glibc
 * headers), for checking Java constants against the C headers. A missing gcc fails the test: CI
 * must run these checks (Debian: apt-get install build-essential).
 */
record CProgram(String stdout, List<String> headersUsed) {
    static final Path NATIVE_HEADERS = Path.of("native-headers").toAbsolutePath();

    static CProgram run(String name, String source) {
        if (Tools.exec(null, "sh", "-c", "command -v gcc").exit() != 0) {
            fail("gcc is not installed; the header checks need it (Debian: apt-get install build-essential)");
        }
        try {
            Path dir = Files.createTempDirectory("fcnet-" + name);
            try {
                Path c = dir.resolve(name + ".c");
                Path exe = dir.resolve(name);
                Files.writeString(c, source);
                // -H lists every header opened, one per line, prefixed by dots for the nesting depth.
                Tools.Result cc = Tools.exec(null, "gcc", "-std=gnu11", "-H", "-Wall", "-Werror", "-I",
                        NATIVE_HEADERS.toString(), "-o", exe.toString(), c.toString());
                if (cc.exit() != 0) fail("gcc failed on " + name + ".c:\n" + cc.err() + "\n--- source:\n" + source);
                List<String> headers = cc.err().lines().filter(l -> l.startsWith("."))
                        .map(l -> l.replaceFirst("^\\.+ ", "")).toList();
                Tools.Result run = Tools.exec(null, exe.toString());
                assertEquals(0, run.exit(), name + " exited " + run.exit() + ": " + run.err());
                return new CProgram(run.out(), headers);
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) Files.delete(p);
                }
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Kernel UAPI headers the program took from the system instead of native-headers/: any header
     * under a linux/, asm/ or asm-generic/ directory outside native-headers/.
     */
    List<String> uapiHeadersFromSystem() {
        return headersUsed.stream()
                .map(h -> Path.of(h).toAbsolutePath().normalize())
                .filter(p -> !p.startsWith(NATIVE_HEADERS))
                .map(Path::toString)
                .filter(p -> p.matches(".*/(linux|asm|asm-generic)/.*"))
                .distinct().toList();
    }
}
