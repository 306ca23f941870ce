package dev.fcnet.bench;

import dev.fcnet.engine.RulesetKind;
import java.util.Set;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The {@code ruleset} parameter of {@link SimpleBench}, {@link NamespacedBench} and {@link FleetBench}:
 * {@code fcnet} (DESIGN §3) or {@code sets} (§3b, issue 15). The sets ruleset is the engine's alone, so with it
 * only the engine's Add and Delete (the fleet's engine, threads and daemon) and the kernel floor of
 * the same layout run; JMH has no way to leave a parameter combination out, so a trial refuses the
 * ones not measured, before any set-up.
 */
final class RulesetParam {
    /** The benchmarks that run with the sets ruleset. */
    private static final Set<String> WITH_SETS = Set.of("addOurs", "addSustainedOurs", "addBulkOurs", "addSingleFloor", "deleteOurs", "deleteSustainedOurs", "addFloor", "addSerialFloor", "deleteFloor",
            "deleteSerialFloor", "deleteSerialEachFloor",
            // FleetBench's floor makes no nftables rules, so it is the same for both; fcnetWay makes §3's rules.
            "engine", "threads", "daemon", "daemonPipelined", "paired");

    private RulesetParam() {}

    /**
     * Whether {@code ruleset} is the sets ruleset; throws for a combination that is not measured:
     * a benchmark without sets support, or a {@code present} count of the other ruleset only.
     */
    static boolean sets(String ruleset, BenchmarkParams params, int present, Set<Integer> setsOnly, Set<Integer> fcnetOnly) {
        String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        boolean sets = isSets(ruleset);
        if (sets && !WITH_SETS.contains(method)) throw new IllegalStateException("not measured: " + method + " with the sets ruleset");
        if (sets ? fcnetOnly.contains(present) : setsOnly.contains(present)) {
            throw new IllegalStateException("not measured: " + present + " present with the " + ruleset + " ruleset (DESIGN §7)");
        }
        return sets;
    }

    /** Whether {@code ruleset} names the sets ruleset; throws for anything but fcnet or sets. */
    static boolean isSets(String ruleset) {
        return switch (ruleset) {
            case "fcnet" -> false;
            case "sets" -> true;
            default -> throw new IllegalArgumentException("ruleset: fcnet or sets, not " + ruleset);
        };
    }

    static RulesetKind kind(boolean sets) {
        return sets ? RulesetKind.SETS : RulesetKind.FCNET;
    }
}
