package dev.fcnet.rtnl;

import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonObject;
import java.util.List;

/** Reads iproute2's JSON ({@code ip -j ...}): the kernel's view, as the tests' judge. */
public final class IpJson {
    private IpJson() {}

    /** The objects of a top-level JSON array such as {@code ip -j link} prints. */
    public static List<JsonObject> objects(String json) {
        return ((JsonArray) Json.parse(json)).elements().stream().map(JsonObject.class::cast).toList();
    }

    /** The member at {@code path} (object member names), or null when any step is missing. */
    public static JsonValue at(JsonObject o, String... path) {
        JsonValue v = o;
        for (String p : path) {
            if (!(v instanceof JsonObject obj)) return null;
            v = obj.get(p);
        }
        return v;
    }

    /** The string at {@code path}, or null. */
    public static String string(JsonObject o, String... path) {
        return at(o, path) instanceof JsonValue.JsonString s ? s.value() : null;
    }

    /** The number at {@code path}; AssertionError when missing. */
    public static int number(JsonObject o, String... path) {
        if (at(o, path) instanceof JsonValue.JsonNumber n) return n.intValue();
        throw new AssertionError("no number at " + String.join(".", path) + " in " + Json.write(o));
    }

    /** The boolean at {@code path}; AssertionError when missing. */
    public static boolean bool(JsonObject o, String... path) {
        if (at(o, path) instanceof JsonValue.JsonBoolean b) return b.value();
        throw new AssertionError("no boolean at " + String.join(".", path) + " in " + Json.write(o));
    }

    /** The strings of the array at {@code path} (e.g. a link's "flags"); empty when missing. */
    public static List<String> strings(JsonObject o, String... path) {
        if (!(at(o, path) instanceof JsonArray a)) return List.of();
        return a.elements().stream().map(e -> ((JsonValue.JsonString) e).value()).toList();
    }
}
