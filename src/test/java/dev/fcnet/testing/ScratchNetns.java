package dev.fcnet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A named network namespace made by iproute2 for one test (visible in {@code ip netns}),
 * with loopback up; deleted with everything in it when the test ends.
 */
public record ScratchNetns(String name) implements AutoCloseable {
    static ScratchNetns create(String name) {
        Tools.run("ip", "netns", "add", name);
        Tools.run("ip", "-n", name, "link", "set", "lo", "up");
        return new ScratchNetns(name);
    }

    /** The nsfs file bound for this namespace, e.g. {@code /run/netns/t123-1}. */
    public Path path() {
        return Path.of("/run/netns", name);
    }

    /** Runs a command inside this namespace ({@code ip netns exec}) and returns its stdout. */
    public String exec(String... command) {
        String[] full = new String[command.length + 4];
        full[0] = "ip"; full[1] = "netns"; full[2] = "exec"; full[3] = name;
        System.arraycopy(command, 0, full, 4, command.length);
        return Tools.run(full);
    }

    /**
     * Makes it look like a VMM host: an uplink {@code eth1} (a bridge: this kernel has no dummy
     * links), up, and IPv4 forwarding on, so that a complete network checks clean.
     */
    public void hostLike() {
        Tools.run("ip", "-n", name, "link", "add", "eth1", "type", "bridge");
        Tools.run("ip", "-n", name, "link", "set", "eth1", "up");
        exec("sysctl", "-qw", "net.ipv4.conf.all.forwarding=1");
    }

    /** {@code ip -n NAME -j ARGS...}: iproute2's JSON view of this namespace. */
    public String ipJson(String... args) {
        String[] full = new String[args.length + 4];
        full[0] = "ip"; full[1] = "-n"; full[2] = name; full[3] = "-j";
        System.arraycopy(args, 0, full, 4, args.length);
        return Tools.run(full);
    }

    /**
     * Deletes it, and the namespaces named after it ({@code NAME-fc}, ...: the networks a test
     * added there), which would otherwise outlive it and show in later tests' listings.
     */
    @Override
    public void close() {
        try (Stream<Path> all = Files.list(path().getParent())) {
            for (Path p : all.filter(p -> p.getFileName().toString().startsWith(name + "-")).toList()) {
                Tools.run("ip", "netns", "delete", p.getFileName().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (Files.exists(path())) Tools.run("ip", "netns", "delete", name);
    }
}
