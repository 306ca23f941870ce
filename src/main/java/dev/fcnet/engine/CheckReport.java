package dev.fcnet.engine;

import dev.fcnet.engine.FcnetException.Step;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonBoolean;
import dev.fcnet.json.JsonValue.JsonNull;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What Check found: every object the network consists of, in the order Add creates them, each
 * present, missing or different, and warnings that do not count against it (host forwarding
 * that is off, when the engine was not told to enable it). Nothing was changed to make it.
 *
 * @param network the network checked
 * @param items every expected object, not only the problems
 */
public record CheckReport(FirecrackerNetwork network, List<CheckItem> items) implements OperationResult {
    /** Requires the network; copies the items. */
    public CheckReport {
        Objects.requireNonNull(network, "network");
        items = List.copyOf(items);
    }

    /** {@return true when no object is missing or different; warnings do not count} */
    public boolean isClean() {
        return items.stream().allMatch(CheckItem::ok);
    }

    /** {@return the items that are missing or different} */
    public List<CheckItem> problems() {
        return items.stream().filter(i -> !i.ok()).toList();
    }

    /** {@return one line per {@link CheckItem.Status#WARNING} item: what is off and how to turn it on} */
    public List<String> warnings() {
        return items.stream().filter(i -> i.status() == CheckItem.Status.WARNING)
                .map(i -> "Check " + Layout.id(network) + ": " + i.object() + " in the "
                        + i.netns().map(n -> "netns " + n).orElse("host netns") + ": " + i.detail())
                .toList();
    }

    /**
     * Throws unless the report is clean, for callers that treat an incomplete network as an error
     * (as fcnet's check does); warnings do not make it throw.
     *
     * @return this report, when it is clean
     * @throws FcnetException naming every missing or different object
     */
    public CheckReport requireClean() {
        if (isClean()) return this;
        List<CheckItem> problems = problems();
        StringBuilder s = new StringBuilder("Check ").append(Layout.id(network)).append(": ")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems");
        for (CheckItem i : problems) s.append("; ").append(i.status()).append(' ').append(i.kind()).append(' ')
                .append(i.object()).append(i.detail().isEmpty() ? "" : " (" + i.detail() + ")");
        throw new FcnetException(FcnetException.Kind.INCOMPLETE, s.toString(), Step.CHECK, Layout.id(network), null);
    }

    /**
     * The report as one JSON object: {@code {"network":"tap0","clean":false,"items":[{"status":
     * "MISSING","kind":"LINK","netns":null,"object":"tap0","detail":""},...]}}.
     *
     * @return the report as one line of JSON
     */
    public String toJson() {
        Map<String, JsonValue> o = new LinkedHashMap<>();
        o.put("network", new JsonString(Layout.id(network)));
        o.put("clean", new JsonBoolean(isClean()));
        o.put("items", new JsonArray(items.stream().<JsonValue>map(i -> {
            Map<String, JsonValue> m = new LinkedHashMap<>();
            m.put("status", new JsonString(i.status().name()));
            m.put("kind", new JsonString(i.kind().name()));
            m.put("netns", i.netns().<JsonValue>map(JsonString::new).orElse(new JsonNull()));
            m.put("object", new JsonString(i.object()));
            m.put("detail", new JsonString(i.detail()));
            return new JsonObject(m);
        }).toList()));
        return Json.write(new JsonObject(o));
    }

    private String summary() {
        if (!isClean()) return problems().size() + " of " + items.size() + " objects missing or different";
        int warnings = warnings().size();
        return warnings == 0 ? "clean" : "clean, with " + warnings + (warnings == 1 ? " warning" : " warnings");
    }

    /** One line per item (see {@link CheckItem#toString()}), after a summary line. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Check ").append(Layout.id(network)).append(": ")
                .append(summary());
        for (CheckItem i : items) s.append('\n').append(i);
        return s.toString();
    }
}
