package dev.fcnet.engine;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.FirecrackerNetworkType.Simple;
import dev.fcnet.IpInet;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.rtnl.IpJson;
import dev.fcnet.testing.Nsenter;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Networks, engines and the real tools' views for the engine's kernel tests. */
final class EngineFixture {
    private EngineFixture() {}

    /** An engine whose host is the test's scratch netns. */
    static FcnetEngine engine(ScratchNetns host) {
        return FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()));
    }

    /** An engine of the sets ruleset (DESIGN §3b) for the scratch host. */
    static FcnetEngine setsEngine(ScratchNetns host) {
        return FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()).withRuleset(RulesetKind.SETS));
    }

    /**
     * Readies the scratch host like a VMM host: an uplink {@code eth0} (one end of a veth pair, as
     * the kernel here has no dummy driver; up, without IPv6 link-local addresses, which would turn
     * from tentative to valid under the tests' snapshots) and forwarding on.
     */
    static void readyHost(ScratchNetns host) {
        String n = host.name();
        Tools.run("ip", "-n", n, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p");
        for (String link : List.of("eth0p", "eth0")) {
            Tools.run("ip", "-n", n, "link", "set", link, "addrgenmode", "none");
            Tools.run("ip", "-n", n, "link", "set", link, "up");
        }
        forwarding(host.path(), true);
        // The carrier comes up asynchronously (linkwatch); snapshots must not catch it changing.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!List.of("UP", "UP").equals(List.of("eth0p", "eth0").stream()
                .map(l -> IpJson.string(ipLink(n, l).orElseThrow(), "operstate")).toList())) {
            if (System.nanoTime() > deadline) throw new AssertionError("eth0 did not come up: " + ipLink(n, "eth0"));
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    static void forwarding(Path netns, boolean on) {
        String v = on ? "1" : "0";
        Nsenter.run(netns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=" + v, "net.ipv6.conf.all.forwarding=" + v);
    }

    /** The stacks of the matrix, with Dual on IPv4 and on IPv6 addresses. */
    enum Stack {
        V4(FirecrackerIpStack.V4, true), V6(FirecrackerIpStack.V6, false),
        DUAL_V4(FirecrackerIpStack.Dual, true), DUAL_V6(FirecrackerIpStack.Dual, false);

        final FirecrackerIpStack stack;
        final boolean v4;

        Stack(FirecrackerIpStack stack, boolean v4) {
            this.stack = stack;
            this.v4 = v4;
        }
    }

    /** A Simple network on tap {@code tap}; {@code n} varies the addresses. */
    static FirecrackerNetwork simple(Stack s, String tap, int n) {
        return base(s, tap, n).networkType(new Simple()).build();
    }

    /** A Namespaced network in netns {@code netns}, veth names derived from {@code n}. */
    static FirecrackerNetwork namespaced(Stack s, String netns, int n, boolean forwarded) {
        Namespaced.Builder ns = Namespaced.builder().netnsName(netns).veth1Name("vh" + n).veth2Name("vg" + n)
                .veth1Ip(IpInet.parse(s.v4 ? "10.0." + n + ".1/24" : "fd00:10:" + n + "::1/64"))
                .veth2Ip(IpInet.parse(s.v4 ? "10.0." + n + ".2/24" : "fd00:10:" + n + "::2/64"));
        if (forwarded) ns.forwardedGuestIp(IpInet.parseAddress(s.v4 ? "192.168.0." + n : "fd00:192::" + n));
        // Every clone has the same guest address and tap: they live in netns of their own.
        return base(s, "tap0", 0).networkType(ns.build()).build();
    }

    /**
     * Clone {@code n} (1 to 16383) of one snapshot, as a fleet restores them: the same tap, tap
     * address and guest address in every netns ({@code PREFIX-cN}); its own veth pair
     * ({@code vhN}/{@code vgN}, a /30 of 10.64.0.0/10) and forwarded address (in 192.168.0.0/16).
     */
    static FirecrackerNetwork clone(String netnsPrefix, int n) {
        if (n < 1 || n > 16383) throw new IllegalArgumentException("clone " + n);
        int block = n * 4;
        String prefix = "10.64." + (block >> 8) + ".";
        Namespaced ns = Namespaced.builder().netnsName(netnsPrefix + "-c" + n).veth1Name("vh" + n).veth2Name("vg" + n)
                .veth1Ip(IpInet.parse(prefix + ((block & 255) + 1) + "/30"))
                .veth2Ip(IpInet.parse(prefix + ((block & 255) + 2) + "/30"))
                .forwardedGuestIp(IpInet.parseAddress("192.168." + n / 256 + "." + n % 256)).build();
        return base(Stack.V4, "tap0", 0).networkType(ns).build();
    }

    private static FirecrackerNetwork.Builder base(Stack s, String tap, int n) {
        return FirecrackerNetwork.builder().ipStack(s.stack).ifaceName("eth0").tapName(tap)
                .tapIp(IpInet.parse(s.v4 ? "172.16." + n + ".1/24" : "fd00:16:" + n + "::1/64"))
                .guestIp(IpInet.parse(s.v4 ? "172.16." + n + ".2/24" : "fd00:16:" + n + "::2/64"));
    }

    // ---- the real tools

    static String ruleset(Path netns) {
        return Nsenter.run(netns, "nft", "list", "ruleset");
    }

    /** {@code nft -a list ruleset}: every rule line ends with {@code # handle N}. */
    static String rulesetWithHandles(Path netns) {
        return Nsenter.run(netns, "nft", "-a", "list", "ruleset");
    }

    /** {@code sysctl -n KEY} inside the netns. */
    static String sysctl(Path netns, String key) {
        return Nsenter.run(netns, "sysctl", "-n", key).strip();
    }

    /**
     * What {@code nft list ruleset} prints in a fresh netns after the nft commands of DESIGN §3 for
     * these networks: the reference our ruleset must equal.
     */
    static String referenceRuleset(ScratchNetns reference, List<String> nftCommands) {
        Nsenter.run(reference.path(), "nft", "flush", "ruleset");
        Tools.Result r = Nsenter.exec(reference.path(), String.join("\n", nftCommands) + "\n", "nft", "-f", "-");
        if (r.exit() != 0) throw new AssertionError("nft -f failed: " + r.err() + "\n" + String.join("\n", nftCommands));
        return ruleset(reference.path());
    }

    /** The §3 nft commands for one network in the host netns, table and chains first. */
    static List<String> hostCommands(FirecrackerNetwork n) {
        String f = n.ipStack().nftFamily();
        List<String> c = new ArrayList<>();
        c.add("add table " + f + " fcnet");
        c.add("add chain " + f + " fcnet postrouting { type nat hook postrouting priority 100 ; policy accept ; }");
        c.add("add chain " + f + " fcnet filter { type filter hook forward priority 0 ; policy accept ; }");
        c.addAll(hostRules(n));
        return c;
    }

    /** The network's own rules in the host netns, as §3 writes them. */
    static List<String> hostRules(FirecrackerNetwork n) {
        String f = n.ipStack().nftFamily();
        String pre = "add rule " + f + " fcnet ";
        if (n.networkType() instanceof Namespaced ns) {
            return List.of(
                    pre + "postrouting " + l3(ns.veth2Ip()) + " saddr " + addr(ns.veth2Ip()) + " oifname \"" + n.ifaceName()
                            + "\" masquerade",
                    pre + "filter iifname \"" + n.ifaceName() + "\" oifname \"" + ns.veth1Name() + "\" accept",
                    pre + "filter oifname \"" + n.ifaceName() + "\" iifname \"" + ns.veth1Name() + "\" accept");
        }
        return List.of(
                pre + "postrouting " + l3(n.guestIp()) + " saddr " + addr(n.guestIp()) + " oifname \"" + n.ifaceName()
                        + "\" masquerade",
                pre + "filter iifname \"" + n.tapName() + "\" oifname \"" + n.ifaceName() + "\" accept");
    }

    /**
     * The §3b nft commands for these networks in the host netns: table, chains, the family's
     * sets, their two fixed rules, then the networks' elements (none: what a Delete leaves).
     */
    static List<String> setsHostCommands(FirecrackerNetwork... networks) {
        String f = networks[0].ipStack().nftFamily();
        List<String> c = new ArrayList<>(hostCommands(networks[0]).subList(0, 3));
        boolean v4 = !f.equals("ip6");
        boolean v6 = !f.equals("ip");
        if (v4) c.add("add set " + f + " fcnet masq_v4 { type ipv4_addr . ifname ; }");
        if (v6) c.add("add set " + f + " fcnet masq_v6 { type ipv6_addr . ifname ; }");
        c.add("add set " + f + " fcnet fwd_pairs { type ifname . ifname ; }");
        if (v4) c.add("add rule " + f + " fcnet postrouting ip saddr . oifname @masq_v4 masquerade");
        if (v6) c.add("add rule " + f + " fcnet postrouting ip6 saddr . oifname @masq_v6 masquerade");
        c.add("add rule " + f + " fcnet filter iifname . oifname @fwd_pairs accept");
        for (FirecrackerNetwork n : networks) {
            IpInet masqueraded = n.networkType() instanceof Namespaced ns ? ns.veth2Ip() : n.guestIp();
            String pre = "add element " + f + " fcnet ";
            c.add(pre + (masqueraded.isV4() ? "masq_v4" : "masq_v6") + " { " + addr(masqueraded) + " . \"" + n.ifaceName()
                    + "\" }");
            if (n.networkType() instanceof Namespaced ns) {
                c.add(pre + "fwd_pairs { \"" + n.ifaceName() + "\" . \"" + ns.veth1Name() + "\" }");
                c.add(pre + "fwd_pairs { \"" + ns.veth1Name() + "\" . \"" + n.ifaceName() + "\" }");
            } else {
                c.add(pre + "fwd_pairs { \"" + n.tapName() + "\" . \"" + n.ifaceName() + "\" }");
            }
        }
        return c;
    }

    /** The §3 nft commands inside a namespaced network's netns. */
    static List<String> netnsCommands(FirecrackerNetwork n) {
        Namespaced ns = (Namespaced) n.networkType();
        String f = n.ipStack().nftFamily();
        boolean inet = f.equals("inet");
        List<String> c = new ArrayList<>();
        c.add("add table " + f + " fcnet");
        c.add("add chain " + f + " fcnet postrouting { type nat hook postrouting priority 100 ; policy accept ; }");
        if (ns.forwardedGuestIp().isPresent()) {
            c.add("add chain " + f + " fcnet prerouting { type nat hook prerouting priority -100 ; policy accept ; }");
        }
        c.add("add rule " + f + " fcnet postrouting oifname \"" + ns.veth2Name() + "\" " + l3(n.guestIp()) + " saddr "
                + addr(n.guestIp()) + " snat " + (inet ? l3(n.guestIp()) + " " : "") + "to " + addr(ns.veth2Ip()));
        ns.forwardedGuestIp().ifPresent(fwd -> c.add("add rule " + f + " fcnet prerouting iifname \"" + ns.veth2Name()
                + "\" " + l3(n.guestIp()) + " daddr " + IpInet.formatAddress(fwd) + " dnat "
                + (inet ? l3(n.guestIp()) + " " : "") + "to " + addr(n.guestIp())));
        return c;
    }

    private static String l3(IpInet a) {
        return a.isV4() ? "ip" : "ip6";
    }

    private static String addr(IpInet a) {
        return IpInet.formatAddress(a.address());
    }

    static Path netnsPath(String name) {
        return Path.of("/run/netns", name);
    }

    /** {@code ip -n NETNS -j link show dev NAME}; empty when there is no such link. */
    static Optional<JsonObject> ipLink(String netns, String name) {
        Tools.Result r = Tools.exec(null, "ip", "-n", netns, "-j", "-d", "link", "show", "dev", name);
        if (r.exit() != 0) return Optional.empty();
        List<JsonObject> links = IpJson.objects(r.out());
        return links.isEmpty() ? Optional.empty() : Optional.of(links.get(0));
    }

    /** The addr_info entries of {@code ip -n NETNS -j addr show dev NAME}. */
    static List<JsonObject> ipAddrs(String netns, String dev) {
        List<JsonObject> links = IpJson.objects(Tools.run("ip", "-n", netns, "-j", "addr", "show", "dev", dev));
        if (links.isEmpty()) return List.of();
        return ((JsonArray) links.get(0).get("addr_info")).elements().stream().map(JsonObject.class::cast).toList();
    }

    /** The routes of the main table of one family ({@code ip -n NETNS -j -4|-6 route}). */
    static List<JsonObject> ipRoutes(String netns, boolean v4) {
        return IpJson.objects(Tools.run("ip", "-n", netns, "-j", v4 ? "-4" : "-6", "route", "show", "table", "main"));
    }

    /** The names {@code ip netns list} prints. */
    static List<String> ipNetns() {
        return Tools.run("ip", "netns", "list").lines().map(l -> l.split(" ")[0]).toList();
    }

    /**
     * Everything a network may change, as the real tools print it: links, addresses, routes of the
     * host, the named namespaces and the host's ruleset.
     */
    static String snapshot(ScratchNetns host) {
        String n = host.name();
        return String.join("\n--\n",
                Tools.run("ip", "-n", n, "-o", "-d", "link", "show"),
                Tools.run("ip", "-n", n, "-o", "addr", "show"),
                Tools.run("ip", "-n", n, "-4", "route", "show", "table", "all"),
                Tools.run("ip", "-n", n, "-6", "route", "show", "table", "all"),
                Tools.run("ip", "netns", "list"),
                ruleset(host.path()));
    }
}
