package dev.fcnet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs processes inside a named network namespace with {@code nsenter --net=PATH}, which
 * switches only the network namespace: unlike {@code ip netns exec} it neither unshares the
 * mount namespace nor remounts /sys. Background processes are killed when the JVM exits at the
 * latest, so a test that dies early leaves no QEMU or server behind.
 */
public final class Nsenter {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
    }

    private Nsenter() {}

    /** The command line that runs COMMAND inside the namespace bound at NETNS. */
    public static String[] command(Path netns, String... command) {
        String[] full = new String[command.length + 2];
        full[0] = "nsenter";
        full[1] = "--net=" + netns;
        System.arraycopy(command, 0, full, 2, command.length);
        return full;
    }

    /** Runs COMMAND in the namespace; fails the test with its stderr unless it exits 0. Returns stdout. */
    public static String run(Path netns, String... command) {
        return Tools.run(command(netns, command));
    }

    /** Runs COMMAND in the namespace with STDIN (may be null) and returns exit code, stdout and stderr. */
    public static Tools.Result exec(Path netns, String stdin, String... command) {
        return Tools.exec(stdin, command(netns, command));
    }

    /**
     * Opens a TCP connection from the namespace to ADDRESS:PORT with busybox nc (5 s connect
     * timeout), sends nothing and returns what the server answered before closing.
     */
    public static Tools.Result tcp(Path netns, String address, int port) {
        return exec(netns, "", GuestImage.get().busybox().toString(), "nc", "-w", "5", address, Integer.toString(port));
    }

    /** Starts COMMAND in the namespace in the background, stdout and stderr merged; end it with {@link #stop}. */
    static Process start(Path netns, String... command) {
        try {
            Process p = new ProcessBuilder(command(netns, command)).redirectErrorStream(true).start();
            LIVE.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
    }

    /** Kills a process of {@link #start} and waits until it is gone (so the tap or port it held is free). */
    static void stop(Process p) {
        p.destroyForcibly();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) throw new AssertionError("process " + p.pid() + " survived SIGKILL for 10 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } finally {
            LIVE.remove(p);
        }
    }
}
