package dev.fcnet.bench;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The clones of issue 8 and what {@link FleetBench} reads around them: JVM heap after GC, the
 * kernel's memory, and whether the kernel is still destroying namespaces of an earlier iteration.
 */
final class Fleet {
    private Fleet() {}

    /**
     * Clone {@code n} (1 to 16383) of one snapshot, as a fleet restores them (the layout of the
     * engine tests' EngineFixture.clone): the same tap0, tap address and guest address in every
     * netns {@code cN}; its own veth pair {@code vhN}/{@code vgN} on a /30 of 10.64.0.0/10 and its
     * own forwarded address in 192.168.0.0/16.
     */
    static FirecrackerNetwork clone(int n) {
        if (n < 1 || n > 16383) throw new IllegalArgumentException("clone " + n);
        int block = n * 4;
        String prefix = "10.64." + (block >> 8) + ".";
        Namespaced ns = Namespaced.builder().netnsName("c" + n).veth1Name("vh" + n).veth2Name("vg" + n)
                .veth1Ip(IpInet.parse(prefix + ((block & 255) + 1) + "/30"))
                .veth2Ip(IpInet.parse(prefix + ((block & 255) + 2) + "/30"))
                .forwardedGuestIp(IpInet.parseAddress("192.168." + n / 256 + "." + n % 256)).build();
        return FirecrackerNetwork.builder().ipStack(FirecrackerIpStack.V4).ifaceName(SimpleNet.IFACE).tapName("tap0")
                .tapIp(IpInet.parse("172.16.0.1/24")).guestIp(IpInet.parse("172.16.0.2/24")).networkType(ns).build();
    }

    /** Clones 1 to {@code count}. */
    static List<FirecrackerNetwork> clones(int count) {
        List<FirecrackerNetwork> all = new ArrayList<>(count);
        for (int n = 1; n <= count; n++) all.add(clone(n));
        return all;
    }

    // ---- the kernel floor of FleetBench: the same links, namespaces, addresses and routes with iproute2 in batches

    /** Clone {@code n}'s veth ends' addresses: the first (host) and second (netns) of its /30 of 10.64.0.0/10. */
    private static String vethIp(int n, int end) {
        int block = n * 4;
        return "10.64." + (block >> 8) + "." + ((block & 255) + end);
    }

    /**
     * The host side of clones 1 to {@code count} for one {@code ip -batch}: netns add, veth pair
     * with its peer made in the netns (host end in link {@code group}), host address, up, and the
     * route of the forwarded guest IP.
     */
    static String floorHostBatch(int count, int group) {
        StringBuilder s = new StringBuilder(count * 220);
        for (int n = 1; n <= count; n++) {
            s.append("netns add c").append(n).append('\n');
            s.append("link add vh").append(n).append(" group ").append(group).append(" type veth peer name vg").append(n)
                    .append(" netns c").append(n).append('\n');
            s.append("addr add ").append(vethIp(n, 1)).append("/30 dev vh").append(n).append('\n');
            s.append("link set dev vh").append(n).append(" up\n");
            s.append("route add 192.168.").append(n / 256).append('.').append(n % 256).append(" via ").append(vethIp(n, 2))
                    .append(" dev vh").append(n).append('\n');
        }
        return s.toString();
    }

    /** The inside of clone {@code n}, for one {@code ip -batch} in its netns: veth address and up, tap0 with address and up, default route. */
    static String floorInnerBatch(int n) {
        return "addr add " + vethIp(n, 2) + "/30 dev vg" + n + "\n"
                + "link set dev vg" + n + " up\n"
                + "tuntap add dev tap0 mode tap\n"
                + "addr add 172.16.0.1/24 dev tap0\n"
                + "link set dev tap0 up\n"
                + "route add default via " + vethIp(n, 1) + "\n";
    }

    /** Deletion of clones 1 to {@code count} for one {@code ip -batch}: the host ends by their group, then every netns. */
    static String floorDeleteBatch(int count, int group) {
        StringBuilder s = new StringBuilder(count * 16).append("link del group ").append(group).append('\n');
        for (int n = 1; n <= count; n++) s.append("netns del c").append(n).append('\n');
        return s.toString();
    }

    /** Heap in use after a full collection, in bytes. */
    static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A /proc/meminfo figure in bytes ({@code MemAvailable}, {@code Slab}). */
    static long meminfo(String key) {
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith(key + ":")) {
                String[] f = line.substring(key.length() + 1).trim().split("\\s+");
                return Long.parseLong(f[0]) * 1024;
            }
        }
        throw new IllegalStateException("no " + key + " in /proc/meminfo");
    }

    /** Network namespaces allocated in the kernel: active objects of the net_namespace slab. */
    static int netNamespaces() {
        for (String line : lines(Path.of("/proc/slabinfo"))) {
            if (line.startsWith("net_namespace ")) return Integer.parseInt(line.split("\\s+")[1]);
        }
        throw new IllegalStateException("no net_namespace slab in /proc/slabinfo");
    }

    /**
     * Waits (up to 3 minutes) until the kernel has finished destroying the namespaces an earlier
     * iteration unlinked (it does so asynchronously, in a work queue, long after they were
     * deleted): until the count of allocated namespaces stops falling for a second. Otherwise that
     * work would run into, and be timed by, the next iteration.
     *
     * @return the seconds waited
     */
    static double awaitNetnsCleanup() {
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MINUTES.toNanos(3);
        int last = netNamespaces();
        int still = 0;
        while (still < 4 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
            int now = netNamespaces();
            still = now < last ? 0 : still + 1;
            last = now;
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
