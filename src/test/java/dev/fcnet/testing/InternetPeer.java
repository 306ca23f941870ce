package dev.fcnet.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The "internet" of an end-to-end test: a namespace of its own, joined by a veth pair to a
 * test's namespace (which plays the host), with a TCP server answering every connection with
 * "peer CLIENT-ADDRESS" — the source address it saw, which shows what NAT did on the way. The
 * peer has no default route, so only traffic masqueraded to the host side's address can be
 * answered. {@link #close} stops the server and deletes the namespace (and so the veth pair).
 */
public final class InternetPeer implements AutoCloseable {
    private final String name;
    private final String address;
    private final int port;
    private final Process server;

    private InternetPeer(String name, String address, int port, Process server) {
        this.name = name;
        this.address = address;
        this.port = port;
        this.server = server;
    }

    /**
     * Creates namespace HOST-inet and the veth pair HOST_IFACE (in HOST, address HOST_CIDR, up) /
     * eth0 (in the peer, address PEER_CIDR, up), and starts the server on PORT. For example
     * {@code attach(ns, "eth0", "10.99.0.1/24", "10.99.0.2/24", 8080)}.
     */
    public static InternetPeer attach(ScratchNetns host, String hostIface, String hostCidr, String peerCidr, int port) {
        String busybox = GuestImage.get().busybox().toString();
        String name = host.name() + "-inet";
        Tools.run("ip", "netns", "add", name);
        Process server = null;
        try {
            Tools.run("ip", "-n", name, "link", "set", "lo", "up");
            Tools.run("ip", "-n", host.name(), "link", "add", hostIface, "type", "veth", "peer", "name", "eth0", "netns", name);
            Tools.run("ip", "-n", host.name(), "addr", "add", hostCidr, "dev", hostIface);
            Tools.run("ip", "-n", host.name(), "link", "set", hostIface, "up");
            Tools.run("ip", "-n", name, "addr", "add", peerCidr, "dev", "eth0");
            Tools.run("ip", "-n", name, "link", "set", "eth0", "up");
            String reply = new String(GuestImage.resource("reply.sh"), StandardCharsets.UTF_8);
            server = Nsenter.start(Path.of("/run/netns", name),
                    busybox, "nc", "-ll", "-p", Integer.toString(port), "-e", busybox, "sh", "-c", reply, "reply.sh", "peer");
            awaitListening(Path.of("/run/netns", name), port, server);
            return new InternetPeer(name, peerCidr.substring(0, peerCidr.indexOf('/')), port, server);
        } catch (RuntimeException | Error e) {
            if (server != null) Nsenter.stop(server);
            Tools.run("ip", "netns", "delete", name);
            throw e;
        }
    }

    private static void awaitListening(Path netns, int port, Process server) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (Nsenter.run(netns, "ss", "-Hltn", "sport = :" + port).isBlank()) {
            if (!server.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("peer server on port " + port + " did not start (alive " + server.isAlive() + ")");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** The peer's address (without prefix length), e.g. 10.99.0.2. */
    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    /** The peer's namespace, e.g. /run/netns/t123-1-inet. */
    public Path netns() {
        return Path.of("/run/netns", name);
    }

    @Override
    public void close() {
        try {
            Nsenter.stop(server);
        } finally {
            Tools.run("ip", "netns", "delete", name);
        }
    }
}
