package dev.fcnet.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the real tools (ip, nft, sh) for the baselines and the bulk set-up; a failing tool fails the benchmark. */
final class Proc {
    private Proc() {}

    /** Runs {@code command} and returns its stdout. */
    static String run(String... command) {
        return run(null, command);
    }

    /** Runs {@code command} with {@code stdin} (null: none) and returns its stdout; throws on a non-zero exit. */
    static String run(String stdin, String... command) {
        Process p;
        try {
            p = new ProcessBuilder(List.of(command)).start();
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
    static String sh(String script) {
        return run(null, "/bin/sh", "-ec", script);
    }

    private static String read(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
