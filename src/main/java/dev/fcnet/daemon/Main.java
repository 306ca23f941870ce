package dev.fcnet.daemon;

import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.engine.ForeignObjects;
import dev.fcnet.engine.ForwardingPolicy;
import dev.fcnet.engine.RulesetKind;
import dev.fcnet.protocol.LineReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serial;
import java.lang.management.ManagementFactory;
import java.lang.System.Logger.Level;
import java.nio.file.AccessDeniedException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@code bin/fcnetd}: serves fcnet over a Unix socket with fcnetd's protocol and options (see
 * {@link FcnetdServer}). Runs until SIGTERM or SIGINT, then removes its socket, lets running
 * requests finish and exits.
 */
public final class Main {
    private Main() {}

    /** java.util.logging's SimpleFormatter format, as {@link ConsoleLogger} writes lines. */
    static final String LOG_FORMAT = "%1$tF %1$tT.%1$tL %4$s %3$s: %5$s%6$s%n";
    private static final String JUL_FORMAT = "java.util.logging.SimpleFormatter.format";
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** The most connections served at once by default, unless a quarter of the fd limit is fewer. */
    static final int MAX_CONNECTIONS = 256;

    /** A command line that cannot be run; the message is one line for stderr. */
    static final class UsageException extends Exception {
        @Serial
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** What the command line asks for: serve, or print help or version. */
    sealed interface Command {}

    record Serve(Path socket, OptionalInt uid, OptionalInt gid, Optional<String> password, boolean allowForeign,
            Duration idleTimeout, Level logLevel, int maxConnections, boolean enableForwarding, RulesetKind ruleset,
            int pool) implements Command {
        /** Without a clone pool. */
        Serve(Path socket, OptionalInt uid, OptionalInt gid, Optional<String> password, boolean allowForeign,
                Duration idleTimeout, Level logLevel, int maxConnections, boolean enableForwarding, RulesetKind ruleset) {
            this(socket, uid, gid, password, allowForeign, idleTimeout, logLevel, maxConnections, enableForwarding, ruleset,
                    0);
        }
    }

    record Help() implements Command {}

    record Version() implements Command {}

    public static void main(String[] args) {
        Command command;
        try {
            command = parse(args);
        } catch (UsageException e) {
            System.err.println("fcnetd: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (command instanceof Help) {
            System.out.print(HELP);
        } else if (command instanceof Version) {
            System.out.println("fcnetd " + version());
        } else if (serve((Serve) command, System.err) != 0) {
            System.exit(1);
        }
    }

    /**
     * The module version the build recorded, as {@code fcnet --version} prints it; on the class
     * path (no module) there is none. Read here rather than from the CLI: the front ends do not
     * depend on each other.
     */
    static String version() {
        Module module = Main.class.getModule();
        if (module.isNamed() && module.getDescriptor().rawVersion().isPresent()) {
            return module.getDescriptor().rawVersion().get();
        }
        return "(version unknown: not run as module dev.fcnet)";
    }

    /** Serves until shutdown; returns 1 (having said why on {@code err}) when it cannot start. */
    static int serve(Serve s, PrintStream err) {
        // The engine logs through the JDK's System.Logger (java.util.logging): one line per record as
        // well, unless the user chose a format. Read when its first record is formatted.
        if (System.getProperty(JUL_FORMAT) == null) System.setProperty(JUL_FORMAT, LOG_FORMAT);
        // Written by a thread of its own: a request's log line never waits for stderr.
        ConsoleLogger log = ConsoleLogger.queued("dev.fcnet.daemon", s.logLevel(), err, ConsoleLogger.QUEUE);
        // The socket first: a second daemon on the path fails here without touching the kernel.
        SocketFile socket;
        try {
            socket = SocketFile.bind(s.socket(), s.uid(), s.gid());
        } catch (IOException e) {
            err.println("fcnetd: cannot listen on " + s.socket() + ": " + describe(e));
            log.close();
            return 1;
        }
        FcnetEngine engine;
        try {
            engine = FcnetEngine.open(EngineOptions.defaults()
                    .withForeignObjects(s.allowForeign() ? ForeignObjects.ALLOW : ForeignObjects.REFUSE)
                    .withForwarding(s.enableForwarding() ? ForwardingPolicy.ENABLE : ForwardingPolicy.WARN)
                    .withRuleset(s.ruleset())
                    .withPool(s.pool()));
        } catch (FcnetException e) {
            err.println("fcnetd: " + e.getMessage());
            try {
                socket.unbind();
            } catch (IOException x) {
                err.println("fcnetd: " + describe(x));
            }
            log.close();
            return 1;
        }
        engine.poolReady().thenAccept(n -> log.log(Level.INFO, "clone pool ready: " + n + " slots"));
        FcnetdServer server = new FcnetdServer(socket.channel(), new EngineService(engine), s.password(), s.idleTimeout(),
                s.maxConnections(), log);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                log.log(Level.INFO, "shutting down: " + (socket.unbind() ? "removed " + socket.path()
                        : socket.path() + " is no longer this daemon's socket; left it") + "; letting running requests finish");
                server.close();
            } catch (IOException e) {
                log.log(Level.WARNING, "shutdown: " + e.getMessage());
            } finally {
                engine.close();
                log.close();
            }
        }, "fcnetd-shutdown"));
        log.log(Level.INFO, "listening on " + socket.path() + " (mode " + (s.gid().isPresent() ? "0660" : "0600")
                + owner(s) + (s.password().isPresent() ? ", password required" : "")
                + (s.allowForeign() ? ", may delete links and namespaces fcnet did not create" : "")
                + (s.enableForwarding() ? ", enables forwarding" : "")
                + (s.ruleset() == RulesetKind.SETS ? ", sets ruleset" : "")
                + (s.pool() > 0 ? ", clone pool of " + s.pool() : "") + ", at most " + s.maxConnections()
                + " connections)");
        try {
            server.serve();
        } catch (IOException e) {
            err.println("fcnetd: " + e.getMessage());
            log.close();
            return 1;
        }
        return 0;
    }

    /** The JDK's file exceptions often say only which file; say what happened to it too. */
    static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() == null) {
            String what = e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof NoSuchFileException ? "no such file or directory"
                    : e.getClass().getSimpleName();
            return f.getFile() + ": " + what;
        }
        return e.getMessage();
    }

    private static String owner(Serve s) {
        return (s.uid().isPresent() ? ", uid " + Integer.toUnsignedString(s.uid().getAsInt()) : "")
                + (s.gid().isPresent() ? ", gid " + Integer.toUnsignedString(s.gid().getAsInt()) : "");
    }

    /** Options as fcnetd's (clap): a value is the next argument or follows {@code =}; each at most once. */
    static Command parse(String[] args) throws UsageException {
        OptionalInt uid = OptionalInt.empty();
        OptionalInt gid = OptionalInt.empty();
        Optional<String> password = Optional.empty();
        String passwordFile = null;
        boolean allowForeign = false;
        boolean enableForwarding = false;
        int maxConnections = 0;
        int pool = -1;
        Duration idleTimeout = null;
        Level logLevel = null;
        boolean threads = false;
        RulesetKind ruleset = null;
        String socket = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) return new Help();
            if (arg.equals("-V") || arg.equals("--version")) return new Version();
            if (arg.equals("--allow-foreign")) {
                if (allowForeign) throw new UsageException("--allow-foreign is given twice");
                allowForeign = true;
                continue;
            }
            if (arg.equals("--enable-forwarding")) {
                if (enableForwarding) throw new UsageException("--enable-forwarding is given twice");
                enableForwarding = true;
                continue;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                if (socket != null) throw new UsageException("unexpected argument " + arg + ": the socket is " + socket);
                socket = arg;
                continue;
            }
            int eq = arg.startsWith("--") ? arg.indexOf('=') : -1;
            String flag = eq < 0 ? arg : arg.substring(0, eq);
            String name = switch (flag) {
                case "-U", "--uid" -> "--uid";
                case "-G", "--gid" -> "--gid";
                case "-p", "--password" -> "--password";
                case "--password-file" -> "--password-file";
                case "--max-connections" -> "--max-connections";
                case "-t", "--threads" -> "--threads";
                case "-L", "--log-level" -> "--log-level";
                case "--idle-timeout" -> "--idle-timeout";
                case "--ruleset" -> "--ruleset";
                case "--pool" -> "--pool";
                default -> throw new UsageException("unknown option " + flag);
            };
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new UsageException(name + " needs a value");
            }
            boolean twice = switch (name) {
                case "--uid" -> uid.isPresent();
                case "--gid" -> gid.isPresent();
                case "--password" -> password.isPresent();
                case "--password-file" -> passwordFile != null;
                case "--max-connections" -> maxConnections != 0;
                case "--pool" -> pool >= 0;
                case "--threads" -> threads;
                case "--log-level" -> logLevel != null;
                case "--ruleset" -> ruleset != null;
                default -> idleTimeout != null;
            };
            if (twice) throw new UsageException(name + " is given twice");
            switch (name) {
                case "--uid" -> uid = OptionalInt.of((int) number(name, value, 0, 0xFFFF_FFFEL));
                case "--gid" -> gid = OptionalInt.of((int) number(name, value, 0, 0xFFFF_FFFEL));
                case "--password" -> password = Optional.of(password("--password", value));
                case "--password-file" -> passwordFile = value;
                case "--max-connections" -> maxConnections = (int) number(name, value, 1, 1_000_000);
                case "--threads" -> {
                    number(name, value, 1, Integer.MAX_VALUE);
                    threads = true;
                }
                case "--log-level" -> logLevel = logLevel(value);
                case "--ruleset" -> ruleset = switch (value) {
                    case "fcnet" -> RulesetKind.FCNET;
                    case "sets" -> RulesetKind.SETS;
                    default -> throw new UsageException("--ruleset: invalid value \"" + value + "\"; expected fcnet or sets");
                };
                case "--pool" -> pool = (int) number(name, value, 0, 100_000);
                default -> idleTimeout = Duration.ofSeconds(number(name, value, 1, 86_400));
            }
        }
        if (passwordFile != null) {
            if (password.isPresent()) throw new UsageException("--password and --password-file are both given; use one");
            password = Optional.of(passwordFromFile(passwordFile));
        }
        if (socket == null) throw new UsageException("the socket path is required, as in: fcnetd [OPTIONS] /run/fcnetd.sock");
        Path path;
        try {
            path = Path.of(socket);
        } catch (InvalidPathException e) {
            throw new UsageException("invalid socket path " + socket + ": " + e.getReason());
        }
        return new Serve(path, uid, gid, password, allowForeign,
                idleTimeout == null ? DEFAULT_IDLE_TIMEOUT : idleTimeout, logLevel == null ? Level.INFO : logLevel,
                maxConnections == 0 ? defaultMaxConnections() : maxConnections, enableForwarding,
                ruleset == null ? RulesetKind.FCNET : ruleset, Math.max(0, pool));
    }

    /** {@link #MAX_CONNECTIONS}, or a quarter of the fd limit if fewer: the engine needs fds too. */
    static int defaultMaxConnections() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            return (int) Math.max(1, Math.min(MAX_CONNECTIONS, os.getMaxFileDescriptorCount() / 4));
        }
        return MAX_CONNECTIONS;
    }

    /**
     * The first line of the file (its line break dropped), which must not be readable by every user:
     * unlike --password, it does not show in /proc/PID/cmdline.
     */
    private static String passwordFromFile(String file) throws UsageException {
        String flag = "--password-file";
        Path path;
        byte[] bytes;
        try {
            path = Path.of(file);
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            if ((mode & 0004) != 0) {
                throw new UsageException(flag + ": " + file + " is readable by every user (mode "
                        + String.format("%04o", mode & 07777) + "); make it private, e.g. chmod 600 " + file);
            }
            bytes = Files.readAllBytes(path);
        } catch (InvalidPathException e) {
            throw new UsageException(flag + ": invalid path " + file + ": " + e.getReason());
        } catch (IOException e) {
            throw new UsageException(flag + ": cannot read " + file + ": " + describe(e));
        }
        String text;
        try {
            text = LineReader.decode(bytes);
        } catch (CharacterCodingException e) {
            throw new UsageException(flag + ": " + file + " is not UTF-8 text");
        }
        int end = text.indexOf('\n');
        String line = end < 0 ? text : text.substring(0, end);
        if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
        return password(flag, line);
    }

    /** A decimal number in [min, max]; a uid or gid goes up to 4294967294 ((uid_t) -1 tells chown "unchanged"). */
    private static long number(String flag, String value, long min, long max) throws UsageException {
        boolean digits = !value.isEmpty() && value.length() <= 18 && value.chars().allMatch(c -> c >= '0' && c <= '9');
        long n = digits ? Long.parseLong(value) : -1;
        if (n < min || n > max) {
            throw new UsageException(flag + ": invalid value \"" + value + "\"; expected a number from " + min + " to " + max);
        }
        return n;
    }

    private static String password(String flag, String value) throws UsageException {
        // The first line a client sends is compared with it, so it cannot hold a line break or be empty.
        if (value.isEmpty()) throw new UsageException(flag + ": the password is empty");
        if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
            throw new UsageException(flag + ": the password contains a line break; it must be a single line");
        }
        return value;
    }

    /** fcnetd's levels. */
    private static Level logLevel(String value) throws UsageException {
        return switch (value) {
            case "trace" -> Level.TRACE;
            case "debug" -> Level.DEBUG;
            case "info" -> Level.INFO;
            case "warn" -> Level.WARNING;
            case "error" -> Level.ERROR;
            default -> throw new UsageException("--log-level: invalid value \"" + value
                    + "\"; expected trace, debug, info, warn or error");
        };
    }

    static final String HELP = """
            fcnetd: serves fcnet (create, check, delete microVM host networking) over a Unix socket
            (option- and protocol-compatible with fcnetd; talks netlink directly, runs no ip or nft process)

            Usage: fcnetd [OPTIONS] <SOCKET_PATH>

            Protocol: if a password is set, a client's first line must equal it (else the connection is
            closed); then each line is one JSON request {"operation":"Add"|"Check"|"Delete","network":{...}}
            answered by one line: OK, or the reason it failed. Check answers OK only for a complete network.
            Requests may be pipelined; answers come in request order. An Add may carry
            "tap_owner":{"uid":U,"gid":G}: who may open the tap (root only; a client that is not root
            always gets a tap owned by its own uid and gid). A client that is not root may check and
            delete only the networks its uid added.

            Options:
              -U, --uid <UID>            The user to own the socket (mode 0600), for non-root clients
              -G, --gid <GID>            The group to own the socket; makes it mode 0660 for the group's members
              -p, --password <PASSWORD>  A single-line password every connection must send first. Every user
                                         can read it in /proc/PID/cmdline: prefer --password-file
                  --password-file <FILE> Read the password from the first line of FILE, which must not be
                                         readable by every user
                  --allow-foreign        Let Delete remove links and namespaces that fcnet for the JVM did not
                                         create (e.g. networks made by Rust fcnet); without it a client cannot
                                         delete, say, eth0 by naming it as a tap
                  --enable-forwarding    Let Add turn on the IP forwarding a network needs on the host
                                         (without it, Add and Check only warn in the log when it is off)
                  --pool <N>             Keep N namespaced networks' netns, veth pair and tap made ahead (a clone
                                         pool): an Add takes one, a Delete returns an IPv4 one; logs "clone pool
                                         ready" when first full [default: 0, none]
                  --max-connections <N>  Serve at most N connections at once; others get one error line
                                         [default: 256, or a quarter of the open-file limit if fewer]
                  --idle-timeout <SECS>  Disconnect a client that sends no complete line for this long
                                         [default: 300]
                  --ruleset <RULESET>    fcnet: each network gets host rules of its own; sets: its elements of
                                         named sets that two fixed rules match, so that Add and Delete cost
                                         the same with thousands of networks on the host [default: fcnet]
              -L, --log-level <LEVEL>    trace, debug, info, warn or error [default: info]; logs go to stderr
              -t, --threads <N>          Accepted for compatibility and ignored: each connection has its own
                                         virtual thread
              -h, --help                 Print this help
              -V, --version              Print the version

            The socket is never accessible to others: it is created mode 0600 (0660 with --gid) in a private
            directory and renamed into place, replacing a stale socket file; SIGTERM or SIGINT removes it and
            lets running requests finish. Its directory, and those above it, must be writable only by root
            and the --uid/--gid (so not /tmp itself). One daemon per socket: each holds the lock
            <SOCKET_PATH>.lock while it runs.
            """;
}
