package dev.fcnet.json;

import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonBoolean;
import dev.fcnet.json.JsonValue.JsonNumber;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.util.Iterator;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) reader and writer for the network and daemon wire formats. It
 * accepts exactly the RFC grammar (no comments, trailing commas, leading zeros, unescaped control
 * characters, lone surrogate escapes, or text after the value), rejects duplicate object keys, and
 * limits nesting to {@value #MAX_DEPTH} levels so hostile input fails with a message instead of a
 * StackOverflowError.
 */
public final class Json {
    /** Deepest nesting of arrays and objects accepted; the wire formats need 3. */
    public static final int MAX_DEPTH = 64;

    private Json() {}

    /**
     * Parses one JSON text.
     *
     * @throws JsonException saying what is wrong and where
     */
    public static JsonValue parse(String text) {
        return new JsonParser(text).document();
    }

    /** The value as compact JSON text (no whitespace), non-ASCII characters unescaped. */
    public static String write(JsonValue value) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, value);
        return sb.toString();
    }

    // instanceof rather than a pattern switch: the CLI writes once per JVM, and a type switch costs a
    // bootstrap at startup.
    private static void write(StringBuilder sb, JsonValue value) {
        if (value instanceof JsonObject o) {
            sb.append('{');
            Iterator<Map.Entry<String, JsonValue>> it = o.members().entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<String, JsonValue> e = it.next();
                quote(sb, e.getKey());
                sb.append(':');
                write(sb, e.getValue());
                if (it.hasNext()) sb.append(',');
            }
            sb.append('}');
        } else if (value instanceof JsonArray a) {
            sb.append('[');
            for (int i = 0; i < a.elements().size(); i++) {
                if (i > 0) sb.append(',');
                write(sb, a.elements().get(i));
            }
            sb.append(']');
        } else if (value instanceof JsonString s) {
            quote(sb, s.value());
        } else if (value instanceof JsonNumber n) {
            sb.append(n.text());
        } else if (value instanceof JsonBoolean b) {
            sb.append(b.value());
        } else {
            sb.append("null");
        }
    }

    /**
     * The string as a JSON string literal, e.g. {@code "tap\t0"}; also the way error messages quote
     * names, so control characters show.
     */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(sb, s);
        return sb.toString();
    }

    /** A JSON string literal; lone surrogates are escaped so the output is always valid UTF-8. */
    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    boolean paired = Character.isHighSurrogate(c) ? i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))
                            : !Character.isLowSurrogate(c) || i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
                    if (c < 0x20 || !paired) {
                        sb.append("\\u");
                        String hex = Integer.toHexString(c);
                        sb.append("0000", hex.length(), 4).append(hex);
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
