package dev.fcnet.cli;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.IpInet;
import dev.fcnet.cli.CommandLine.Command;
import dev.fcnet.cli.CommandLine.ListNetworks;
import dev.fcnet.cli.CommandLine.Perform;
import dev.fcnet.cli.CommandLine.PrintBootArg;
import dev.fcnet.cli.CommandLine.UsageException;
import dev.fcnet.engine.AddOptions;
import dev.fcnet.engine.CheckReport;
import dev.fcnet.engine.DeleteMode;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.ForwardingPolicy;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.engine.ListedNetwork;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bin/fcnet}: the fcnet-cli compatible front end. Exit status: 0 on success; 1 when Check
 * found objects missing or different; 2 with one line {@code fcnet: <reason>} on stderr for a
 * command line or network that cannot be used (nothing is touched then); 3 with one such line
 * when the operation failed.
 */
public final class Main {
    private Main() {}

    /** The guest interface the printed boot argument names, as fcnet-cli users expect. */
    static final String GUEST_IFACE = "eth0";

    static final int EXIT_NOT_CLEAN = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_FAILED = 3;

    public static void main(String[] args) {
        int code = run(args, System.in, System.out, System.err, EngineOptions.defaults());
        System.out.flush();
        // Only for failures: since JDK 21 System.exit sets up logging (for Runtime.exit events),
        // which costs about 20 ms, a fifth of this command's run time.
        if (code != 0) System.exit(code);
    }

    /**
     * Runs one command line; returns the exit code.
     *
     * @param options the engine's options: tests name a scratch netns as the host
     */
    static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err, EngineOptions options) {
        Command command;
        try {
            command = CommandLine.parse(args, stdin);
        } catch (UsageException e) {
            err.println(CommandLine.wantsJson(args) ? usageJson(e.getMessage()) : "fcnet: " + e.getMessage());
            return EXIT_USAGE;
        }
        // instanceof rather than a pattern switch: a type switch costs a bootstrap at JVM start.
        if (command instanceof Perform p) {
            EngineOptions chosen = (p.enableForwarding() ? options.withForwarding(ForwardingPolicy.ENABLE) : options)
                    .withRuleset(p.ruleset());
            AddOptions addOptions = p.tapOwner().map(AddOptions.DEFAULT::withTapOwner).orElse(AddOptions.DEFAULT);
            return perform(p.network(), p.operation(), p.idempotent() ? DeleteMode.IDEMPOTENT : DeleteMode.STRICT,
                    addOptions, chosen, p.json(), out, err);
        }
        if (command instanceof ListNetworks l) return list(options, l.json(), out, err);
        if (command instanceof PrintBootArg b) {
            if (b.network().guestIp().isV6()) {
                // Printed all the same: it is what fcnet-types makes, and a caller may parse it otherwise.
                err.println("fcnet: warning: the kernel's ip= boot parameter is IPv4-only; a guest kernel cannot configure "
                        + IpInet.formatAddress(b.network().guestIp().address()) + " from it");
            }
            out.println(b.network().guestIpBootArg(GUEST_IFACE));
        } else if (command instanceof CommandLine.Help) {
            out.print(HELP);
        } else if (command instanceof CommandLine.Completion) {
            out.print(BASH_COMPLETION);
        } else {
            out.println("fcnet " + version());
        }
        return 0;
    }

    /**
     * Carries out the operation: Add and Delete print nothing but warnings (on stderr); Check
     * prints its report, every object on its own line.
     */
    static int perform(FirecrackerNetwork network, FirecrackerNetworkOperation operation, DeleteMode deleteMode,
                       AddOptions addOptions, EngineOptions options, boolean json, PrintStream out, PrintStream err) {
        try (FcnetEngine engine = FcnetEngine.open(options)) {
            if (operation == FirecrackerNetworkOperation.Check) {
                CheckReport report = engine.check(network, addOptions);
                if (json) {
                    out.println(report.toJson()); // its warnings are WARNING items
                } else {
                    out.println(report);
                    for (String warning : report.warnings()) err.println("fcnet: warning: " + warning);
                }
                return report.isClean() ? 0 : EXIT_NOT_CLEAN;
            }
            if (operation == FirecrackerNetworkOperation.Add) {
                List<String> warnings = engine.add(network, addOptions).warnings();
                if (json) {
                    out.println(Json.write(new JsonObject(Map.of("warnings",
                            new JsonArray(warnings.stream().<JsonValue>map(JsonString::new).toList())))));
                    return 0;
                }
                for (String warning : warnings) err.println("fcnet: warning: " + warning);
                if (!warnings.isEmpty() && options.forwarding() != ForwardingPolicy.ENABLE) {
                    err.println("fcnet: warning: to forward the guest's traffic, turn on IPv4 forwarding for all devices"
                            + " (sysctl -w net.ipv4.ip_forward=1) or for the devices named (net.ipv4.conf.DEVICE.forwarding=1;"
                            + " for IPv6 net.ipv6.conf.all.forwarding=1), or add with --enable-forwarding");
                }
            } else {
                engine.delete(network, deleteMode);
            }
            return 0;
        } catch (FcnetException e) {
            err.println(json ? e.toJson() : "fcnet: " + reason(e));
            return EXIT_FAILED;
        }
    }

    /** A command line that cannot be run, for --output json: {@code {"kind":"INVALID","message":"..."}}. */
    static String usageJson(String message) {
        Map<String, JsonValue> o = new LinkedHashMap<>();
        o.put("kind", new JsonString("INVALID"));
        o.put("message", new JsonString(message));
        return Json.write(new JsonObject(o));
    }

    /** {@code --list}: every network the engine made on this host, a block of lines each (or one JSON array). */
    static int list(EngineOptions options, boolean json, PrintStream out, PrintStream err) {
        try (FcnetEngine engine = FcnetEngine.open(options)) {
            List<ListedNetwork> networks = engine.list();
            if (json) {
                out.println(ListedNetwork.toJson(networks));
            } else if (networks.isEmpty()) {
                out.println("no networks made by fcnet on this host");
            } else {
                networks.forEach(out::println);
            }
            return 0;
        } catch (FcnetException e) {
            err.println(json ? e.toJson() : "fcnet: " + reason(e));
            return EXIT_FAILED;
        }
    }

    /** The failure's message, in the CLI's terms: flags rather than library options, and what a refusal of privileges means. */
    static String reason(FcnetException e) {
        String message = e.getMessage();
        boolean denied = e.kind() == FcnetException.Kind.PERMISSION;
        // Files under /run/netns are refused by the file system, which raises no errno of its own here.
        for (Throwable t = e.getCause(); t != null && !denied; t = t.getCause()) {
            if (t instanceof AccessDeniedException) {
                message += " (permission denied)";
                denied = true;
            }
        }
        if (denied) message += "; fcnet needs root or CAP_NET_ADMIN (and CAP_SYS_ADMIN for namespaced networks)";
        return message;
    }

    /** The module version the build recorded; on the class path (no module) there is none. */
    static String version() {
        Module module = Main.class.getModule();
        if (module.isNamed() && module.getDescriptor().rawVersion().isPresent()) {
            return module.getDescriptor().rawVersion().get();
        }
        return "(version unknown: not run as module dev.fcnet)";
    }

    static final String HELP = """
            fcnet: create, check or delete the host networking of a Firecracker microVM
            (flag-compatible with fcnet-cli; talks netlink directly, runs no ip or nft process)

            Usage: fcnet [OPTIONS] <-A|--add|-D|--del|-C|--check> simple
                   fcnet [OPTIONS] <-A|--add|-D|--del|-C|--check> namespaced [NAMESPACED OPTIONS]
                   fcnet --json <FILE> <-A|--add|-D|--del|-C|--check>
                   fcnet [OPTIONS] --boot-arg <simple|namespaced [NAMESPACED OPTIONS]>
                   fcnet --list [--output json]

            Subcommands:
              simple      The tap in the host netns
              namespaced  The tap in a netns of its own, joined to the host by a veth pair

            Options (before the subcommand):
                  --nft-path <PATH>    Accepted for compatibility and ignored (no nft process is run)
                  --ip-stack <STACK>   v4, v6 or dual, in any case [default: v4]
                  --guest-ip <CIDR>    The guest's address [default: 172.16.0.2/24]
                  --iface <NAME>       The host interface with the real connectivity [default: eth0]
                  --tap <NAME>         The tap device [default: tap0]
                  --tap-ip <CIDR>      The tap's address, the guest's gateway [default: 172.16.0.1/24]
                  --tap-uid <UID>      With -A: let user UID open the tap (a jailed VMM's user); with -C:
                                       expect that owner [by default only root may open the tap]
                  --tap-gid <GID>      Likewise for the members of group GID
              -A, --add                Add the network
              -D, --del                Delete the network
              -C, --check              Check the network
                  --enable-forwarding  With -A: turn on the host forwarding the guest's traffic needs
                                       (by default Add only warns that it is off)
                  --idempotent         With -D: remove whatever part of the network exists, and
                                       succeed when nothing does (clean-up after a crash)
                  --json <FILE>        Read the network as fcnet-types JSON from FILE (- for stdin)
                                       instead of the options above and the subcommand
                  --boot-arg           Only print the guest's ip= kernel boot argument (for eth0);
                                       performs no operation. The kernel's ip= is IPv4-only
                  --list               List every network fcnet made on this host, from the kernel's marks:
                                       its parts, whether it is complete, its settings when known
                  --output <FORMAT>    text or json: the Check report, the listing, Add's warnings and
                                       failures (kind, step, object, errno) as one JSON line [default: text]
                  --ruleset <RULESET>  fcnet: the network's own host rules; sets: its elements of named sets
                                       matched by two fixed rules, for hosts with thousands of networks. Check
                                       and Delete of sets also take networks added with fcnet [default: fcnet]
                  --completion bash    Print a bash completion script, e.g.
                                       source <(fcnet --completion bash)
              -h, --help               Print this help
              -V, --version            Print the version

            Namespaced options (after namespaced):
                  --netns <NAME>             The netns [default: fcnet]
                  --veth1 <NAME>             The veth end in the host netns [default: veth1]
                  --veth2 <NAME>             The veth end in the netns [default: veth0]
                  --veth1-ip <CIDR>          The address of veth1 [default: 10.0.0.1/24]
                  --veth2-ip <CIDR>          The address of veth2 [default: 10.0.0.2/24]
                  --forwarded-guest-ip <IP>  An address routed from the host to the guest

            Add and Delete print nothing on success; Check prints every object of the network as present,
            missing or different.

            Exit status: 0 on success (for Check: the network is complete); 1 when Check found objects
            missing or different; 2 for an unusable command line or network; 3 when the operation failed.
            Reasons go to stderr, one line starting "fcnet: ".
            """;

    /**
     * {@code --completion bash}: completes the options, the subcommands, the values of
     * {@code --ip-stack} and file names for {@code --json}; after {@code namespaced}, its options.
     */
    static final String BASH_COMPLETION = """
            # bash completion for fcnet; load it with: source <(bin/fcnet --completion bash)
            _fcnet() {
                local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} word sub=
                case $prev in
                    --ip-stack) COMPREPLY=($(compgen -W "v4 v6 dual" -- "$cur")); return ;;
                    --json|--nft-path) COMPREPLY=($(compgen -f -- "$cur")); return ;;
                    --completion) COMPREPLY=($(compgen -W "bash" -- "$cur")); return ;;
                    --output) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
                    --ruleset) COMPREPLY=($(compgen -W "fcnet sets" -- "$cur")); return ;;
                    --guest-ip|--iface|--tap|--tap-ip|--netns|--veth1|--veth2|--veth1-ip|--veth2-ip|--forwarded-guest-ip)
                        return ;;
                esac
                for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
                    case $word in simple|namespaced) sub=$word ;; esac
                done
                case $sub in
                    namespaced) COMPREPLY=($(compgen -W "--netns --veth1 --veth2 --veth1-ip --veth2-ip
                        --forwarded-guest-ip" -- "$cur")) ;;
                    simple) ;;
                    *) COMPREPLY=($(compgen -W "-A --add -D --del -C --check --nft-path --ip-stack --guest-ip --iface
                        --tap --tap-ip --tap-uid --tap-gid --enable-forwarding --idempotent --json --boot-arg --list
                        --output --ruleset --completion -h --help
                        -V --version simple namespaced" -- "$cur")) ;;
                esac
            }
            complete -F _fcnet fcnet
            """;
}
