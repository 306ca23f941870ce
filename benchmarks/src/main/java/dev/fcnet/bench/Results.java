package dev.fcnet.bench;

import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonNumber;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Turns JMH's JSON results into RESULTS.md (machine, JDK, date, command; mean ± error per
 * operation, allocation, ratios to the baselines of the same run, the issue's goals) and the
 * latency chart. Usage: {@code Results JMH_JSON RESULTS_MD CHART_SVG COMMAND}.
 */
public final class Results {
    /** The four ways, in table and chart order. */
    static final List<String> WAYS = List.of("Shell", "Fcnet", "Floor", "Ours");
    static final Map<String, String> WAY_NAMES = Map.of("Shell", "shell way", "Fcnet", "fcnet's way", "Floor",
            "kernel floor", "Ours", "ours (engine)");
    static final List<String> OPS = List.of("add", "delete", "check");
    /**
     * The sustained Delete (benchmarks' deleteSustainedOurs: back-to-back Deletes and the
     * destruction behind them); its other ways are the Delete's, whose floor is batched already.
     */
    static final String SUSTAINED = "deleteSustained";
    static final List<String> TABLE_OPS = List.of("add", "delete", SUSTAINED, "check");
    /**
     * Suffix of a type's results with the sets ruleset (benchmarks' {@code ruleset=sets}), e.g.
     * "SimpleBench:sets.addOurs"; those of the fcnet ruleset keep the plain type.
     */
    static final String SETS = ":sets";
    static final List<String> TYPES = List.of("SimpleBench", "NamespacedBench");
    static final Map<String, String> TYPE_NAMES = Map.of("SimpleBench", "Simple V4", "NamespacedBench", "Namespaced V4",
            "SimpleBench" + SETS, "Simple V4, sets ruleset", "NamespacedBench" + SETS, "Namespaced V4, sets ruleset");
    /** Each type's table: the fcnet ruleset's, then the sets ruleset's. */
    static final List<String> TABLE_TYPES = List.of("SimpleBench", "NamespacedBench", "SimpleBench" + SETS, "NamespacedBench" + SETS);

    /** One benchmark result: mean and error in ms (or the codec's own unit), and its allocation figures. */
    record Score(double mean, double error, String unit, Optional<Double> gcBytesPerOp, Optional<Double> timedBytesPerOp) {}

    /** Results by "Type.method" then networks present (-1 for unparameterised benchmarks). */
    private final Map<String, Map<Integer, Score>> scores = new TreeMap<>();
    /** {@link FleetBench}: per method, its figures (the primary score as "cycle"), one value per measurement iteration. */
    private final Map<String, Map<String, List<Double>>> fleet = new TreeMap<>();
    /** DaemonBench's paired ways ("pairedAdd:info"): each counter's per-iteration medians (JMH's score is their sum). */
    private final Map<String, Map<String, List<Double>>> daemonPaired = new TreeMap<>();
    private final Map<String, String> fleetParams = new TreeMap<>();
    private int fleetIterations;
    private String jvm = "?";
    private String settings = "?";

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            System.err.println("usage: Results JMH_JSON RESULTS_MD CHART_SVG COMMAND");
            System.exit(2);
        }
        Path json = Path.of(args[0]);
        if (!Files.exists(json)) {
            System.err.println("Results: no JMH results at " + json + " (did the run fail?)");
            System.exit(1);
        }
        Results r = new Results();
        r.read(Json.parse(Files.readString(json)));
        Path md = Path.of(args[1]);
        Path svg = Path.of(args[2]);
        Files.writeString(svg, Chart.svg(r), StandardCharsets.UTF_8);
        Files.writeString(md, r.markdown(svg.getFileName().toString(), args[3]), StandardCharsets.UTF_8);
        System.out.println("wrote " + md + " and " + svg);
    }

    private void read(JsonValue root) {
        for (JsonValue v : ((JsonArray) root).elements()) {
            JsonObject b = (JsonObject) v;
            String[] name = string(b, "benchmark").split("\\.");
            String ruleset = b.get("params") instanceof JsonObject p && p.get("ruleset") instanceof JsonString r && r.value().equals("sets")
                    ? SETS : "";
            String key = name[name.length - 2] + ruleset + "." + name[name.length - 1];
            int present = -1;
            if (b.get("params") instanceof JsonObject p && p.get("present") instanceof JsonString s) {
                present = Integer.parseInt(s.value());
            }
            // NftCommitBench has a second parameter: where the rule goes.
            if (b.get("params") instanceof JsonObject p && p.get("into") instanceof JsonString into) {
                key = name[name.length - 2] + "." + into.value();
            }
            // SimpleBench.addBulkOurs runs with the engine's default parallelism and with one network at a time.
            if (b.get("params") instanceof JsonObject p && p.get("parallelism") instanceof JsonString par && par.value().equals("1")) {
                key = key.replace(".addBulkOurs", ".addBulkOneOurs");
            }
            // PoolBench's bursts run with and without a pool.
            if (b.get("params") instanceof JsonObject p && p.get("pooled") instanceof JsonString pooled) {
                key += pooled.value().equals("true") ? ":pool" : ":none";
            }
            JsonObject primary = (JsonObject) b.get("primaryMetric");
            if (name[name.length - 2].equals("DaemonBench") && name[name.length - 1].startsWith("paired")
                    && b.get("secondaryMetrics") instanceof JsonObject sec && b.get("params") instanceof JsonObject p
                    && p.get("log") instanceof JsonString log) {
                Map<String, List<Double>> figures = new TreeMap<>();
                for (String f : List.of("engineUs", "daemonUs", "daemonMinusEngineUs")) {
                    if (sec.get(f) instanceof JsonObject m) figures.put(f, raw(m));
                }
                daemonPaired.put(name[name.length - 1] + ":" + log.value(), figures);
            }
            if (name[name.length - 2].equals("FleetBench")) {
                readFleet(name[name.length - 1], b, primary);
                // The other benchmarks' settings are the ones to show; the fleet's are in its section.
                if (settings.equals("?")) setting(b);
                continue;
            }
            Optional<Double> gc = Optional.empty();
            Optional<Double> timed = Optional.empty();
            if (b.get("secondaryMetrics") instanceof JsonObject sec) {
                gc = Optional.ofNullable(sec.get("gc.alloc.rate.norm")).map(m -> number(((JsonObject) m).get("score")));
                if (sec.get("allocBytes") instanceof JsonObject bytes && sec.get("allocOps") instanceof JsonObject ops) {
                    double n = number(ops.get("score"));
                    if (n > 0) timed = Optional.of(number(bytes.get("score")) / n);
                }
            }
            scores.computeIfAbsent(key, k -> new TreeMap<>()).put(present, new Score(number(primary.get("score")),
                    number(primary.get("scoreError")), string(primary, "scoreUnit"), gc, timed));
            setting(b);
        }
    }

    private void setting(JsonObject b) {
        jvm = "JDK " + string(b, "jdkVersion") + " (" + string(b, "vmName") + " " + string(b, "vmVersion") + ")";
        settings = "JMH " + string(b, "jmhVersion") + ", " + string(b, "mode") + ", " + number(b.get("forks")).intValue()
                + " fork, " + number(b.get("warmupIterations")).intValue() + " warmup × " + string(b, "warmupTime") + ", "
                + number(b.get("measurementIterations")).intValue() + " measurement × " + string(b, "measurementTime");
    }

    /** A FleetBench method's figures: every iteration's value of the primary score ("cycle") and of each aux counter. */
    private void readFleet(String method, JsonObject b, JsonObject primary) {
        Map<String, List<Double>> figures = new TreeMap<>();
        figures.put("cycle", raw(primary));
        if (b.get("secondaryMetrics") instanceof JsonObject sec) {
            for (Map.Entry<String, JsonValue> m : sec.members().entrySet()) {
                if (!m.getKey().startsWith("gc.")) figures.put(m.getKey(), raw((JsonObject) m.getValue()));
            }
        }
        // The daemon runs once per number of connections: "daemon:8", "daemon:32"; the sets ruleset's ways end in ":sets".
        if (b.get("params") instanceof JsonObject p && p.get("connections") instanceof JsonString c) method += ":" + c.value();
        if (b.get("params") instanceof JsonObject p && p.get("ruleset") instanceof JsonString r && r.value().equals("sets")) method += SETS;
        fleet.put(method, figures);
        // The paired benchmark has iterations of its own: the others' count, when they ran.
        if (!method.startsWith("paired") || fleetIterations == 0) fleetIterations = figures.get("cycle").size();
        if (b.get("params") instanceof JsonObject p) {
            p.members().forEach((k, v) -> fleetParams.put(k, ((JsonString) v).value()));
        }
    }

    /** The per-iteration values of a metric (rawData: one list per fork). */
    private static List<Double> raw(JsonObject metric) {
        List<Double> values = new ArrayList<>();
        if (metric.get("rawData") instanceof JsonArray forks) {
            for (JsonValue fork : forks.elements()) {
                for (JsonValue v : ((JsonArray) fork).elements()) values.add(number(v));
            }
        }
        return values;
    }

    Optional<Score> score(String type, String op, String way, int present) {
        if (op.equals(SUSTAINED) && !way.equals("Ours")) op = "delete";
        return Optional.ofNullable(scores.get(type + "." + op + way)).map(m -> m.get(present));
    }

    /** The networks-present values measured for a type, ascending. */
    TreeSet<Integer> presents(String type) {
        TreeSet<Integer> p = new TreeSet<>();
        scores.forEach((k, m) -> {
            if (k.startsWith(type + ".")) p.addAll(m.keySet());
        });
        p.remove(-1);
        return p;
    }

    private String markdown(String chartFile, String command) {
        StringBuilder s = new StringBuilder();
        s.append("# Benchmark results\n\n");
        s.append("Written by `dev.fcnet.bench.Results` from the run below; do not edit by hand. How the benchmarks work: ")
                .append("`benchmarks/README.md`.\n\n");
        s.append("- command: `").append(command).append("`\n");
        s.append("- date: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")))
                .append('\n');
        s.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
                .append(cpuModel()).append(", kernel ").append(System.getProperty("os.version")).append('\n');
        s.append("- ").append(jvm).append("; ").append(settings).append('\n');
        s.append("- scores: mean ± error (JMH's 99.9% confidence half-width) in ms per network (fleet and kernel sections say their own units); ratios are of means ")
                .append("measured in this same run.\n\n");
        s.append("![latency against networks present](").append(chartFile).append(")\n\n");
        goals(s);
        issue15(s);
        for (String type : TABLE_TYPES) {
            if (presents(type).isEmpty()) continue;
            s.append("## ").append(TYPE_NAMES.get(type)).append("\n\n");
            s.append("| operation | present | shell way | fcnet's way | kernel floor | ours | ours ÷ floor | shell ÷ ours "
                    + "| fcnet ÷ ours | ours alloc/op (timed) | ours alloc/op (-prof gc) |\n");
            s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (String op : TABLE_OPS) {
                for (int present : presents(type)) {
                    if (op.equals(SUSTAINED) && score(type, op, "Ours", present).isEmpty()) continue;
                    s.append("| ").append(op.equals(SUSTAINED) ? "delete, sustained" : op).append(" | ").append(String.format(Locale.ROOT, "%,d", present));
                    for (String way : WAYS) {
                        s.append(" | ").append(score(type, op, way, present).map(Results::meanError).orElse("–"));
                    }
                    s.append(" | ").append(ratio(type, op, "Ours", "Floor", present));
                    s.append(" | ").append(ratio(type, op, "Shell", "Ours", present));
                    s.append(" | ").append(ratio(type, op, "Fcnet", "Ours", present));
                    Optional<Score> ours = score(type, op, "Ours", present);
                    s.append(" | ").append(ours.flatMap(Score::timedBytesPerOp).map(Results::bytes).orElse("–"));
                    s.append(" | ").append(ours.flatMap(Score::gcBytesPerOp).map(Results::bytes).orElse("–"));
                    s.append(" |\n");
                }
            }
            s.append('\n');
        }
        sustainedDelete(s);
        fleet(s);
        nftCommit(s);
        pool(s);
        daemonCost(s);
        codec(s);
        return s.toString();
    }

    /** Simple V4's sustained Delete against the batched floor and against the same kernel work done network by network. */
    private void sustainedDelete(StringBuilder s) {
        String type = "SimpleBench";
        List<Integer> presents = presents(type).stream().filter(p -> score(type, "deleteSerial", "Floor", p).isPresent()).toList();
        if (presents.isEmpty()) return;
        s.append("## Sustained Delete (Simple V4)\n\n");
        s.append("ours: ").append(SimpleBench.FLOOR_BATCH).append(" single `delete` calls back to back and `awaitDestruction`, ")
                .append("nothing excluded (`deleteSustainedOurs`). Batched floor: `ip link del group` and one nft transaction for ")
                .append(SimpleBench.FLOOR_BATCH).append(" networks (`deleteFloor`). Serial floor: the kernel work of single Deletes ")
                .append("with no library around it (`deleteSerialFloor`): per network the link looked up, retired as the engine ")
                .append("retires it (one request) and its rules deleted by known handles (one transaction), then the group destroyed. ")
                .append("ms per network.\n\n");
        s.append("| present | ours, sustained | serial floor | batched floor | ours ÷ serial floor | ours ÷ batched floor "
                + "| serial ÷ batched floor |\n|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int present : presents) {
            Optional<Score> ours = score(type, SUSTAINED, "Ours", present);
            Optional<Score> serial = score(type, "deleteSerial", "Floor", present);
            Optional<Score> batched = score(type, "delete", "Floor", present);
            s.append("| ").append(String.format(Locale.ROOT, "%,d", present)).append(" | ")
                    .append(ours.map(Results::meanError).orElse("–")).append(" | ")
                    .append(serial.map(Results::meanError).orElse("–")).append(" | ")
                    .append(batched.map(Results::meanError).orElse("–")).append(" | ")
                    .append(ratio(type, SUSTAINED, "Ours", "deleteSerial", "Floor", present)).append(" | ")
                    .append(ratio(type, SUSTAINED, "Ours", "delete", "Floor", present)).append(" | ")
                    .append(ratio(type, "deleteSerial", "Floor", "delete", "Floor", present)).append(" |\n");
        }
        s.append('\n');
    }

    private String ratio(String type, String op, String way, String otherOp, String otherWay, int present) {
        return score(type, op, way, present).flatMap(n -> score(type, otherOp, otherWay, present).map(d -> times(n.mean() / d.mean())))
                .orElse("–");
    }

    /**
     * The "Issue 15 goals" section: the sets ruleset's growth with networks present and distance
     * to its own kernel floor (elements instead of rules), the fcnet ruleset's alongside.
     */
    private void issue15(StringBuilder s) {
        if (presents("SimpleBench" + SETS).isEmpty() && presents("NamespacedBench" + SETS).isEmpty()) return;
        s.append("## Issue 15 goals (sets ruleset)\n\n");
        s.append("Ratios of means of this run. The sets ruleset's floor adds or deletes the networks' set elements ")
                .append("(one `nft -f` per batch); the fcnet ruleset's its rules. Delete rows use the sustained Delete ")
                .append("(back-to-back Deletes and their links' destruction) where it ran.\n\n");
        s.append("| goal | sets ruleset | met | fcnet ruleset (contrast) |\n|---|---|---|---|\n");
        String simple = "SimpleBench";
        for (int present : List.of(10_000, 50_000)) {
            issue15Row(s, "Simple Add, " + count(present) + " present ÷ 0 present ≤ 1.2×", 1.2,
                    type -> quotient(type, "add", "Ours", present, "add", "Ours", 0), simple);
        }
        for (int present : List.of(0, 10_000, 50_000)) {
            issue15Row(s, "Simple Add ÷ kernel floor, " + count(present) + " present ≤ 1.5×", 1.5,
                    type -> quotient(type, "add", "Ours", "Floor", present), simple);
            // Back-to-back Adds, as the floors make their networks, where addSustainedOurs ran.
            if (score(simple + SETS, "addSustained", "Ours", present).isPresent()) {
                issue15Row(s, "Simple Add, sustained ÷ kernel floor, " + count(present) + " present ≤ 1.5×", 1.5,
                        type -> quotient(type, "addSustained", "Ours", present, "add", "Floor", present), simple);
            }
        }
        String namespaced = "NamespacedBench";
        issue15Row(s, "Namespaced Add, 1,000 present ÷ 0 present ≤ 1.3×", 1.3,
                type -> quotient(type, "add", "Ours", 1_000, "add", "Ours", 0), namespaced);
        String delete = score(namespaced + SETS, SUSTAINED, "Ours", 1_000).isPresent() ? SUSTAINED : "delete";
        issue15Row(s, "Namespaced Delete" + (delete.equals(SUSTAINED) ? ", sustained" : " (retiring only)")
                + ", 1,000 present ÷ 0 present ≤ 1.3×", 1.3, type -> quotient(type, delete, "Ours", 1_000, delete, "Ours", 0), namespaced);
        if (delete.equals(SUSTAINED)) {
            issue15Row(s, "(Namespaced Delete, retiring only, 1,000 present ÷ 0 present)", 1.3,
                    type -> quotient(type, "delete", "Ours", 1_000, "delete", "Ours", 0), namespaced);
        }
        // The same kernel work network by network without the library: how much of the growth is the kernel's.
        issue15Row(s, "(kernel: Namespaced serial floor Add, 1,000 present ÷ 0 present)", 1.3,
                type -> quotient(type, "addSerial", "Floor", 1_000, "addSerial", "Floor", 0), namespaced);
        issue15Row(s, "(kernel: Namespaced serial floor Delete, 1,000 present ÷ 0 present)", 1.3,
                type -> quotient(type, "deleteSerial", "Floor", 1_000, "deleteSerial", "Floor", 0), namespaced);
        issue15Row(s, "(kernel: the same, the group destroyed after each network, 1,000 present ÷ 0 present)", 1.3,
                type -> quotient(type, "deleteSerialEach", "Floor", 1_000, "deleteSerialEach", "Floor", 0), namespaced);
        s.append('\n');
        serialAdd(s);
    }

    /**
     * Simple Add against its serial floor (the same kernel work network by network, no library)
     * and the batched floor, when addSerialFloor ran: what of the engine's distance to the batched
     * floor is the kernel's.
     */
    private void serialAdd(StringBuilder s) {
        List<String> types = List.of("SimpleBench" + SETS, "SimpleBench");
        if (types.stream().allMatch(t -> presents(t).stream().allMatch(p -> score(t, "addSerial", "Floor", p).isEmpty()))) return;
        s.append("Simple Add against its serial floor (`addSerialFloor`: per network the tap, IPv6 off, one link request, ")
                .append("one nft transaction, no library) and the batched floor (`addFloor`), ms per network. Ours: one Add ")
                .append("after the previous one's removal and destruction (`addOurs`); sustained: ").append(SimpleBench.FLOOR_BATCH)
                .append(" single Adds back to back, as the floors make their networks (`addSustainedOurs`):\n\n");
        s.append("| ruleset | present | ours | ours, sustained | serial floor | batched floor | ours ÷ serial floor "
                + "| sustained ÷ serial floor | serial ÷ batched floor | ours ÷ batched floor | sustained ÷ batched floor |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String type : types) {
            for (int present : presents(type)) {
                if (score(type, "addSerial", "Floor", present).isEmpty()) continue;
                s.append("| ").append(type.endsWith(SETS) ? "sets" : "fcnet").append(" | ").append(count(present)).append(" | ")
                        .append(score(type, "add", "Ours", present).map(Results::meanError).orElse("–")).append(" | ")
                        .append(score(type, "addSustained", "Ours", present).map(Results::meanError).orElse("–")).append(" | ")
                        .append(score(type, "addSerial", "Floor", present).map(Results::meanError).orElse("–")).append(" | ")
                        .append(score(type, "add", "Floor", present).map(Results::meanError).orElse("–")).append(" | ")
                        .append(ratio(type, "add", "Ours", "addSerial", "Floor", present)).append(" | ")
                        .append(ratio(type, "addSustained", "Ours", "addSerial", "Floor", present)).append(" | ")
                        .append(ratio(type, "addSerial", "Floor", "add", "Floor", present)).append(" | ")
                        .append(ratio(type, "add", "Ours", "add", "Floor", present)).append(" | ")
                        .append(ratio(type, "addSustained", "Ours", "add", "Floor", present)).append(" |\n");
            }
        }
        s.append('\n');
        if (types.stream().allMatch(t -> presents(t).stream().allMatch(p -> score(t, "addSingle", "Floor", p).isEmpty()
                && score(t, "addBulk", "Ours", p).isEmpty()))) return;
        s.append("Same-run experiments: the serial floor's kernel work one Add per invocation after the previous one's ")
                .append("destruction, as `addOurs` runs (`addSingleFloor`), and the engine's `addAll` of ").append(SimpleBench.FLOOR_BATCH)
                .append(" networks (`addBulkOurs`, work shared as the batched floor shares it; with the engine's default parallelism ")
                .append("and one network at a time), ms per network:\n\n");
        s.append("| ruleset | present | single floor | ours ÷ single floor | single ÷ serial floor | ours, bulk | bulk ÷ batched floor "
                + "| ours, bulk one at a time | one at a time ÷ batched floor |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String type : types) {
            for (int present : presents(type)) {
                if (score(type, "addSingle", "Floor", present).isEmpty() && score(type, "addBulk", "Ours", present).isEmpty()) continue;
                s.append("| ").append(type.endsWith(SETS) ? "sets" : "fcnet").append(" | ").append(count(present)).append(" | ")
                        .append(score(type, "addSingle", "Floor", present).map(Results::meanError).orElse("–")).append(" | ")
                        .append(ratio(type, "add", "Ours", "addSingle", "Floor", present)).append(" | ")
                        .append(ratio(type, "addSingle", "Floor", "addSerial", "Floor", present)).append(" | ")
                        .append(score(type, "addBulk", "Ours", present).map(Results::meanError).orElse("–")).append(" | ")
                        .append(ratio(type, "addBulk", "Ours", "add", "Floor", present)).append(" | ")
                        .append(score(type, "addBulkOne", "Ours", present).map(Results::meanError).orElse("–")).append(" | ")
                        .append(ratio(type, "addBulkOne", "Ours", "add", "Floor", present)).append(" |\n");
            }
        }
        s.append('\n');
    }

    private void issue15Row(StringBuilder s, String goal, double limit, Function<String, Optional<Double>> ratio, String type) {
        Optional<Double> sets = ratio.apply(type + SETS);
        s.append("| ").append(goal).append(" | ").append(sets.map(Results::times).orElse("–")).append(" | ")
                .append(sets.map(v -> v <= limit ? "yes" : "no").orElse("–")).append(" | ")
                .append(ratio.apply(type).map(Results::times).orElse("–")).append(" |\n");
    }

    private Optional<Double> quotient(String type, String op, String way, int present, String otherOp, String otherWay, int otherPresent) {
        return score(type, op, way, present).flatMap(n -> score(type, otherOp, otherWay, otherPresent).map(d -> n.mean() / d.mean()));
    }

    private static String count(int n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private void goals(StringBuilder s) {
        if (TYPES.stream().allMatch(t -> presents(t).isEmpty())) return;
        s.append("## Goals (issue 7)\n\n");
        s.append("| goal | measured | met |\n|---|---|---|\n");
        for (String type : TYPES) {
            TreeSet<Integer> presents = presents(type);
            if (presents.isEmpty()) continue;
            String t = TYPE_NAMES.get(type);
            for (int present : presents) {
                String at = t + ", " + String.format(Locale.ROOT, "%,d", present) + " present";
                goal(s, "Add ≤ 1.5× kernel floor (" + at + ")", quotient(type, "add", "Ours", "Floor", present), 1.5, true);
                goal(s, "Add ≥ 20× faster than the shell way (" + at + ")",
                        quotient(type, "add", "Shell", "Ours", present), 20, false);
                goal(s, "Add ≥ 10× faster than fcnet's way (" + at + ")",
                        quotient(type, "add", "Fcnet", "Ours", present), 10, false);
                // The sustained Delete when it ran: a Delete's deferred link destruction is part of its cost.
                String delete = score(type, SUSTAINED, "Ours", present).isPresent() ? SUSTAINED : "delete";
                String what = delete.equals(SUSTAINED) ? "Delete, sustained (destruction included)" : "Delete (retiring only)";
                goal(s, what + " ≤ 2× batched floor (" + at + ")", quotient(type, delete, "Ours", "Floor", present), 2, true);
                if (type.equals("SimpleBench") && delete.equals(SUSTAINED)) {
                    goal(s, what + " ≤ 1.5× batched floor, issue 15 (" + at + ")",
                            quotient(type, delete, "Ours", "Floor", present), 1.5, true);
                }
            }
            int most = presents.last();
            if (most > 0 && presents.contains(0)) {
                for (String op : TABLE_OPS) {
                    if (score(type, op, "Ours", most).isEmpty()) continue;
                    Optional<Double> growth = score(type, op, "Ours", most).flatMap(
                            high -> score(type, op, "Ours", 0).map(low -> high.mean() / low.mean()));
                    goal(s, (op.equals(SUSTAINED) ? "sustained delete" : op) + " with " + String.format(Locale.ROOT, "%,d", most) + " present ≤ 1.5× empty (" + t + ")",
                            growth, 1.5, true);
                }
            }
        }
        for (int present : presents("SimpleBench")) {
            Optional<Double> timed = score("SimpleBench", "add", "Ours", present).flatMap(Score::timedBytesPerOp);
            s.append("| allocation ≤ 32 KiB per Simple Add (").append(String.format(Locale.ROOT, "%,d", present))
                    .append(" present; timed region) | ").append(timed.map(Results::bytes).orElse("–")).append(" | ")
                    .append(timed.map(b -> b <= 32 * 1024 ? "yes" : "no").orElse("–")).append(" |\n");
        }
        s.append('\n');
    }

    private static void goal(StringBuilder s, String goal, Optional<Double> value, double limit, boolean atMost) {
        s.append("| ").append(goal).append(" | ").append(value.map(v -> times(v)).orElse("–")).append(" | ")
                .append(value.map(v -> (atMost ? v <= limit : v >= limit) ? "yes" : "no").orElse("–")).append(" |\n");
    }

    /** A fleet figure's mean over the measurement iterations. */
    private Optional<Double> fleetMean(String method, String figure) {
        List<Double> v = Optional.ofNullable(fleet.get(method)).map(m -> m.get(figure)).orElse(List.of());
        return v.isEmpty() ? Optional.empty() : Optional.of(v.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
    }

    /** Mean, and the range over iterations when there are several. */
    private String fleetCell(String method, String figure, double scale) {
        List<Double> v = Optional.ofNullable(fleet.get(method)).map(m -> m.get(figure)).orElse(List.of());
        if (v.isEmpty()) return "–";
        String mean = number(v.stream().mapToDouble(Double::doubleValue).average().orElseThrow() * scale);
        if (v.size() == 1) return mean;
        double min = v.stream().mapToDouble(Double::doubleValue).min().orElseThrow() * scale;
        double max = v.stream().mapToDouble(Double::doubleValue).max().orElseThrow() * scale;
        return mean + " (" + number(min) + "–" + number(max) + ")";
    }

    private Optional<Double> fleetRatio(String method, String numerator, String denominator) {
        return fleetMean(method, numerator).flatMap(n -> fleetMean(method, denominator).map(d -> n / d));
    }

    private Optional<Double> fleetSum(String method, String a, String b) {
        return fleetMean(method, a).flatMap(x -> fleetMean(method, b).map(y -> x + y));
    }

    /** The "Fleet (issues 8 and 16)" section, when FleetBench ran. */
    private void fleet(StringBuilder s) {
        if (fleet.isEmpty()) return;
        int clones = Integer.parseInt(fleetParams.getOrDefault("clones", "0"));
        String n = String.format(Locale.ROOT, "%,d", clones);
        String baseline = String.format(Locale.ROOT, "%,d", Integer.parseInt(fleetParams.getOrDefault("baseline", "0")));
        String c = fleetParams.getOrDefault("connections", "?");
        s.append("## Fleet (issues 8 and 16)\n\n");
        s.append(n).append(" namespaced clone networks (same tap0 and guest IP in every netns, own veth pair, /30 and ")
                .append("forwarded IP), on a fresh host netns per iteration (`FleetBench`, single shot, ").append(fleetIterations)
                .append(" measurement iteration(s) after warm-up; mean and in brackets the range over them). Engine: `addAll`/`checkAll`/`deleteAll(STRICT)` of one ")
                .append("engine (parallelism ").append(fleetParams.getOrDefault("parallelism", "?"))
                .append("), then `awaitDestruction`; engine, threads: `add`/`check`/`delete` of one network at a time from each of ")
                .append(FleetBench.THREADS).append(" threads at once; daemon: fcnetd's protocol from ").append(c)
                .append(" concurrent connections (no pool) and one engine behind them, one request at a time per connection, or ")
                .append("pipelined (`FcnetdClient.addAll`/`checkAll`/`deleteAll`, each connection a share of the clones). ")
                .append("Kernel floor, same run: the host side of all clones in one `ip -batch` (netns add, veth pair with its ")
                .append("peer made in the netns, address, up, the forwarded IP's route), the inside by one `ip -batch` per netns ")
                .append("(veth address, up, tap0, address, up, default route; a process per netns), deleted by one `ip -batch` ")
                .append("(`link del group`, every `netns del`); no nftables rules, so the same for both rulesets (measured once). Latency windows: the first and ")
                .append("last ").append(FleetBench.WINDOW).append(" networks (per network for the engine's bulk calls, per call ")
                .append("or request for the threads and the daemon); the first deleted are those deleted with all present.\n\n");
        s.append("Paired (`FleetBench.paired`, issue 16's goal where the load changes between benchmarks): in each invocation ")
                .append("the engine's bulk calls, the daemon's connections and the engine's single calls from ").append(FleetBench.THREADS)
                .append(" threads add the clones, then delete them and await their destruction, one way after the other on the ")
                .append("same engine (the order rotates); the goal rows give the median of the iterations' ratios.\n\n");
        for (String rs : fleetRulesets()) {
            if (fleetWays(rs).stream().noneMatch(w -> fleet.containsKey(w.method()))) continue;
            if (fleetRulesets().size() > 1) s.append(rulesetName(rs)).append(":\n\n");
            s.append("| figure |");
            for (FleetWay w : fleetWays(rs)) s.append(' ').append(w.label()).append(" |");
            s.append(" kernel floor |\n|---|").append("---:|".repeat(fleetWays(rs).size() + 1)).append('\n');
            row(s, rs, "add " + n + " (s)", FleetWay::add, fleetCell("floor", "addS", 1));
            row(s, rs, "check " + n + ", all clean (s)", FleetWay::check, "–");
            row(s, rs, "delete " + n + " (s)", FleetWay::delete, fleetCell("floor", "deleteS", 1));
            row(s, rs, "destruction after it, awaitDestruction (s)", w -> "destroyS", "–");
            row(s, rs, "add, first " + FleetBench.WINDOW + " (ms per network)", w -> "addFirstMs", "–");
            row(s, rs, "add, last " + FleetBench.WINDOW + " (ms per network)", w -> "addLastMs", "–");
            row(s, rs, "delete, first " + FleetBench.WINDOW + ", " + n + " present (ms per network)", w -> "deleteFirstMs", "–");
            row(s, rs, "delete, last " + FleetBench.WINDOW + " (ms per network)", w -> "deleteLastMs", "–");
            row(s, rs, "whole cycle, with the memory readings (s)", w -> "cycle", fleetCell("floor", "cycle", 1));
            s.append('\n');
        }
        if (fleet.containsKey("floor")) {
            s.append("The floor's add, host side alone (one `ip -batch`): ").append(fleetCell("floor", "addHostS", 1)).append(" s.\n\n");
        }
        // A run of the paired benchmark alone has neither memory readings nor baselines.
        if (fleet.containsKey("engine")) fleetMemoryAndBaseline(s, n, baseline, clones);

        s.append("| goal (issues 8 and 16) | measured | met |\n|---|---|---|\n");
        for (String rs : fleetRulesets()) {
            String in = fleetRulesets().size() > 1 ? ", " + rulesetName(rs) : "";
            Optional<Double> engineAdd = fleetMean("engine" + rs, "addAllS");
            Optional<Double> engineDelete = fleetSum("engine" + rs, "deleteAllS", "destroyS");
            if (fleet.containsKey("floor") && fleet.containsKey("engine" + rs)) {
                limit(s, "engine bulk add of " + n + " ≤ 1.5× the same-run floor" + in, ratio(engineAdd, fleetMean("floor", "addS")),
                        "×", 1.5);
                limit(s, "engine bulk delete of " + n + " (+ destruction) ≤ 2× the same-run floor" + in, ratio(engineDelete,
                        fleetMean("floor", "deleteS")), "×", 2);
                // The floor's inside costs a process per netns, more than its kernel work: its host side alone bounds it from below.
                limit(s, "engine bulk add of " + n + " ≤ 1.5× the floor's host side alone" + in,
                        ratio(engineAdd, fleetMean("floor", "addHostS")), "×", 1.5);
            }
            for (FleetWay w : fleetWays(rs)) {
                if (!w.method().startsWith("threads") || !fleet.containsKey(w.method())) continue;
                // No goal: what the engine's concurrent single calls cost against its bulk ones, beside the daemon's.
                s.append("| (no goal) ").append(n).append(" added, deleted (+ destruction) by the ").append(w.label()).append(in)
                        .append(" ÷ the engine's bulk calls | ")
                        .append(ratio(fleetMean(w.method(), w.add()), engineAdd).map(v -> number(v) + "×").orElse("–")).append(", ")
                        .append(ratio(fleetSum(w.method(), w.delete(), "destroyS"), engineDelete).map(v -> number(v) + "×").orElse("–"))
                        .append(" | – |\n");
            }
            for (FleetWay w : fleetWays(rs)) {
                if (!w.method().startsWith("daemon") || !fleet.containsKey(w.method())) continue;
                limit(s, n + " added through the " + w.label() + " ≤ 1.2× the engine's bulk `addAll`" + in,
                        ratio(fleetMean(w.method(), w.add()), engineAdd), "×", 1.2);
                limit(s, n + " deleted through the " + w.label() + " (+ destruction) ≤ 1.2× the engine's bulk `deleteAll`" + in,
                        ratio(fleetSum(w.method(), w.delete(), "destroyS"), engineDelete), "×", 1.2);
            }
            String paired = "paired:" + c + rs;
            if (fleet.containsKey(paired)) {
                // Each iteration's ratio meets one load; the median of them is the figure (the range shows the load).
                limit(s, n + " added through the daemon, " + c + " connections ≤ 1.2× the engine's bulk `addAll`, paired in one "
                        + "invocation" + in + " (median of " + pairedRatios(paired, "daemonAddS", "bulkAddS").size()
                        + " iterations; range)", median(pairedRatios(paired, "daemonAddS", "bulkAddS")), "×", 1.2,
                        range(pairedRatios(paired, "daemonAddS", "bulkAddS")));
                limit(s, n + " deleted through the daemon, " + c + " connections (+ destruction) ≤ 1.2× the engine's bulk "
                        + "`deleteAll`, paired" + in, median(pairedRatios(paired, "daemonDeleteS", "bulkDeleteS")), "×", 1.2,
                        range(pairedRatios(paired, "daemonDeleteS", "bulkDeleteS")));
                s.append("| (no goal) ").append(n).append(" added, deleted (+ destruction) by the engine, ").append(FleetBench.THREADS)
                        .append(" threads ÷ the engine's bulk calls, paired").append(in).append(" | ")
                        .append(median(pairedRatios(paired, "threadsAddS", "bulkAddS")).map(v -> number(v) + "×").orElse("–"))
                        .append(range(pairedRatios(paired, "threadsAddS", "bulkAddS"))).append(", ")
                        .append(median(pairedRatios(paired, "threadsDeleteS", "bulkDeleteS")).map(v -> number(v) + "×").orElse("–"))
                        .append(range(pairedRatios(paired, "threadsDeleteS", "bulkDeleteS"))).append(" | – |\n");
            }
            for (FleetWay w : fleetWays(rs)) {
                if (!fleet.containsKey(w.method())) continue;
                String way = w.label() + in;
                s.append("| every one checks clean in between (").append(way).append(") | ")
                        .append(fleetMean(w.method(), w.check()).map(v -> "yes, in " + number(v) + " s (asserted)").orElse("–"))
                        .append(" | ").append(fleetMean(w.method(), w.check()).isPresent() ? "yes" : "–").append(" |\n");
                if (w.method().startsWith("daemonPipelined")) continue; // no per-request latency
                limit(s, "add latency, last " + FleetBench.WINDOW + " ≤ 1.5× the first " + FleetBench.WINDOW + " (" + way + ")",
                        fleetRatio(w.method(), "addLastMs", "addFirstMs"), "×", 1.5);
                limit(s, "delete latency with " + n + " present ≤ 1.5× the last " + FleetBench.WINDOW + " (" + way + ")",
                        fleetRatio(w.method(), "deleteFirstMs", "deleteLastMs"), "×", 1.5);
            }
        }
        s.append('\n');
    }

    /** FleetBench.paired: {@code numerator ÷ denominator} of each iteration. */
    private List<Double> pairedRatios(String method, String numerator, String denominator) {
        List<Double> num = fleet.get(method).getOrDefault(numerator, List.of());
        List<Double> den = fleet.get(method).getOrDefault(denominator, List.of());
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(num.size(), den.size()); i++) ratios.add(num.get(i) / den.get(i));
        return ratios;
    }

    private static Optional<Double> median(List<Double> values) {
        if (values.isEmpty()) return Optional.empty();
        List<Double> v = values.stream().sorted().toList();
        int m = v.size() / 2;
        return Optional.of(v.size() % 2 == 1 ? v.get(m) : (v.get(m - 1) + v.get(m)) / 2);
    }

    private static String range(List<Double> values) {
        return range(values, "×");
    }

    /** " (min–max{@code unit})" of several values, or nothing. */
    private static String range(List<Double> values, String unit) {
        if (values.size() < 2) return "";
        return " (" + number(values.stream().mapToDouble(Double::doubleValue).min().orElseThrow()) + "–"
                + number(values.stream().mapToDouble(Double::doubleValue).max().orElseThrow()) + unit + ")";
    }

    /** The rulesets FleetBench's ways ran with: "" (fcnet) and {@link #SETS}. */
    private List<String> fleetRulesets() {
        List<String> rulesets = new ArrayList<>();
        for (String rs : List.of("", SETS)) {
            String c = fleetParams.getOrDefault("connections", "?");
            if (fleet.containsKey("paired:" + c + rs) || fleetWays(rs).stream().anyMatch(w -> fleet.containsKey(w.method()))) {
                rulesets.add(rs);
            }
        }
        return rulesets;
    }

    private static String rulesetName(String rs) {
        return rs.equals(SETS) ? "sets ruleset (DESIGN §3b)" : "fcnet ruleset (DESIGN §3)";
    }

    /** The engine's memory per network, and fcnet's way against the engine. */
    private void fleetMemoryAndBaseline(StringBuilder s, String n, String baseline, int clones) {
        s.append("Memory per network with all ").append(n).append(" present (engine): JVM heap after GC ")
                .append(fleetMean("engine", "heapPerNet").map(Results::bytes).orElse("–"))
                .append("; kernel: MemAvailable ").append(fleetMean("engine", "memAvailablePerNet").map(Results::bytes).orElse("–"))
                .append(" less, of which Slab ").append(fleetMean("engine", "slabPerNet").map(Results::bytes).orElse("–"))
                .append(" (from /proc/meminfo before the first Add and after Check, divided by ").append(n).append(").\n\n");

        s.append("fcnet's way per network (ms), measured with ").append(baseline).append(" networks in the same run (a process ")
                .append("per step makes ").append(n).append(" too slow; no forwarded guest IP, so a little less work):\n\n");
        s.append("| operation | fcnet's way | ours, engine | fcnet ÷ engine |\n|---|---:|---:|---:|\n");
        baselineRow(s, "add", "addMs", fleetMean("engine", "addAllS"), clones);
        baselineRow(s, "check", "checkMs", fleetMean("engine", "checkAllS"), clones);
        baselineRow(s, "delete (+ destruction)", "deleteMs", fleetSum("engine", "deleteAllS", "destroyS"), clones);
        s.append('\n');
    }

    private static Optional<Double> ratio(Optional<Double> numerator, Optional<Double> denominator) {
        return numerator.flatMap(x -> denominator.map(y -> x / y));
    }

    /**
     * A FleetBench way of using the engine: its benchmark method (with its connections parameter),
     * its column, and the names of its phase figures.
     */
    private record FleetWay(String method, String label, String add, String check, String delete) {}

    /** The ways of ruleset {@code rs} ("" or {@link #SETS}). */
    private List<FleetWay> fleetWays(String rs) {
        String c = fleetParams.getOrDefault("connections", "?");
        return List.of(
                new FleetWay("engine" + rs, "engine, bulk", "addAllS", "checkAllS", "deleteAllS"),
                new FleetWay("threads" + rs, "engine, " + FleetBench.THREADS + " threads", "addS", "checkS", "deleteS"),
                new FleetWay("daemon:" + c + rs, "daemon, " + c + " connections", "addS", "checkS", "deleteS"),
                new FleetWay("daemonPipelined:" + c + rs, "daemon, " + c + " connections pipelined", "addS", "checkS", "deleteS"));
    }

    private void row(StringBuilder s, String rs, String figure, Function<FleetWay, String> field, String floorCell) {
        s.append("| ").append(figure).append(" |");
        for (FleetWay w : fleetWays(rs)) s.append(' ').append(fleetCell(w.method(), field.apply(w), 1)).append(" |");
        s.append(' ').append(floorCell).append(" |\n");
    }

    private void baselineRow(StringBuilder s, String op, String figure, Optional<Double> engineS, int clones) {
        Optional<Double> fcnet = fleetMean("fcnetWay", figure);
        Optional<Double> engine = engineS.map(v -> v * 1000 / clones);
        s.append("| ").append(op).append(" | ").append(fcnet.map(Results::number).orElse("–")).append(" | ")
                .append(engine.map(Results::number).orElse("–")).append(" | ")
                .append(engine.flatMap(e -> fcnet.map(f -> times(f / e))).orElse("–")).append(" |\n");
    }

    private static void limit(StringBuilder s, String goal, Optional<Double> value, String unit, double max) {
        limit(s, goal, value, unit, max, "");
    }

    /** A goal row whose measured value is followed by {@code more} (e.g. a range). */
    private static void limit(StringBuilder s, String goal, Optional<Double> value, String unit, double max, String more) {
        s.append("| ").append(goal).append(" | ").append(value.map(v -> number(v) + unit + more).orElse("–")).append(" | ")
                .append(value.map(v -> v <= max ? "yes" : "no").orElse("–")).append(" |\n");
    }

    /** NftCommitBench: the kernel's cost of one transaction against the rules present, chain by chain. */
    private void nftCommit(StringBuilder s) {
        List<String> places = List.of("busyChain", "emptyChain", "otherTable");
        TreeSet<Integer> presents = new TreeSet<>();
        for (String place : places) {
            Map<Integer, Score> m = scores.get("NftCommitBench." + place);
            if (m != null) presents.addAll(m.keySet());
        }
        if (presents.isEmpty()) return;
        s.append("## Kernel: one nftables transaction\n\n");
        s.append("NftCommitBench: the kernel's time for one transaction adding one accept rule (as the engine sends it), ")
                .append("with the rules of `present` Simple networks (two each) in table ip fcnet; the rule goes into their ")
                .append("filter chain, into an empty base chain of the same table, or into an empty base chain of another ")
                .append("table. Every single Add and Delete commits at least one such transaction.\n\n");
        s.append("| present | filter chain (busy) | empty chain, same table | other table |\n|---:|---:|---:|---:|\n");
        for (int present : presents) {
            s.append("| ").append(String.format(Locale.ROOT, "%,d", present));
            for (String place : places) {
                Optional<Score> sc = Optional.ofNullable(scores.get("NftCommitBench." + place)).map(m -> m.get(present));
                s.append(" | ").append(sc.map(Results::meanError).orElse("–"));
            }
            s.append(" |\n");
        }
        s.append('\n');
    }

    /** The "Clone pool (issue 16)" section, when PoolBench ran. */
    private void pool(StringBuilder s) {
        if (scores.keySet().stream().noneMatch(k -> k.startsWith("PoolBench."))) return;
        s.append("## Clone pool (issue 16)\n\n");
        s.append("`PoolBench`, single shot; burst: all clones at once, ms per burst; burstFloor: the kernel work of the ")
                .append("burst's networks with the library's layers and no engine, by as many threads as connections, made from ")
                .append("scratch (no pool) or of slots made ahead (pool), so its ratio is the most the kernel lets a pool gain; ")
                .append("sequential: ms per call, ").append(PoolBench.BURST).append(" calls one after the other from a ready pool.\n\n");
        s.append("| figure | no pool | pool | no pool ÷ pool |\n|---|---:|---:|---:|\n");
        for (String way : List.of("burstDaemonAdd", "burstEngineAdd", "burstFloor")) {
            Optional<Score> none = poolScore(way + ":none", -1);
            Optional<Score> pool = poolScore(way + ":pool", -1);
            s.append("| ").append(way).append(" | ").append(none.map(Results::meanError).orElse("–")).append(" | ")
                    .append(pool.map(Results::meanError).orElse("–")).append(" | ")
                    .append(none.flatMap(n -> pool.map(p -> times(n.mean() / p.mean()))).orElse("–")).append(" |\n");
        }
        s.append("\n| figure | ruleset | present | ms per call |\n|---|---|---:|---:|\n");
        for (String type : List.of("PoolBench", "PoolBench" + SETS)) {
            for (String op : List.of("sequentialAdd", "sequentialDelete")) {
                Map<Integer, Score> m = scores.getOrDefault(type + "." + op, Map.of());
                m.forEach((present, sc) -> s.append("| ").append(op).append(" | ").append(type.endsWith(SETS) ? "sets" : "fcnet")
                        .append(" | ").append(String.format(Locale.ROOT, "%,d", present)).append(" | ").append(meanError(sc)).append(" |\n"));
            }
        }
        s.append("\n| goal (issue 16) | measured | met |\n|---|---|---|\n");
        goal(s, "burst of clone Adds through the daemon (4 connections) with a ready pool ≥ 5× faster than without",
                poolScore("burstDaemonAdd:none", -1).flatMap(n -> poolScore("burstDaemonAdd:pool", -1).map(p -> n.mean() / p.mean())),
                5, false);
        for (String type : List.of("PoolBench", "PoolBench" + SETS)) {
            for (String op : List.of("sequentialAdd", "sequentialDelete")) {
                Map<Integer, Score> m = scores.getOrDefault(type + "." + op, Map.of());
                TreeSet<Integer> presents = new TreeSet<>(m.keySet());
                if (presents.isEmpty() || !presents.contains(0) || presents.last() == 0) continue;
                int most = presents.last();
                goal(s, op + " (" + (type.endsWith(SETS) ? "sets" : "fcnet") + " ruleset) with " + String.format(Locale.ROOT, "%,d", most)
                        + " present ≤ 1.2× with 0", Optional.of(m.get(most).mean() / m.get(0).mean()), 1.2, true);
            }
        }
        s.append('\n');
    }

    /**
     * The "Daemon cost (issue 16)" section, when DaemonBench's paired benchmarks ran: per way the
     * median of the iterations' medians (JMH adds these counters up over the iterations).
     */
    private void daemonCost(StringBuilder s) {
        if (daemonPaired.isEmpty()) return;
        s.append("## Daemon cost (issue 16)\n\n");
        s.append("`DaemonBench.pairedAdd`/`pairedDelete`: one call by the engine and one through fcnetd on the same engine per ")
                .append("invocation, the order alternating; per iteration the medians of each way and of the pairs' differences; ")
                .append("here the median over the iterations, µs, and the iterations' range.\n\n");
        s.append("| way, daemon log | engine | daemon | daemon − engine |\n|---|---:|---:|---:|\n");
        daemonPaired.forEach((way, figures) -> {
            s.append("| ").append(way);
            for (String f : List.of("engineUs", "daemonUs", "daemonMinusEngineUs")) {
                List<Double> v = figures.getOrDefault(f, List.of());
                s.append(" | ").append(median(v).map(Results::number).orElse("–")).append(range(v, ""));
            }
            s.append(" |\n");
        });
        s.append("\n| goal (issue 16) | measured | met |\n|---|---|---|\n");
        daemonPaired.forEach((way, figures) -> {
            Optional<Double> extra = median(figures.getOrDefault("daemonMinusEngineUs", List.of()));
            s.append("| daemon overhead per request ≤ 0.1 ms (").append(way).append(") | ")
                    .append(extra.map(v -> number(v / 1e3) + " ms").orElse("–")).append(" | ")
                    .append(extra.map(v -> v <= 100 ? "yes" : "no").orElse("–")).append(" |\n");
        });
        s.append('\n');
    }

    private Optional<Score> poolScore(String key, int present) {
        return Optional.ofNullable(scores.get("PoolBench." + key)).map(m -> m.get(present));
    }

    private void codec(StringBuilder s) {
        List<String> rows = new ArrayList<>();
        scores.forEach((k, m) -> {
            if (!k.startsWith("CodecBench.")) return;
            Score sc = m.get(-1);
            rows.add("| " + k.substring("CodecBench.".length()) + " | " + meanError(sc) + " " + sc.unit() + " | "
                    + sc.gcBytesPerOp().map(Results::bytes).orElse("–") + " |");
        });
        if (rows.isEmpty()) return;
        s.append("## Codec\n\n");
        s.append("encodeSimpleAdd: a Simple Add's nft batch (table, two chains, two rules) and rtnetlink requests into ")
                .append("a reused MessageBuilder. decodeChainDump: a real 10,000-rule chain dump (captured once) decoded ")
                .append("into rules; one op is the whole dump.\n\n");
        s.append("| benchmark | mean ± error | alloc/op (-prof gc) |\n|---|---:|---:|\n");
        for (String row : rows) s.append(row).append('\n');
        s.append('\n');
    }

    private String ratio(String type, String op, String numerator, String denominator, int present) {
        return quotient(type, op, numerator, denominator, present).map(Results::times).orElse("–");
    }

    private Optional<Double> quotient(String type, String op, String numerator, String denominator, int present) {
        return score(type, op, numerator, present)
                .flatMap(n -> score(type, op, denominator, present).map(d -> n.mean() / d.mean()));
    }

    static String meanError(Score s) {
        return Double.isNaN(s.error()) ? number(s.mean()) : number(s.mean()) + " ± " + number(s.error());
    }

    /** Three significant digits, no exponent. */
    static String number(double v) {
        if (v == 0 || Double.isNaN(v)) return String.valueOf(v);
        int digits = Math.max(0, 2 - (int) Math.floor(Math.log10(Math.abs(v))));
        return String.format(Locale.ROOT, "%,." + digits + "f", v);
    }

    static String times(double v) {
        return number(v) + "×";
    }

    static String bytes(double b) {
        return b < 1024 ? String.format(Locale.ROOT, "%.0f B", b)
                : b < 1024 * 1024 ? number(b / 1024) + " KiB" : number(b / (1024 * 1024)) + " MiB";
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).strip();
            }
        } catch (IOException e) {
            return "CPU model unknown (" + e.getMessage() + ")";
        }
        return "CPU model unknown";
    }

    private static String string(JsonObject o, String member) {
        JsonValue v = o.get(member);
        return v instanceof JsonString s ? s.value() : String.valueOf(v instanceof JsonNumber n ? n.text() : v);
    }

    /** A JSON number, or JMH's "NaN" string. */
    private static Double number(JsonValue v) {
        if (v instanceof JsonNumber n) return Double.parseDouble(n.text());
        if (v instanceof JsonString s) return Double.parseDouble(s.value());
        return Double.NaN;
    }
}
