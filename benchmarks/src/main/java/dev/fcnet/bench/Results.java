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

/**
 * Turns JMH's JSON results into RESULTS.md (machine, JDK, date, command; mean ± error per
 * operation, allocation, ratios to the baselines of the same run, the goals) and the
 * latency chart. Usage: {@code Results JMH_JSON RESULTS_MD CHART_SVG COMMAND}.
 */
public final class Results {
    /** The four ways, in table and chart order. */
    static final List<String> WAYS = List.of("Shell", "Fcnet", "Floor", "Ours");
    static final Map<String, String> WAY_NAMES = Map.of("Shell", "shell way", "Fcnet", "fcnet's way", "Floor",
            "kernel floor", "Ours", "ours (engine)");
    static final List<String> OPS = List.of("add", "delete", "check");
    static final List<String> TYPES = List.of("SimpleBench", "NamespacedBench");
    static final Map<String, String> TYPE_NAMES = Map.of("SimpleBench", "Simple V4", "NamespacedBench", "Namespaced V4");

    /** One benchmark result: mean and error in ms (or the codec's own unit), and its allocation figures. */
    record Score(double mean, double error, String unit, Optional<Double> gcBytesPerOp, Optional<Double> timedBytesPerOp) {}

    /** Results by "Type.method" then networks present (-1 for unparameterised benchmarks). */
    private final Map<String, Map<Integer, Score>> scores = new TreeMap<>();
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
            String key = name[name.length - 2] + "." + name[name.length - 1];
            int present = -1;
            if (b.get("params") instanceof JsonObject p && p.get("present") instanceof JsonString s) {
                present = Integer.parseInt(s.value());
            }
            JsonObject primary = (JsonObject) b.get("primaryMetric");
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
            jvm = "JDK " + string(b, "jdkVersion") + " (" + string(b, "vmName") + " " + string(b, "vmVersion") + ")";
            settings = "JMH " + string(b, "jmhVersion") + ", " + string(b, "mode") + ", " + number(b.get("forks")).intValue()
                    + " fork, " + number(b.get("warmupIterations")).intValue() + " warmup × " + string(b, "warmupTime") + ", "
                    + number(b.get("measurementIterations")).intValue() + " measurement × " + string(b, "measurementTime");
        }
    }

    Optional<Score> score(String type, String op, String way, int present) {
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
        s.append("- scores: mean ± error (JMH's 99.9% confidence half-width) in ms per network; ratios are of means ")
                .append("measured in this same run.\n\n");
        s.append("![latency against networks present](").append(chartFile).append(")\n\n");
        goals(s);
        for (String type : TYPES) {
            if (presents(type).isEmpty()) continue;
            s.append("## ").append(TYPE_NAMES.get(type)).append("\n\n");
            s.append("| operation | present | shell way | fcnet's way | kernel floor | ours | ours ÷ floor | shell ÷ ours "
                    + "| fcnet ÷ ours | ours alloc/op (timed) | ours alloc/op (-prof gc) |\n");
            s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (String op : OPS) {
                for (int present : presents(type)) {
                    s.append("| ").append(op).append(" | ").append(String.format(Locale.ROOT, "%,d", present));
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
        codec(s);
        return s.toString();
    }

    private void goals(StringBuilder s) {
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
                goal(s, "Delete ≤ 2× batched floor (" + at + ")",
                        quotient(type, "delete", "Ours", "Floor", present), 2, true);
            }
            int most = presents.last();
            if (most > 0 && presents.contains(0)) {
                for (String op : OPS) {
                    Optional<Double> growth = score(type, op, "Ours", most).flatMap(
                            high -> score(type, op, "Ours", 0).map(low -> high.mean() / low.mean()));
                    goal(s, op + " with " + String.format(Locale.ROOT, "%,d", most) + " present ≤ 1.5× empty (" + t + ")",
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
