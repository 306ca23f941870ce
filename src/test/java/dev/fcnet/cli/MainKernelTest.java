package dev.fcnet.cli;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.json.JsonValue.JsonString;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonBoolean;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.Json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.cli.MainTest.Run;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Nsenter;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** bin/fcnet's operations with the real engine, a scratch netns standing in for the host. */
@KernelTest
class MainKernelTest {
    private static final String NL = System.lineSeparator();

    private static Run run(ScratchNetns host, String... args) {
        return MainTest.run(new byte[0], EngineOptions.defaults().withHostNetns(host.path()), args);
    }

    /** Links, addresses, routes, ruleset and namespaces: what an operation may change. */
    private static String state(ScratchNetns host) {
        return host.ipJson("addr") + host.ipJson("route") + host.exec("nft", "list", "ruleset")
                + Tools.run("ip", "netns", "list");
    }


    @Test
    void addCheckDeleteSimple(ScratchNetns host) {
        host.hostLike();
        assertEquals(new Run(0, "", ""), run(host, "--iface", "eth1", "-A", "simple"));
        assertTrue(host.ipJson("link", "show", "dev", "tap0").contains("\"ifalias\":\"fcnet\""));

        Run check = run(host, "--iface", "eth1", "-C", "simple");
        assertEquals(0, check.code(), check.toString());
        assertEquals("", check.err());
        List<String> lines = check.out().lines().toList();
        assertEquals("Check tap0: clean", lines.get(0));
        // Every object, not only problems: link, address, table, chains, rules, forwarding.
        assertTrue(lines.size() >= 8, check.out());
        assertTrue(lines.stream().skip(1).allMatch(l -> l.startsWith("PRESENT ")), check.out());
        assertTrue(check.out().contains("RULE       ip fcnet filter: iifname \"tap0\" oifname \"eth1\" accept (host netns)"),
                check.out());

        Run again = run(host, "--iface", "eth1", "-A", "simple");
        assertEquals(new Run(3, "", "fcnet: Add tap0: tap0 already exists in the host netns; nothing was changed" + NL), again);

        assertEquals(new Run(0, "", ""), run(host, "--iface", "eth1", "--del", "simple"));
        assertFalse(host.exec("ip", "-o", "link").contains("tap0"));
        Run missing = run(host, "--iface", "eth1", "--check", "simple");
        assertEquals(1, missing.code(), missing.toString());
        assertEquals("", missing.err());
        assertTrue(missing.out().startsWith("Check tap0: "), missing.out());
        assertTrue(missing.out().contains("MISSING    LINK       tap0 (host netns)"), missing.out());
        assertEquals(new Run(3, "", "fcnet: Delete tap0: network tap0 does not exist; nothing was deleted" + NL),
                run(host, "--iface", "eth1", "-D", "simple"));
    }

    /** --ruleset sets: the network is elements of the sets of DESIGN §3b, checked and deleted as such. */
    @Test
    void addCheckDeleteWithTheSetsRuleset(ScratchNetns host) {
        host.hostLike();
        assertEquals(new Run(0, "", ""), run(host, "--ruleset", "sets", "--iface", "eth1", "-A", "simple"));
        String ruleset = host.exec("nft", "list", "ruleset");
        assertTrue(ruleset.contains("elements = { 172.16.0.2 . \"eth1\" }")
                && ruleset.contains("ip saddr . oifname @masq_v4 masquerade"), ruleset);
        Run check = run(host, "--ruleset=sets", "--iface", "eth1", "-C", "simple");
        assertEquals(0, check.code(), check.toString());
        assertTrue(check.out().contains("PRESENT    ELEMENT    ip fcnet fwd_pairs { \"tap0\" . \"eth1\" } (host netns)"),
                check.out());
        assertEquals(new Run(0, "", ""), run(host, "--ruleset", "sets", "--iface", "eth1", "-D", "simple"));
        ruleset = host.exec("nft", "list", "ruleset");
        assertFalse(ruleset.contains("elements"), ruleset);
        assertTrue(ruleset.contains("iifname . oifname @fwd_pairs accept"), ruleset);
    }

    /** --list and --output json: the listing, the Check report and failures as JSON that parses back. */
    @Test
    void listingAndJsonOutput(ScratchNetns host) {
        host.hostLike();
        assertEquals(new Run(0, "no networks made by fcnet on this host" + NL, ""), run(host, "--list"));
        assertEquals(new Run(0, "[]" + NL, ""), run(host, "--list", "--output", "json"));
        assertEquals(new Run(0, "{\"warnings\":[]}" + NL, ""), run(host, "--output=json", "--iface", "eth1", "-A", "simple"));

        Run listed = run(host, "--list");
        assertEquals(0, listed.code(), listed.toString());
        assertTrue(listed.out().startsWith("tap0: Simple, uid 0, complete" + NL + "  link tap0 (host netns)" + NL), listed.out());
        Run listedJson = run(host, "--output", "json", "--list");
        JsonObject network = (JsonObject) ((JsonArray) Json.parse(listedJson.out())).elements().get(0);
        assertEquals(new JsonBoolean(true), network.get("complete"));
        assertEquals(FirecrackerNetwork.builder().ifaceName("eth1").build(),
                FirecrackerNetwork.fromJson(Json.write(network.get("network"))), "the listing reads the settings back");

        Run check = run(host, "--output", "json", "--iface", "eth1", "-C", "simple");
        assertEquals(0, check.code(), check.toString());
        JsonObject report = (JsonObject) Json.parse(check.out());
        assertEquals(new JsonBoolean(true), report.get("clean"));
        assertEquals(9, ((JsonArray) report.get("items")).elements().size(), check.out());

        Run again = run(host, "--output", "json", "--iface", "eth1", "-A", "simple");
        assertEquals(3, again.code());
        assertEquals("", again.out());
        JsonObject failure = (JsonObject) Json.parse(again.err());
        assertEquals(new JsonString("ALREADY_EXISTS"), failure.get("kind"));
        assertEquals(new JsonString("check"), failure.get("step"));
        assertEquals(new JsonString("tap0"), failure.get("object"));

        Run usage = run(host, "--output", "json", "--list", "-A");
        assertEquals(2, usage.code());
        assertEquals(new JsonString("INVALID"), ((JsonObject) Json.parse(usage.err())).get("kind"));
        assertEquals(new Run(0, "", ""), run(host, "--iface", "eth1", "-D", "simple"));
    }

    /** The quick start on a host with forwarding off: Add and Check both warn, with the fix, and succeed. */
    @Test
    void forwardingOffIsAWarningForAddAndCheck(ScratchNetns host) {
        host.hostLike();
        host.exec("sysctl", "-qw", "net.ipv4.conf.all.forwarding=0");
        Run add = run(host, "--iface", "eth1", "-A", "simple");
        assertEquals(0, add.code(), add.toString());
        assertTrue(add.err().startsWith("fcnet: warning: Add tap0: ipv4 forwarding on tap0 in the host netns: off"), add.err());
        Run check = run(host, "--iface", "eth1", "-C", "simple");
        assertEquals(0, check.code(), check.toString());
        assertTrue(check.out().startsWith("Check tap0: clean, with 2 warnings" + NL), check.out());
        assertEquals(List.of("fcnet: warning: Check tap0: ipv4 forwarding on tap0 in the host netns: off"
                        + " (net.ipv4.conf.tap0.forwarding = 0); the guest's traffic is not forwarded until it is on"
                        + " (sysctl -w net.ipv4.conf.tap0.forwarding=1)",
                "fcnet: warning: Check tap0: ipv4 forwarding on eth1 in the host netns: off"
                        + " (net.ipv4.conf.eth1.forwarding = 0); the guest's traffic is not forwarded until it is on"
                        + " (sysctl -w net.ipv4.conf.eth1.forwarding=1)"), check.err().lines().toList());
        assertEquals(new Run(0, "", ""), run(host, "--iface", "eth1", "-D", "simple"));
    }

    @Test
    void tapOwnerIsSetByAddAndComparedByCheck(ScratchNetns host) {
        host.hostLike();
        assertEquals(new Run(0, "", ""), run(host, "--iface", "eth1", "--tap-uid", "4000", "--tap-gid", "4000", "-A", "simple"));
        String link = host.ipJson("-d", "link", "show", "dev", "tap0");
        assertTrue(link.contains("\"user\":4000") && link.contains("\"group\":4000"), link);
        Run owned = run(host, "--iface", "eth1", "--tap-uid", "4000", "--tap-gid", "4000", "-C", "simple");
        assertEquals(0, owned.code(), owned.toString());
        assertTrue(owned.out().contains("PRESENT    LINK       tap0 (host netns): up, owner uid 4000 gid 4000"), owned.out());
        Run other = run(host, "--iface", "eth1", "--tap-uid", "4001", "-C", "simple");
        assertEquals(1, other.code(), other.toString());
        assertTrue(other.out().contains("DIFFERENT  LINK       tap0 (host netns): owner uid 4000 gid 4000, expected uid 4001"),
                other.out());
    }

    @Test
    void namespacedFromJsonOnStdin(ScratchNetns host) {
        host.hostLike();
        String json = "{\"iface_name\":\"eth1\",\"tap_name\":\"tap0\",\"tap_ip\":\"172.16.0.1/24\",\"guest_ip\":"
                + "\"172.16.0.2/24\",\"network_type\":{\"type\":\"Namespaced\",\"netns_name\":\"" + host.name() + "-vm\","
                + "\"veth1_name\":\"veth1\",\"veth2_name\":\"veth0\",\"veth1_ip\":\"10.0.0.1/24\",\"veth2_ip\":\"10.0.0.2/24\","
                + "\"forwarded_guest_ip\":\"192.168.0.3\"}}";
        byte[] in = json.getBytes(StandardCharsets.UTF_8);
        EngineOptions options = EngineOptions.defaults().withHostNetns(host.path());
        assertEquals(new Run(0, "", ""), MainTest.run(in, options, "-A", "--json", "-"));
        assertTrue(Tools.run("ip", "netns", "list").contains(host.name() + "-vm"));
        Run check = MainTest.run(in, options, "-C", "--json", "-");
        assertEquals(0, check.code(), check.toString());
        assertTrue(check.out().startsWith("Check netns " + host.name() + "-vm: clean"), check.out());
        assertEquals(new Run(0, "", ""), MainTest.run(in, options, "-D", "--json", "-"));
        assertFalse(Tools.run("ip", "netns", "list").contains(host.name() + "-vm"));
    }

    @Test
    void enableForwardingAndIdempotentDelete(ScratchNetns host) {
        Tools.run("ip", "-n", host.name(), "link", "add", "eth1", "type", "bridge");
        Tools.run("ip", "-n", host.name(), "link", "set", "eth1", "up");
        host.exec("sysctl", "-qw", "net.ipv4.conf.all.forwarding=0", "net.ipv4.conf.default.forwarding=0");
        Run warned = run(host, "--iface", "eth1", "-A", "simple");
        assertEquals(0, warned.code(), warned.toString());
        assertTrue(warned.err().contains("forwarding"), warned.err());
        // Each warning once, from the CLI: the engine returns them rather than also logging them.
        assertTrue(warned.err().lines().allMatch(l -> l.startsWith("fcnet: warning: ")), warned.err());
        assertEquals(warned.err().lines().distinct().count(), warned.err().lines().count(), warned.err());
        assertTrue(warned.err().contains("net.ipv4.ip_forward=1") && warned.err().contains("--enable-forwarding"),
                "says how to act: " + warned.err());
        assertEquals("0", host.exec("sysctl", "-n", "net.ipv4.conf.eth1.forwarding").strip(), "WARN changes no sysctl");
        assertEquals(new Run(0, "", ""), run(host, "--iface", "eth1", "-D", "simple"));

        Run enabled = run(host, "--enable-forwarding", "--iface", "eth1", "-A", "simple");
        assertEquals(new Run(0, "", ""), enabled);
        assertEquals("1", host.exec("sysctl", "-n", "net.ipv4.conf.eth1.forwarding").strip());
        assertEquals("1", host.exec("sysctl", "-n", "net.ipv4.conf.tap0.forwarding").strip());
        assertEquals(0, run(host, "--iface", "eth1", "-C", "simple").code());

        // A crash left half a network: the tap is gone, the rules remain. Strict Delete removes what is
        // there and fails naming what was missing; then the network is gone, which only idempotent Delete accepts.
        host.exec("ip", "link", "del", "tap0");
        Run strict = run(host, "--iface", "eth1", "-D", "simple");
        assertEquals(3, strict.code());
        assertTrue(strict.err().startsWith("fcnet: Delete tap0: network tap0 was incomplete, missing link tap0"), strict.err());
        assertEquals(1, strict.err().lines().count(), strict.err());
        String rules = host.exec("nft", "list", "ruleset");
        assertFalse(rules.contains("masquerade") || rules.contains("iifname"), rules);
        Run gone = run(host, "--iface", "eth1", "-D", "simple");
        assertEquals(3, gone.code());
        assertTrue(gone.err().contains("does not exist"), gone.err());
        assertEquals(new Run(0, "", ""), run(host, "--iface", "eth1", "-D", "--idempotent", "simple"));
    }

    @Test
    void badInputChangesNothing(ScratchNetns host) {
        host.hostLike();
        String before = state(host);
        for (String[] args : new String[][] {
            {"-A", "--tap", "averyveryverylongname", "simple"},
            {"-A", "--tap-ip", "172.16.0.1/40", "simple"},
            {"-A", "--guest-ip", "172.16.1.2/24", "simple"},
            {"-A", "--ip-stack", "v6", "simple"},
            {"-A", "namespaced", "--netns", "../x"},
            {"-A", "-D", "simple"},
            {"-A", "simple", "--tap", "t"},
            {"-A", "--bogus", "simple"},
            {"-A"}}) {
            Run r = run(host, args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals("", r.out());
            assertTrue(r.err().startsWith("fcnet: ") && r.err().indexOf('\n') == r.err().length() - 1, r.err());
        }
        assertEquals(before, state(host), "nothing created");
    }

    /** What a refused name must leave alone: the links, the namespaces and the ruleset. */
    private static String linksNamespacesRuleset(ScratchNetns host) {
        return host.exec("ip", "-o", "link") + Tools.run("ip", "netns") + host.exec("nft", "list", "ruleset");
    }

    @Test
    void templateNamesAreRefusedBeforeAnythingIsMade(ScratchNetns host) {
        // The kernel would make tap "t0" of "t%d": the network would not be the one asked for.
        host.hostLike();
        String before = linksNamespacesRuleset(host);
        String why = " \"t%d\" contains '%', which Linux interface names cannot contain (the kernel would replace"
                + " \"%d\" with a number)" + NL;
        assertEquals(new Run(2, "", "fcnet: --tap" + why), run(host, "--iface", "eth1", "--tap", "t%d", "-A", "simple"));
        assertEquals(new Run(2, "", "fcnet: --tap" + why),
                run(host, "--iface", "eth1", "--tap", "t%d", "-A", "namespaced", "--netns", host.name() + "-vm"));
        assertEquals(new Run(2, "", "fcnet: --veth1" + why.replace("t%d", "v%d")),
                run(host, "--iface", "eth1", "-A", "namespaced", "--veth1", "v%d"));
        assertEquals(before, linksNamespacesRuleset(host));
    }

    /** target/classes, the module bin/fcnet runs from the jar. */
    private static String moduleDir() {
        try {
            return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void withoutPrivilegesOneLineSaysWhatIsNeeded(ScratchNetns host) {
        host.hostLike();
        String before = linksNamespacesRuleset(host);
        String java = ProcessHandle.current().info().command().orElseThrow();
        for (String[] args : new String[][] {{"-C", "simple"}, {"-A", "simple"}, {"-A", "namespaced", "--netns",
                host.name() + "-vm"}, {"-D", "simple"}}) {
            List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    java, "--enable-native-access=dev.fcnet", "-p", moduleDir(), "-m", "dev.fcnet/dev.fcnet.cli.Main",
                    "--iface", "eth1"));
            command.addAll(List.of(args));
            Tools.Result r = Nsenter.exec(host.path(), null, command.toArray(String[]::new));
            String what = String.join(" ", args) + ": " + r;
            assertEquals(3, r.exit(), what);
            assertEquals("", r.out(), what);
            // One line, no java.util.logging record before it.
            assertEquals(1, r.err().lines().count(), what);
            assertTrue(r.err().startsWith("fcnet: ") && r.err().contains(
                    "; fcnet needs root or CAP_NET_ADMIN (and CAP_SYS_ADMIN for namespaced networks)"), what);
        }
        assertEquals(before, linksNamespacesRuleset(host));
    }

    @Test
    void foreignTapIsDeletedByTheCliAsByFcnet(ScratchNetns host) {
        // The CLI's user is root acting deliberately, like fcnet-cli's: networks made by others may be deleted.
        host.hostLike();
        host.exec("sh", "-c", "ip tuntap add tap0 mode tap && ip addr add 172.16.0.1/24 dev tap0 && ip link set tap0 up"
                + " && nft add table ip fcnet"
                + " && nft add chain ip fcnet postrouting '{ type nat hook postrouting priority 100; policy accept; }'"
                + " && nft add chain ip fcnet filter '{ type filter hook forward priority 0; policy accept; }'"
                + " && nft add rule ip fcnet postrouting ip saddr 172.16.0.2 oifname eth1 masquerade"
                + " && nft add rule ip fcnet filter iifname tap0 oifname eth1 accept");
        Run check = run(host, "--iface", "eth1", "-C", "simple");
        assertEquals(0, check.code(), check.toString());
        assertEquals(new Run(0, "", ""), run(host, "--iface", "eth1", "-D", "simple"));
        assertFalse(host.exec("ip", "-o", "link").contains("tap0"));
    }
}
