package dev.fcnet.daemon;

import dev.fcnet.testing.Nsenter;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code dev.fcnet.daemon.Main} started as bin/fcnetd runs it: module path, its own JVM, inside a netns. */
final class DaemonJvm {
    private DaemonJvm() {}

    /** JVM options for tests that start many daemons: C1 only, which starts one in about half the time. */
    static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1");

    /** Where the module dev.fcnet was compiled to (target/classes, which holds module-info.class). */
    static Path moduleDir() {
        try {
            return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** The java launcher running the tests. */
    static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    /** The command line of a daemon in {@code netns} with {@code args} (options, then the socket path). */
    static List<String> command(Path netns, String... args) {
        return command(netns, List.of(), args);
    }

    /** {@link #command(Path, String...)} with options for the JVM. */
    static List<String> command(Path netns, List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "--enable-native-access=dev.fcnet"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-p", moduleDir().toString(), "-m", "dev.fcnet/dev.fcnet.daemon.Main"));
        command.addAll(List.of(args));
        return List.of(Nsenter.command(netns, command.toArray(String[]::new)));
    }

    /** Starts a daemon, its stdout and stderr going to {@code log}. */
    static Process start(Path netns, Path log, String... args) throws IOException {
        return start(netns, log, List.of(), args);
    }

    /** {@link #start(Path, Path, String...)} with options for the JVM. */
    static Process start(Path netns, Path log, List<String> jvmOptions, String... args) throws IOException {
        return new ProcessBuilder(command(netns, jvmOptions, args)).redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
    }

    /** Waits until the daemon logs that it listens; fails with its log if it exits or takes 30 s. */
    static void awaitListening(Process daemon, Path log) throws IOException, InterruptedException {
        for (int i = 0; i < 600; i++) {
            if (Files.readString(log).contains(" listening on ")) return;
            if (!daemon.isAlive()) throw new AssertionError("daemon exited " + daemon.exitValue() + ": " + Files.readString(log));
            Thread.sleep(50);
        }
        throw new AssertionError("daemon not listening after 30 s: " + Files.readString(log));
    }
}
