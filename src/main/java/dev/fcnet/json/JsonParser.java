package dev.fcnet.json;

import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonBoolean;
import dev.fcnet.json.JsonValue.JsonNull;
import dev.fcnet.json.JsonValue.JsonNumber;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/**
 * Recursive descent over one text. Recursion is bounded by {@link Json#MAX_DEPTH}, so the stack
 * stays small whatever the input.
 */
final class JsonParser {
    private static final JsonBoolean TRUE = new JsonBoolean(true);
    private static final JsonBoolean FALSE = new JsonBoolean(false);
    private static final JsonNull NULL = new JsonNull();

    private final String s;
    private final int n;
    private int pos;
    private int depth;

    JsonParser(String text) {
        this.s = text;
        this.n = text.length();
    }

    JsonValue document() {
        skipWhitespace();
        if (pos == n) throw error("expected a JSON value, found the end of input", pos);
        JsonValue value = value();
        skipWhitespace();
        if (pos < n) throw error("unexpected " + describe(pos) + " after the JSON value", pos);
        return value;
    }

    /**
     * Where the number literal starting at {@code start} ends.
     *
     * @throws JsonException if there is no valid number literal at {@code start}
     */
    static int numberEnd(String text, int start) {
        JsonParser p = new JsonParser(text);
        p.pos = start;
        p.number();
        return p.pos;
    }

    private JsonValue value() {
        if (pos == n) throw error("expected a value, found the end of input", pos);
        char c = s.charAt(pos);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return new JsonString(string());
            case 't':
                literal("true");
                return TRUE;
            case 'f':
                literal("false");
                return FALSE;
            case 'n':
                literal("null");
                return NULL;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    int start = pos;
                    number();
                    return new JsonNumber(s.substring(start, pos));
                }
                throw error("expected a value, found " + describe(pos), pos);
        }
    }

    private JsonObject object() {
        LinkedHashMap<String, JsonValue> members = new LinkedHashMap<>();
        if (open('}')) return new JsonObject(members);
        do {
            if (pos == n || s.charAt(pos) != '"') {
                throw error("expected a string key, found " + describe(pos), pos);
            }
            int keyAt = pos;
            String key = string();
            if (members.containsKey(key)) throw error("duplicate key " + Json.quote(key), keyAt);
            skipWhitespace();
            if (pos == n || s.charAt(pos) != ':') {
                throw error("expected ':' after an object key, found " + describe(pos), pos);
            }
            pos++;
            skipWhitespace();
            members.put(key, value());
        } while (!next('}', "an object member"));
        return new JsonObject(members);
    }

    private JsonArray array() {
        List<JsonValue> elements = new ArrayList<>();
        if (open(']')) return new JsonArray(elements);
        do {
            elements.add(value());
        } while (!next(']', "an array element"));
        return new JsonArray(elements);
    }

    /** Steps over the opening bracket at {@code pos}; true if the container closes right away. */
    private boolean open(char close) {
        if (++depth > Json.MAX_DEPTH) throw error("nesting deeper than " + Json.MAX_DEPTH + " levels", pos);
        pos++;
        skipWhitespace();
        return closes(close);
    }

    /** After a member or element: true if the container closes here, false after a ','. */
    private boolean next(char close, String what) {
        skipWhitespace();
        if (pos == n) throw error("expected ',' or '" + close + "', found the end of input", pos);
        if (closes(close)) return true;
        if (s.charAt(pos) != ',') {
            throw error("expected ',' or '" + close + "' after " + what + ", found " + describe(pos), pos);
        }
        pos++;
        skipWhitespace();
        if (pos < n && s.charAt(pos) == close) throw error("trailing comma before '" + close + "'", pos);
        return false;
    }

    private boolean closes(char close) {
        if (pos == n || s.charAt(pos) != close) return false;
        pos++;
        depth--;
        return true;
    }

    /** The string literal at {@code pos} (its opening quote), decoded. */
    private String string() {
        int open = pos;
        pos++;
        StringBuilder sb = null;
        int run = pos; // start of the characters not yet copied to sb
        while (true) {
            if (pos == n) throw error("unterminated string", open);
            char c = s.charAt(pos);
            if (c == '"') {
                String value = sb == null ? s.substring(run, pos) : sb.append(s, run, pos).toString();
                pos++;
                return value;
            }
            if (c < 0x20) throw error("unescaped control character " + describe(pos) + " in a string", pos);
            if (c == '\\') {
                if (sb == null) sb = new StringBuilder();
                sb.append(s, run, pos);
                escape(sb);
                run = pos;
            } else {
                pos++;
            }
        }
    }

    /** Decodes the escape at {@code pos} (its backslash) into {@code sb}. */
    private void escape(StringBuilder sb) {
        int at = pos;
        if (pos + 1 == n) throw error("unterminated string", at);
        char e = s.charAt(pos + 1);
        pos += 2;
        switch (e) {
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case '/' -> sb.append('/');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
                char c = hex4(at);
                if (Character.isHighSurrogate(c)) {
                    if (pos + 1 < n && s.charAt(pos) == '\\' && s.charAt(pos + 1) == 'u') {
                        int lowAt = pos;
                        pos += 2;
                        char low = hex4(lowAt);
                        if (Character.isLowSurrogate(low)) {
                            sb.append(c).append(low);
                            return;
                        }
                    }
                    throw error("unpaired surrogate " + s.substring(at, at + 6) + " (a high surrogate must be"
                            + " followed by a \\u escape of a low surrogate)", at);
                }
                if (Character.isLowSurrogate(c)) {
                    throw error("unpaired surrogate " + s.substring(at, at + 6) + " (a low surrogate without a"
                            + " high surrogate before it)", at);
                }
                sb.append(c);
            }
            default -> throw error("invalid escape \\" + (e < 0x20 ? describe(at + 1) : String.valueOf(e))
                    + " (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", at);
        }
    }

    /** The 4 hex digits at {@code pos}, for the escape starting at {@code escapeAt}. */
    private char hex4(int escapeAt) {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = pos + i < n ? hexDigit(s.charAt(pos + i)) : -1;
            if (digit < 0) throw error("invalid \\u escape: expected 4 hex digits", escapeAt);
            value = value << 4 | digit;
        }
        pos += 4;
        return (char) value;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    /** Skips a number literal: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    private void number() {
        int start = pos;
        if (pos < n && s.charAt(pos) == '-') pos++;
        if (!digitAt(pos)) throw error("expected a digit" + (pos > start ? " after '-'" : ""), pos);
        if (s.charAt(pos) == '0') {
            pos++;
            if (digitAt(pos)) throw error("leading zeros are not allowed in numbers", start);
        } else {
            skipDigits();
        }
        if (pos < n && s.charAt(pos) == '.') {
            pos++;
            if (!digitAt(pos)) throw error("expected a digit after '.'", pos);
            skipDigits();
        }
        if (pos < n && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            pos++;
            if (pos < n && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
            if (!digitAt(pos)) throw error("expected a digit in the exponent", pos);
            skipDigits();
        }
    }

    private boolean digitAt(int i) {
        return i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9';
    }

    private void skipDigits() {
        while (digitAt(pos)) pos++;
    }

    private void literal(String word) {
        if (!s.startsWith(word, pos)) throw error("invalid literal, expected " + word, pos);
        pos += word.length();
    }

    private void skipWhitespace() {
        while (pos < n) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }

    /** The character at {@code i} for a message: {@code 'x'}, {@code U+000A}, or "the end of input". */
    private String describe(int i) {
        if (i >= n) return "the end of input";
        char c = s.charAt(i);
        if (c > 0x20 && c < 0x7f) return "'" + c + "'";
        String hex = Integer.toHexString(c).toUpperCase(Locale.ROOT);
        return "U+" + "0000".substring(hex.length()) + hex;
    }

    private JsonException error(String reason, int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset && i < n; i++) {
            if (s.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new JsonException(reason, offset, line, offset - lineStart + 1);
    }
}
