package dev.fcnet.bench;

import dev.fcnet.netns.Netns;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs the real tools (ip, nft, sh) inside one network namespace, for the baselines and the bulk
 * set-up; a failing tool fails the benchmark. Each process is started from the namespace's own
 * thread ({@link Netns#call}), so it runs in that namespace at no cost beyond its own start-up
 * (unlike {@code ip netns exec}, which remounts /sys first).
 */
final class Tools {
    private final Netns netns;

    Tools(Netns netns) {
        this.netns = netns;
    }

    /** Runs {@code command} and returns its stdout. */
    String run(String... command) {
        return feed(null, command);
    }

    /** Runs {@code command} with {@code stdin} (null: none) and returns its stdout; throws on a non-zero exit. */
    String feed(String stdin, String... command) {
        ProcessBuilder builder = new ProcessBuilder(List.of(command));
        Process p;
        try {
            p = netns.call(builder::start);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command[0], e);
        }
        try {
            try (OutputStream in = p.getOutputStream()) {
                if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            // stdout first, then stderr: the tools write at most a line or two to stderr, far below a pipe's buffer.
            String out = read(p.getInputStream());
            String err = read(p.getErrorStream());
            int exit = p.waitFor();
            if (exit != 0) {
                String shown = String.join(" ", command);
                if (shown.length() > 300) shown = shown.substring(0, 300) + "...";
                throw new IllegalStateException(shown + " exited " + exit + ": " + err.strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command[0], e);
        } finally {
            p.destroy();
        }
    }

    /** Runs a /bin/sh script with -e: each line's tool is its own process, as a shell user's script would be. */
    String sh(String script) {
        return feed(null, "/bin/sh", "-ec", script);
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
