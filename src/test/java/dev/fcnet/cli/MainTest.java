package dev.fcnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.RulesetKind;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.TapOwner;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MainTest {

    record Run(int code, String out, String err) {}

    /**
     * For command lines that must not reach the engine: its host netns does not exist, so an
     * operation run by mistake fails (exit 3) instead of touching anything.
     */
    static final EngineOptions NO_ENGINE = EngineOptions.defaults().withHostNetns(Path.of("/nonexistent/netns"));

    static Run run(byte[] stdin, EngineOptions options, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new ByteArrayInputStream(stdin), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), options);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run run(byte[] stdin, String... args) {
        return run(stdin, NO_ENGINE, args);
    }

    private static Run run(String... args) {
        return run(new byte[0], args);
    }

    /** The command line parses to this operation on this network. */
    private static void assertPerform(FirecrackerNetwork expected, FirecrackerNetworkOperation operation, byte[] stdin,
                                      String... args) {
        try {
            assertEquals(new CommandLine.Perform(expected, operation),
                    CommandLine.parse(args, new ByteArrayInputStream(stdin)), Arrays.toString(args));
        } catch (CommandLine.UsageException e) {
            throw new AssertionError(Arrays.toString(args) + ": " + e.getMessage(), e);
        }
    }

    private static void assertPerform(FirecrackerNetwork expected, FirecrackerNetworkOperation operation,
                                      String... args) {
        assertPerform(expected, operation, new byte[0], args);
    }

    @Test
    void listAndOutputParse() throws CommandLine.UsageException {
        String nl = System.lineSeparator();
        byte[] none = new byte[0];
        assertEquals(new CommandLine.ListNetworks(false), CommandLine.parse(new String[] {"--list"}, new ByteArrayInputStream(none)));
        assertEquals(new CommandLine.ListNetworks(true),
                CommandLine.parse(new String[] {"--output", "json", "--list"}, new ByteArrayInputStream(none)));
        assertEquals(true, ((CommandLine.Perform) CommandLine.parse(new String[] {"--output=json", "-C", "simple"},
                new ByteArrayInputStream(none))).json());
        assertEquals(new Run(2, "", "fcnet: --list lists the networks; -A cannot be combined with it" + nl), run("--list", "-A"));
        assertEquals(new Run(2, "", "fcnet: --list takes no network; --tap cannot be combined with it" + nl),
                run("--list", "--tap", "x"));
        assertEquals(new Run(2, "", "fcnet: --output: invalid value \"yaml\"; expected text or json" + nl),
                run("--output", "yaml", "-C", "simple"));
        assertEquals(RulesetKind.SETS, ((CommandLine.Perform) CommandLine.parse(new String[] {"--ruleset", "sets", "-C",
                "simple"}, new ByteArrayInputStream(none))).ruleset());
        assertEquals(RulesetKind.FCNET, ((CommandLine.Perform) CommandLine.parse(new String[] {"-C", "simple"},
                new ByteArrayInputStream(none))).ruleset());
        assertEquals(new Run(2, "", "fcnet: --ruleset: invalid value \"nft\"; expected fcnet or sets" + nl),
                run("--ruleset=nft", "-A", "simple"));
        assertEquals(new Run(2, "", "{\"kind\":\"INVALID\",\"message\":\"unknown option --frob\"}" + nl),
                run("--output", "json", "--frob"));
    }

    @Test
    void defaultsAreFcnetClis() {
        FirecrackerNetwork simple = FirecrackerNetwork.builder().build();
        assertEquals("{\"nft_path\":null,\"ip_stack\":\"V4\",\"iface_name\":\"eth0\",\"tap_name\":\"tap0\","
                + "\"tap_ip\":\"172.16.0.1/24\",\"guest_ip\":\"172.16.0.2/24\",\"network_type\":{\"type\":\"Simple\"}}",
                simple.toJson());
        assertPerform(simple, FirecrackerNetworkOperation.Add, "-A", "simple");
        assertPerform(FirecrackerNetwork.builder().networkType(Namespaced.builder().build()).build(),
                FirecrackerNetworkOperation.Check, "--check", "namespaced");
    }

    @Test
    void everyFlag() {
        FirecrackerNetwork expected = FirecrackerNetwork.builder().nftPath("/opt/nft").ifaceName("ens3").tapName("fc7")
                .tapIp(IpInet.parse("172.20.0.1/30")).guestIp(IpInet.parse("172.20.0.2/30"))
                .networkType(Namespaced.builder().netnsName("vm7").veth1Name("v7h").veth2Name("v7n")
                        .veth1Ip(IpInet.parse("10.7.0.1/30")).veth2Ip(IpInet.parse("10.7.0.2/30"))
                        .forwardedGuestIp(IpInet.parseAddress("192.168.7.7")).build())
                .build();
        assertPerform(expected, FirecrackerNetworkOperation.Delete, "--nft-path", "/opt/nft", "--ip-stack", "v4", "--guest-ip", "172.20.0.2/30", "--iface", "ens3",
                "--tap", "fc7", "--tap-ip", "172.20.0.1/30", "-D", "namespaced", "--netns", "vm7", "--veth1", "v7h",
                "--veth2", "v7n", "--veth1-ip", "10.7.0.1/30", "--veth2-ip", "10.7.0.2/30", "--forwarded-guest-ip",
                "192.168.7.7");
        // The same with --flag=value, the operation first and options in another order.
        assertPerform(expected, FirecrackerNetworkOperation.Delete, "--del", "--tap=fc7", "--iface=ens3", "--nft-path=/opt/nft", "--tap-ip=172.20.0.1/30",
                "--guest-ip=172.20.0.2/30", "namespaced", "--forwarded-guest-ip=192.168.7.7", "--veth2-ip=10.7.0.2/30",
                "--veth1-ip=10.7.0.1/30", "--veth2=v7n", "--veth1=v7h", "--netns=vm7");
    }

    @Test
    void ipStacks() {
        FirecrackerNetwork v6 = FirecrackerNetwork.builder().ipStack(dev.fcnet.FirecrackerIpStack.V6)
                .tapIp(IpInet.parse("fd00::1/64")).guestIp(IpInet.parse("fd00::2/64")).build();
        assertPerform(v6, FirecrackerNetworkOperation.Check, "--ip-stack", "v6", "--tap-ip", "fd00::1/64", "--guest-ip",
                "fd00::2/64", "-C", "simple");
        // fcnet-types' text all the same, with a warning: Linux's ip= takes IPv4 addresses only.
        assertEquals(new Run(0, "ip=fd00::2::fd00::1:ffff:ffff:ffff:ffff::::eth0:off" + System.lineSeparator(),
                        "fcnet: warning: the kernel's ip= boot parameter is IPv4-only; a guest kernel cannot configure"
                                + " fd00::2 from it" + System.lineSeparator()),
                run("--ip-stack", "v6", "--tap-ip", "fd00::1/64", "--guest-ip", "fd00::2/64", "--boot-arg", "simple"));
        assertEquals(new Run(0, "ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off" + System.lineSeparator(), ""),
                run("--ip-stack", "dual", "--boot-arg", "simple"));
        assertPerform(FirecrackerNetwork.builder().ipStack(dev.fcnet.FirecrackerIpStack.Dual).build(),
                FirecrackerNetworkOperation.Add, "--ip-stack=dual", "-A", "simple");
        // Any case: the JSON form and the library say V4 and Dual.
        for (String stack : new String[] {"V4", "v4", "Dual", "DUAL", "dUaL"}) {
            assertPerform(FirecrackerNetwork.builder().ipStack(stack.length() == 2 ? dev.fcnet.FirecrackerIpStack.V4
                    : dev.fcnet.FirecrackerIpStack.Dual).build(), FirecrackerNetworkOperation.Add, "--ip-stack", stack,
                    "-A", "simple");
        }
        assertPerform(v6, FirecrackerNetworkOperation.Check, "--ip-stack", "V6", "--tap-ip", "fd00::1/64", "--guest-ip",
                "fd00::2/64", "-C", "simple");
    }

    /** bash, given the script: {@code complete -p fcnet}, then the words completing the command line's last word. */
    private static String bash(Path script, String... words) throws IOException, InterruptedException {
        String line = "source " + script + " && complete -p fcnet && COMP_WORDS=(" + String.join(" ", words)
                + ") && COMP_CWORD=" + (words.length - 1) + " && _fcnet && echo \"${COMPREPLY[*]}\"";
        Process p = new ProcessBuilder("bash", "--norc", "--noprofile", "-c", line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void bashCompletion(@TempDir Path dir) throws IOException, InterruptedException {
        Run r = run("--completion", "bash");
        assertEquals(new Run(0, Main.BASH_COMPLETION, ""), r);
        assertEquals(r, run("--completion=bash"));
        Path script = Files.writeString(dir.resolve("fcnet.bash"), r.out());
        assertEquals("complete -F _fcnet fcnet\n--ip-stack\n", bash(script, "fcnet", "--ip"));
        assertEquals("complete -F _fcnet fcnet\nv4 v6 dual\n", bash(script, "fcnet", "--ip-stack", "''"));
        assertEquals("complete -F _fcnet fcnet\n--veth1 --veth1-ip\n", bash(script, "fcnet", "-A", "namespaced", "--veth1"));
        assertEquals("complete -F _fcnet fcnet\nsimple\n", bash(script, "fcnet", "-A", "si"));
        assertEquals(new Run(2, "", "fcnet: --completion: unknown shell \"zsh\"; only bash is supported"
                + System.lineSeparator()), run("--completion", "zsh"));
        assertEquals(new Run(2, "", "fcnet: --completion: needs a shell; only bash is supported" + System.lineSeparator()),
                run("--completion"));
    }

    @Test
    void valuesMayLookOdd() {
        // "-" is a value, not an option; an empty value reaches validation.
        assertEquals(new Run(2, "", "fcnet: --tap \"\" is empty" + System.lineSeparator()),
                run("--tap=", "-A", "simple"));
        assertPerform(FirecrackerNetwork.builder().tapName("-").build(), FirecrackerNetworkOperation.Add, "--tap", "-", "-A",
                "simple");
    }

    @Test
    void optIns() throws CommandLine.UsageException {
        FirecrackerNetwork simple = FirecrackerNetwork.builder().build();
        assertEquals(new CommandLine.Perform(simple, FirecrackerNetworkOperation.Add, true, false),
                CommandLine.parse(new String[] {"--enable-forwarding", "-A", "simple"}, new ByteArrayInputStream(new byte[0])));
        assertEquals(new CommandLine.Perform(simple, FirecrackerNetworkOperation.Delete, false, true),
                CommandLine.parse(new String[] {"-D", "--idempotent", "simple"}, new ByteArrayInputStream(new byte[0])));
    }

    @Test
    void tapOwnerForAddAndCheck() throws CommandLine.UsageException {
        FirecrackerNetwork simple = FirecrackerNetwork.builder().build();
        assertEquals(new CommandLine.Perform(simple, FirecrackerNetworkOperation.Add, false, false,
                        Optional.of(TapOwner.of(4000, 4001)), false),
                CommandLine.parse(new String[] {"--tap-uid", "4000", "--tap-gid=4001", "-A", "simple"},
                        new ByteArrayInputStream(new byte[0])));
        assertEquals(new CommandLine.Perform(simple, FirecrackerNetworkOperation.Check, false, false,
                        Optional.of(TapOwner.user(0)), false),
                CommandLine.parse(new String[] {"-C", "--tap-uid", "0", "simple"}, new ByteArrayInputStream(new byte[0])));
        // With --json too: the owner is no part of the network.
        byte[] json = simple.toJson().getBytes(StandardCharsets.UTF_8);
        assertEquals(new CommandLine.Perform(simple, FirecrackerNetworkOperation.Add, false, false,
                        Optional.of(TapOwner.group(4001)), false),
                CommandLine.parse(new String[] {"-A", "--tap-gid", "4001", "--json", "-"}, new ByteArrayInputStream(json)));

        assertEquals(new Run(2, "", "fcnet: --tap-uid and --tap-gid apply to -A/--add and -C/--check only"
                + System.lineSeparator()), run("--tap-uid", "4000", "-D", "simple"));
        assertEquals(new Run(2, "", "fcnet: --tap-uid: invalid value \"-1\"; expected a user id, a number from 0 to "
                + Integer.MAX_VALUE + System.lineSeparator()), run("--tap-uid=-1", "-A", "simple"));
        assertEquals(new Run(2, "", "fcnet: --tap-gid: invalid value \"4294967296\"; expected a group id, a number from 0"
                + " to " + Integer.MAX_VALUE + System.lineSeparator()), run("--tap-gid", "4294967296", "-A", "simple"));
        assertEquals(new Run(2, "", "fcnet: --tap-uid must come before the subcommand simple" + System.lineSeparator()),
                run("-A", "simple", "--tap-uid", "4000"));
    }

    @Test
    void bootArgOnly() {
        assertEquals(new Run(0, "ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off" + System.lineSeparator(), ""),
                run("--boot-arg", "simple"));
        assertEquals(new Run(0, "ip=10.9.0.2::10.9.0.1:255.255.0.0::eth0:off" + System.lineSeparator(), ""),
                run("--tap-ip", "10.9.0.1/16", "--guest-ip", "10.9.0.2/16", "--boot-arg", "namespaced", "--netns", "x"));
    }

    @Test
    void jsonFromFileAndStdin(@TempDir Path dir) throws IOException {
        FirecrackerNetwork n = FirecrackerNetwork.builder().tapName("tap9").networkType(Namespaced.builder()
                .netnsName("fc9").build()).build();
        Path file = dir.resolve("net.json");
        Files.writeString(file, n.toJson() + "\n");
        assertPerform(n, FirecrackerNetworkOperation.Add, "-A", "--json", file.toString());
        assertPerform(n, FirecrackerNetworkOperation.Check, n.toJson().getBytes(StandardCharsets.UTF_8), "--json", "-",
                "--check");
        assertEquals(new Run(0, n.guestIpBootArg("eth0") + System.lineSeparator(), ""),
                run(n.toJson().getBytes(StandardCharsets.UTF_8), "--boot-arg", "--json=-"));
    }

    @Test
    void helpAndVersion() {
        for (String flag : new String[] {"-h", "--help"}) {
            Run r = run("-A", flag, "--bogus");
            assertEquals(0, r.code());
            assertEquals(Main.HELP, r.out());
            assertEquals("", r.err());
        }
        Run help = run("--help");
        for (String flag : new String[] {"--nft-path", "--ip-stack", "--guest-ip", "--iface", "--tap ", "--tap-ip", "--add",
            "--del", "--check", "--json", "--boot-arg", "--netns", "--veth1 ", "--veth2 ", "--veth1-ip", "--veth2-ip",
            "--forwarded-guest-ip", "--version", "--completion"}) {
            assertTrue(help.out().contains(flag), flag);
        }
        for (String flag : new String[] {"-V", "--version"}) {
            Run r = run(flag);
            assertEquals(0, r.code());
            // Tests run on the class path, where there is no module version.
            assertEquals("fcnet (version unknown: not run as module dev.fcnet)" + System.lineSeparator(), r.out());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``|one of -A/--add, -D/--del, -C/--check is required",
        "simple|one of -A/--add, -D/--del, -C/--check is required",
        "-A|a subcommand is required: simple or namespaced",
        "-A --tap t0|a subcommand is required: simple or namespaced",
        "-A -D simple|only one of -A/--add, -D/--del, -C/--check may be given, found -A and -D",
        "--check --add simple|only one of -A/--add, -D/--del, -C/--check may be given, found --check and --add",
        "-A -A simple|-A is given twice",
        "-A bogus|unknown subcommand \"bogus\"; expected simple or namespaced",
        "-A Simple|unknown subcommand \"Simple\"; expected simple or namespaced",
        "-A --bogus simple|unknown option --bogus",
        "-A --bogus=1 simple|unknown option --bogus",
        "-AC simple|unknown option -AC",
        "-X|unknown option -X",
        "-A simple --tap t0|--tap must come before the subcommand simple",
        "-A namespaced --ip-stack v4|--ip-stack must come before the subcommand namespaced",
        "simple -A|-A must come before the subcommand simple",
        "-A --netns fc1 namespaced|--netns is an option of namespaced and must follow it, as in: namespaced --netns VALUE",
        "-A simple --veth1 v|--veth1 is an option of namespaced and must follow it, as in: namespaced --veth1 VALUE",
        "-A simple extra|unexpected argument \"extra\" after the subcommand simple",
        "-A simple namespaced|unexpected argument \"namespaced\" after the subcommand simple",
        "-A --tap|--tap needs a value",
        "-A --tap -D simple|--tap needs a value",
        "-A namespaced --netns|--netns needs a value",
        "-A --tap a --tap=b simple|--tap is given twice",
        "-A namespaced --netns a --netns b|--netns is given twice",
        "-A --ip-stack ipv4 simple|--ip-stack: invalid value \"ipv4\"; expected v4, v6 or dual (in any case)",
        "-A --ip-stack= simple|--ip-stack: invalid value \"\"; expected v4, v6 or dual (in any case)",
        "-A --tap-ip 172.16.0.1/40 simple|--tap-ip: invalid CIDR \"172.16.0.1/40\": prefix length 40 is out of range for IPv4 (0..32)",
        "-A --guest-ip localhost simple|--guest-ip: invalid CIDR \"localhost\": unexpected character 'l'",
        "-A namespaced --veth1-ip 10.0.0/24|--veth1-ip: invalid CIDR \"10.0.0/24\": expected 4 parts separated by '.', found 3",
        "-A namespaced --veth2-ip 10.0.0.2/x|--veth2-ip: invalid CIDR \"10.0.0.2/x\": prefix length \"x\" is not a decimal number",
        "-A namespaced --forwarded-guest-ip 192.168.0.3/32|--forwarded-guest-ip: invalid IP address \"192.168.0.3/32\": unexpected character '/'",
        "-A --tap averyveryverylongname simple|--tap \"averyveryverylongname\" is 21 bytes; Linux interface names are at most 15",
        "-A --tap eth0 simple|--tap and --iface are both \"eth0\"; both are links of the host netns",
        "-A --ip-stack v6 simple|--tap-ip 172.16.0.1/24 is IPv4 but --ip-stack is V6",
        "-A --guest-ip 172.16.1.2/24 simple|--guest-ip 172.16.1.2/24 and --tap-ip 172.16.0.1/24 are not in one subnet",
        "-A namespaced --veth1 eth0|--veth1 and --iface are both \"eth0\"; both are links of the host netns",
        "-A namespaced --netns ../x|--netns \"../x\" contains '/', which network namespace names cannot contain",
        "-A namespaced --netns fc%d|--netns \"fc%d\" contains '%', which network namespace names cannot contain",
        "-A --tap t%d simple|--tap \"t%d\" contains '%', which Linux interface names cannot contain (the kernel would replace \"%d\" with a number)",
        "-A --tap tap_ip --iface tap_ip simple|--tap and --iface are both \"tap_ip\"; both are links of the host netns",
        "-A namespaced --veth1 veth0|--veth1 and --veth2 are both \"veth0\"; the two ends of a veth pair need different names",
        "-A namespaced --forwarded-guest-ip 10.0.0.2|--forwarded-guest-ip 10.0.0.2 is the address of --veth2-ip; it must be an address of its own",
        "--boot-arg -A simple|--boot-arg only prints the boot argument; it cannot be combined with -A",
        "--check --boot-arg simple|--boot-arg only prints the boot argument; it cannot be combined with --check",
        "--boot-arg --boot-arg simple|--boot-arg is given twice",
        "--enable-forwarding -C simple|--enable-forwarding applies to -A/--add only",
        "--idempotent -A simple|--idempotent applies to -D/--del only",
        "-D --idempotent --idempotent simple|--idempotent is given twice",
        "-A simple --enable-forwarding|--enable-forwarding must come before the subcommand simple",
        "simple --boot-arg|--boot-arg must come before the subcommand simple",
        "-A --json net.json simple|--json replaces the subcommand; simple cannot be combined with it",
        "-A --json net.json --tap t0|--json replaces the network flags; --tap cannot be combined with it",
        "-A --nft-path /x --json net.json|--json replaces the network flags; --nft-path cannot be combined with it",
        "-A --json /nonexistent/net.json|--json /nonexistent/net.json: no such file",
        "-A --json|--json needs a value"})
    void badCommandLinesExit2WithOneLine(String args, String message) {
        Run r = run(args.isEmpty() ? new String[0] : args.split(" "));
        assertEquals(new Run(2, "", "fcnet: " + message + System.lineSeparator()), r, Arrays.toString(args.split(" ")));
    }

    @Test
    void badJsonInputExit2WithOneLine(@TempDir Path dir) throws IOException {
        assertEquals(new Run(2, "", "fcnet: --json stdin: invalid JSON: expected a string key, found the end of input at line 1,"
                + " column 2 (offset 1)" + System.lineSeparator()), run("{".getBytes(StandardCharsets.UTF_8), "-A", "--json", "-"));
        assertEquals(new Run(2, "", "fcnet: --json stdin: missing field \"iface_name\"" + System.lineSeparator()),
                run("{}".getBytes(StandardCharsets.UTF_8), "-A", "--json", "-"));
        String longTap = FirecrackerNetwork.builder().build().toJson().replace("\"tap0\"", "\"averyveryverylongname\"");
        assertEquals(new Run(2, "", "fcnet: --json stdin: tap_name \"averyveryverylongname\" is 21 bytes; Linux interface"
                + " names are at most 15" + System.lineSeparator()), run(longTap.getBytes(StandardCharsets.UTF_8), "-A", "--json", "-"));
        assertEquals(new Run(2, "", "fcnet: --json stdin: not valid UTF-8" + System.lineSeparator()),
                run(new byte[] {'{', '"', (byte) 0xc3, '"', '}'}, "-A", "--json", "-"));
        assertEquals(new Run(2, "", "fcnet: --json stdin: larger than 1048576 bytes" + System.lineSeparator()),
                run(new byte[CommandLine.MAX_JSON_BYTES + 1], "-A", "--json", "-"));
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\n\"iface_name\": 1}");
        assertEquals(new Run(2, "", "fcnet: --json " + file + ": field \"iface_name\" must be a string, found a number"
                + System.lineSeparator()), run("-A", "--json", file.toString()));
        assertEquals(new Run(2, "", "fcnet: --json " + dir + ": cannot read: Is a directory" + System.lineSeparator()),
                run("-A", "--json", dir.toString()));
    }
}
