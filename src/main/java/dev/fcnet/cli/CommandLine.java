package dev.fcnet.cli;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.InvalidNetworkException;
import dev.fcnet.IpInet;
import dev.fcnet.TapOwner;
import dev.fcnet.engine.RulesetKind;
import dev.fcnet.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fcnet-cli's command line (its clap definition): global options, exactly one of -A/-D/-C, then the
 * subcommand {@code simple} or {@code namespaced} with its own options. As with clap, global options
 * go before the subcommand, an option may be given once, and a value is the next argument or follows
 * {@code =}. Extensions: {@code --json FILE|-} reads the network instead of flags and subcommand;
 * {@code --boot-arg} prints the guest's boot argument and performs no operation;
 * {@code --enable-forwarding} (Add) and {@code --idempotent} (Delete) are the explicit opt-ins of
 * DESIGN §3–4; {@code --tap-uid}/{@code --tap-gid} (Add, Check) name the tap's owner;
 * {@code --ruleset fcnet|sets} chooses the host's ruleset (DESIGN §3b).
 */
final class CommandLine {
    private CommandLine() {}

    /** What the command line asks for. */
    sealed interface Command {}

    /**
     * @param enableForwarding {@code --enable-forwarding}: Add turns on the host forwarding the guest's
     *     traffic needs instead of only warning that it is off
     * @param idempotent {@code --idempotent}: Delete removes whatever part of the network exists
     * @param tapOwner {@code --tap-uid}/{@code --tap-gid}: who Add lets open the tap, and Check expects
     * @param ruleset {@code --ruleset}: how the network's host part is kept (Add), looked for (Check)
     *     and removed (Delete)
     */
    record Perform(FirecrackerNetwork network, FirecrackerNetworkOperation operation, boolean enableForwarding,
                   boolean idempotent, Optional<TapOwner> tapOwner, boolean json, RulesetKind ruleset) implements Command {
        Perform(FirecrackerNetwork network, FirecrackerNetworkOperation operation, boolean enableForwarding,
                boolean idempotent, Optional<TapOwner> tapOwner, boolean json) {
            this(network, operation, enableForwarding, idempotent, tapOwner, json, RulesetKind.FCNET);
        }

        Perform(FirecrackerNetwork network, FirecrackerNetworkOperation operation) {
            this(network, operation, false, false);
        }

        Perform(FirecrackerNetwork network, FirecrackerNetworkOperation operation, boolean enableForwarding,
                boolean idempotent) {
            this(network, operation, enableForwarding, idempotent, Optional.empty(), false);
        }
    }

    /**
     * {@code --list}: every network the engine made on this host (of either ruleset); {@code json}:
     * {@code --output json}.
     */
    record ListNetworks(boolean json) implements Command {}

    record PrintBootArg(FirecrackerNetwork network) implements Command {}

    record Help() implements Command {}

    record Version() implements Command {}

    /** {@code --completion bash}: print the bash completion script (the only shell supported). */
    record Completion() implements Command {}

    /** A command line that cannot be run; the message is one line for stderr. */
    static final class UsageException extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** Largest --json document read; a network is well under 1 KiB. */
    static final int MAX_JSON_BYTES = 1 << 20;

    /** The options taking a value; {@code global} ones come before the subcommand, the others after namespaced. */
    private enum Opt {
        NFT_PATH("--nft-path", true),
        IP_STACK("--ip-stack", true),
        GUEST_IP("--guest-ip", true),
        IFACE("--iface", true),
        TAP("--tap", true),
        TAP_IP("--tap-ip", true),
        TAP_UID("--tap-uid", true),
        TAP_GID("--tap-gid", true),
        OUTPUT("--output", true),
        RULESET("--ruleset", true),
        JSON("--json", true),
        NETNS("--netns", false),
        VETH1("--veth1", false),
        VETH2("--veth2", false),
        VETH1_IP("--veth1-ip", false),
        VETH2_IP("--veth2-ip", false),
        FORWARDED_GUEST_IP("--forwarded-guest-ip", false);

        final String flag;
        final boolean global;

        Opt(String flag, boolean global) {
            this.flag = flag;
            this.global = global;
        }

        static Opt of(String flag) {
            for (Opt o : values()) {
                if (o.flag.equals(flag)) return o;
            }
            return null;
        }
    }

    /**
     * Parses the arguments; reads the --json document from its file or {@code stdin}.
     *
     * @throws UsageException with a one-line reason
     */
    static Command parse(String[] args, InputStream stdin) throws UsageException {
        String[] values = new String[Opt.values().length];
        FirecrackerNetworkOperation operation = null;
        String operationFlag = null;
        String subcommand = null;
        String bootArgFlag = null;
        boolean list = false;
        boolean enableForwarding = false;
        boolean idempotent = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) return new Help();
            if (arg.equals("-V") || arg.equals("--version")) return new Version();
            if (arg.equals("--completion") || arg.startsWith("--completion=")) {
                String shell = arg.length() > "--completion".length() ? arg.substring("--completion=".length())
                        : i + 1 < args.length ? args[i + 1] : null;
                if (!"bash".equals(shell)) {
                    throw new UsageException("--completion: " + (shell == null ? "needs a shell" : "unknown shell "
                            + Json.quote(shell)) + "; only bash is supported");
                }
                return new Completion();
            }
            FirecrackerNetworkOperation op = switch (arg) {
                case "-A", "--add" -> FirecrackerNetworkOperation.Add;
                case "-D", "--del" -> FirecrackerNetworkOperation.Delete;
                case "-C", "--check" -> FirecrackerNetworkOperation.Check;
                default -> null;
            };
            if (op != null || arg.equals("--boot-arg")) {
                if (subcommand != null) throw new UsageException(arg + " must come before the subcommand " + subcommand);
                if (op == null) {
                    if (bootArgFlag != null) throw new UsageException("--boot-arg is given twice");
                    bootArgFlag = arg;
                } else if (operationFlag != null) {
                    throw new UsageException(operationFlag.equals(arg) ? arg + " is given twice"
                            : "only one of -A/--add, -D/--del, -C/--check may be given, found " + operationFlag
                            + " and " + arg);
                } else {
                    operation = op;
                    operationFlag = arg;
                }
                continue;
            }
            if (arg.equals("--list")) {
                if (list) throw new UsageException("--list is given twice");
                list = true;
                continue;
            }
            if (arg.equals("--enable-forwarding") || arg.equals("--idempotent")) {
                if (subcommand != null) throw new UsageException(arg + " must come before the subcommand " + subcommand);
                boolean forwarding = arg.equals("--enable-forwarding");
                if (forwarding ? enableForwarding : idempotent) throw new UsageException(arg + " is given twice");
                if (forwarding) enableForwarding = true; else idempotent = true;
                continue;
            }
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                String flag = eq < 0 ? arg : arg.substring(0, eq);
                Opt opt = Opt.of(flag);
                if (opt == null) throw new UsageException("unknown option " + flag);
                if (opt.global && subcommand != null) {
                    throw new UsageException(flag + " must come before the subcommand " + subcommand);
                }
                if (!opt.global && !"namespaced".equals(subcommand)) {
                    throw new UsageException(flag + " is an option of namespaced and must follow it, as in: "
                            + "namespaced " + flag + " VALUE");
                }
                String value;
                if (eq >= 0) {
                    value = arg.substring(eq + 1);
                } else if (i + 1 < args.length && (args[i + 1].equals("-") || !args[i + 1].startsWith("-"))) {
                    value = args[++i];
                } else {
                    throw new UsageException(flag + " needs a value");
                }
                if (values[opt.ordinal()] != null) throw new UsageException(flag + " is given twice");
                values[opt.ordinal()] = value;
                continue;
            }
            if (arg.startsWith("-") && arg.length() > 1) throw new UsageException("unknown option " + arg);
            if (subcommand != null) {
                throw new UsageException("unexpected argument " + Json.quote(arg) + " after the subcommand " + subcommand);
            }
            if (!arg.equals("simple") && !arg.equals("namespaced")) {
                throw new UsageException("unknown subcommand " + Json.quote(arg) + "; expected simple or namespaced");
            }
            subcommand = arg;
        }

        boolean json = json(values[Opt.OUTPUT.ordinal()]);
        RulesetKind ruleset = ruleset(values[Opt.RULESET.ordinal()]);
        if (list) {
            for (Opt o : Opt.values()) {
                if (o != Opt.OUTPUT && o != Opt.RULESET && values[o.ordinal()] != null) {
                    throw new UsageException("--list takes no network; " + o.flag + " cannot be combined with it");
                }
            }
            String other = operationFlag != null ? operationFlag : bootArgFlag != null ? bootArgFlag
                    : enableForwarding ? "--enable-forwarding" : idempotent ? "--idempotent" : subcommand;
            if (other != null) throw new UsageException("--list lists the networks; " + other + " cannot be combined with it");
            return new ListNetworks(json);
        }
        if (bootArgFlag != null && operationFlag != null) {
            throw new UsageException("--boot-arg only prints the boot argument; it cannot be combined with "
                    + operationFlag);
        }
        if (bootArgFlag == null && operationFlag == null) {
            throw new UsageException("one of -A/--add, -D/--del, -C/--check is required");
        }
        if (enableForwarding && operation != FirecrackerNetworkOperation.Add) {
            throw new UsageException("--enable-forwarding applies to -A/--add only");
        }
        if (idempotent && operation != FirecrackerNetworkOperation.Delete) {
            throw new UsageException("--idempotent applies to -D/--del only");
        }
        Optional<TapOwner> tapOwner = tapOwner(values);
        if (tapOwner.isPresent() && operation != FirecrackerNetworkOperation.Add
                && operation != FirecrackerNetworkOperation.Check) {
            throw new UsageException("--tap-uid and --tap-gid apply to -A/--add and -C/--check only");
        }
        FirecrackerNetwork network = values[Opt.JSON.ordinal()] != null
                ? fromJson(values, subcommand, stdin) : fromFlags(values, subcommand);
        return operation == null ? new PrintBootArg(network)
                : new Perform(network, operation, enableForwarding, idempotent, tapOwner, json, ruleset);
    }

    /** {@code --ruleset fcnet|sets} [default: fcnet]. */
    private static RulesetKind ruleset(String value) throws UsageException {
        if (value == null || value.equals("fcnet")) return RulesetKind.FCNET;
        if (value.equals("sets")) return RulesetKind.SETS;
        throw new UsageException("--ruleset: invalid value " + Json.quote(value) + "; expected fcnet or sets");
    }

    /** {@code --output text|json}: whether results and failures are printed as JSON. */
    private static boolean json(String output) throws UsageException {
        if (output == null || output.equals("text")) return false;
        if (output.equals("json")) return true;
        throw new UsageException("--output: invalid value " + Json.quote(output) + "; expected text or json");
    }

    /**
     * Whether the arguments ask for JSON output, as far as they can be read: how to report a command
     * line that cannot be parsed.
     */
    static boolean wantsJson(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--output=json") || args[i].equals("--output") && i + 1 < args.length && args[i + 1].equals("json")) {
                return true;
            }
        }
        return false;
    }

    private static Optional<TapOwner> tapOwner(String[] values) throws UsageException {
        OptionalInt uid = id(values, Opt.TAP_UID, "user");
        OptionalInt gid = id(values, Opt.TAP_GID, "group");
        return uid.isEmpty() && gid.isEmpty() ? Optional.empty() : Optional.of(new TapOwner(uid, gid));
    }

    /** A uid or gid: a number from 0 up (the kernel's (uid_t)-1 means none). */
    private static OptionalInt id(String[] values, Opt opt, String what) throws UsageException {
        String value = values[opt.ordinal()];
        if (value == null) return OptionalInt.empty();
        try {
            if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return OptionalInt.of(Integer.parseInt(value));
            }
        } catch (NumberFormatException e) {
            // too large: below
        }
        throw new UsageException(opt.flag + ": invalid value " + Json.quote(value) + "; expected a " + what
                + " id, a number from 0 to " + Integer.MAX_VALUE);
    }

    private static FirecrackerNetwork fromFlags(String[] values, String subcommand) throws UsageException {
        if (subcommand == null) throw new UsageException("a subcommand is required: simple or namespaced");
        FirecrackerNetwork.Builder b = FirecrackerNetwork.builder();
        b.nftPath(values[Opt.NFT_PATH.ordinal()]);
        String stack = values[Opt.IP_STACK.ordinal()];
        if (stack != null) {
            // Any case: fcnet-cli's clap takes v4, the JSON form and the library's enum say V4.
            b.ipStack(switch (stack.toLowerCase(Locale.ROOT)) {
                case "v4" -> FirecrackerIpStack.V4;
                case "v6" -> FirecrackerIpStack.V6;
                case "dual" -> FirecrackerIpStack.Dual;
                default -> throw new UsageException("--ip-stack: invalid value " + Json.quote(stack)
                        + "; expected v4, v6 or dual (in any case)");
            });
        }
        if (values[Opt.GUEST_IP.ordinal()] != null) b.guestIp(cidr(values, Opt.GUEST_IP));
        if (values[Opt.IFACE.ordinal()] != null) b.ifaceName(values[Opt.IFACE.ordinal()]);
        if (values[Opt.TAP.ordinal()] != null) b.tapName(values[Opt.TAP.ordinal()]);
        if (values[Opt.TAP_IP.ordinal()] != null) b.tapIp(cidr(values, Opt.TAP_IP));
        try {
            if (subcommand.equals("namespaced")) {
                Namespaced.Builder ns = Namespaced.builder();
                if (values[Opt.NETNS.ordinal()] != null) ns.netnsName(values[Opt.NETNS.ordinal()]);
                if (values[Opt.VETH1.ordinal()] != null) ns.veth1Name(values[Opt.VETH1.ordinal()]);
                if (values[Opt.VETH2.ordinal()] != null) ns.veth2Name(values[Opt.VETH2.ordinal()]);
                if (values[Opt.VETH1_IP.ordinal()] != null) ns.veth1Ip(cidr(values, Opt.VETH1_IP));
                if (values[Opt.VETH2_IP.ordinal()] != null) ns.veth2Ip(cidr(values, Opt.VETH2_IP));
                String forwarded = values[Opt.FORWARDED_GUEST_IP.ordinal()];
                if (forwarded != null) {
                    try {
                        ns.forwardedGuestIp(IpInet.parseAddress(forwarded));
                    } catch (InvalidNetworkException e) {
                        throw new UsageException(Opt.FORWARDED_GUEST_IP.flag + ": " + e.getMessage());
                    }
                }
                b.networkType(ns.build());
            }
            return b.build();
        } catch (InvalidNetworkException e) {
            throw new UsageException(flagsForFields(e.getMessage()));
        }
    }

    /** The network's JSON field names, which the library's messages use, and the flags that set them. */
    private static final Map<String, Opt> FIELD_FLAGS = Map.ofEntries(Map.entry("ip_stack", Opt.IP_STACK),
            Map.entry("iface_name", Opt.IFACE), Map.entry("tap_name", Opt.TAP), Map.entry("tap_ip", Opt.TAP_IP),
            Map.entry("guest_ip", Opt.GUEST_IP), Map.entry("netns_name", Opt.NETNS), Map.entry("veth1_name", Opt.VETH1),
            Map.entry("veth2_name", Opt.VETH2), Map.entry("veth1_ip", Opt.VETH1_IP),
            Map.entry("veth2_ip", Opt.VETH2_IP), Map.entry("forwarded_guest_ip", Opt.FORWARDED_GUEST_IP));

    /**
     * A message about a network built from flags, with every field name it mentions replaced by
     * the flag the user typed ({@code tap_name "t%d" contains '%'...} becomes {@code --tap "t%d"
     * contains '%'...}). Only runs for an unusable command line.
     */
    static String flagsForFields(String message) {
        // Quoted values (JSON string literals) are skipped: a tap may be named "tap_ip".
        Matcher m = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|\\b[a-z0-9]+(?:_[a-z0-9]+)+\\b").matcher(message);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            Opt opt = FIELD_FLAGS.get(m.group());
            m.appendReplacement(sb, Matcher.quoteReplacement(opt == null ? m.group() : opt.flag));
        }
        return m.appendTail(sb).toString();
    }

    private static IpInet cidr(String[] values, Opt opt) throws UsageException {
        try {
            return IpInet.parse(values[opt.ordinal()]);
        } catch (InvalidNetworkException e) {
            throw new UsageException(opt.flag + ": " + e.getMessage());
        }
    }

    private static FirecrackerNetwork fromJson(String[] values, String subcommand, InputStream stdin)
            throws UsageException {
        for (Opt o : Opt.values()) {
            if (o != Opt.JSON && o != Opt.TAP_UID && o != Opt.TAP_GID && o != Opt.OUTPUT && o != Opt.RULESET
                    && values[o.ordinal()] != null) {
                throw new UsageException("--json replaces the network flags; " + o.flag + " cannot be combined with it");
            }
        }
        if (subcommand != null) {
            throw new UsageException("--json replaces the subcommand; " + subcommand + " cannot be combined with it");
        }
        String file = values[Opt.JSON.ordinal()];
        String source = file.equals("-") ? "stdin" : file;
        byte[] bytes;
        try (InputStream in = file.equals("-") ? null : Files.newInputStream(Path.of(file))) {
            bytes = (in == null ? stdin : in).readNBytes(MAX_JSON_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new UsageException("--json " + source + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UsageException("--json " + source + ": permission denied");
        } catch (IOException | InvalidPathException e) {
            throw new UsageException("--json " + source + ": cannot read: " + e.getMessage());
        }
        if (bytes.length > MAX_JSON_BYTES) {
            throw new UsageException("--json " + source + ": larger than " + MAX_JSON_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UsageException("--json " + source + ": not valid UTF-8");
        }
        try {
            return FirecrackerNetwork.fromJson(text);
        } catch (InvalidNetworkException e) {
            throw new UsageException("--json " + source + ": " + e.getMessage());
        }
    }
}
