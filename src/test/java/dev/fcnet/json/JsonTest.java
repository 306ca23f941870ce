package dev.fcnet.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonBoolean;
import dev.fcnet.json.JsonValue.JsonNull;
import dev.fcnet.json.JsonValue.JsonNumber;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

    private static final Duration QUICK = Duration.ofSeconds(10);

    @Test
    void parsesEveryKindOfValue() {
        JsonValue v = Json.parse(" {\"a\" : [1, -0.5e+3, true, false, null, \"x\"],\r\n\t\"b\":{}, \"c\":[]} ");
        Map<String, JsonValue> m = new LinkedHashMap<>();
        m.put("a", new JsonArray(List.of(new JsonNumber("1"), new JsonNumber("-0.5e+3"), new JsonBoolean(true),
                new JsonBoolean(false), new JsonNull(), new JsonString("x"))));
        m.put("b", new JsonObject(Map.of()));
        m.put("c", new JsonArray(List.of()));
        assertEquals(new JsonObject(m), v);
        assertEquals(List.of("a", "b", "c"), List.copyOf(((JsonObject) v).members().keySet()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-0", "1", "-1", "10", "0.5", "1.25e10", "1E-7", "-0.0e+0", "123456789012345678901234567890",
        "1e999999999", "true", "false", "null", "\"\"", "[]", "{}", "[[[]]]", "{\"a\":{\"b\":[1,{\"c\":null}]}}",
        "\"\\u0000\\u001f \\\" \\\\ \\b\\f\\n\\r\\t\"", "[\"é\",\"\uD83D\uDE00\",\"\u2028\"]"})
    void compactDocumentsRoundTrip(String text) {
        assertEquals(text, Json.write(Json.parse(text)));
    }

    @Test
    void decodesEscapes() {
        assertEquals(new JsonString("\"\\/\b\f\n\r\té\uD83D\uDE00A"),
                Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\\u0041\""));
        assertEquals(new JsonString("é"), Json.parse("\"é\""));
    }

    @Test
    void writerEscapesControlsAndLoneSurrogates() {
        // DEL (U+007F) needs no escape in JSON; the C0 controls do.
        assertEquals("\"a\\u0001b\\n\\u001f\u007f\"", Json.write(new JsonString("a\u0001b\n\u001f\u007f")));
        assertEquals("\"\\ud800x\\udc00\"", Json.write(new JsonString("\uD800x\uDC00")));
        assertEquals("\"\\\"q\\\"\"", Json.quote("\"q\""));
    }

    @Test
    void intValues() {
        assertEquals(0, new JsonNumber("-0").intValue());
        assertEquals(Integer.MAX_VALUE, new JsonNumber("2147483647").intValue());
        assertEquals(Integer.MIN_VALUE, new JsonNumber("-2147483648").intValue());
        assertEquals("2147483648 is out of range for an int (-2147483648..2147483647)",
                assertThrows(NumberFormatException.class, () -> new JsonNumber("2147483648").intValue()).getMessage());
        assertEquals("-2147483649 is out of range for an int (-2147483648..2147483647)",
                assertThrows(NumberFormatException.class, () -> new JsonNumber("-2147483649").intValue()).getMessage());
        assertEquals("1.0 is not an integer",
                assertThrows(NumberFormatException.class, () -> new JsonNumber("1.0").intValue()).getMessage());
        assertEquals("1e2 is not an integer",
                assertThrows(NumberFormatException.class, () -> new JsonNumber("1e2").intValue()).getMessage());
        String huge = "9".repeat(5_000_000);
        JsonNumber parsed = (JsonNumber) assertTimeoutPreemptively(QUICK, () -> Json.parse(huge));
        assertEquals("99999999999999999999...(5000000 digits) is out of range for an int (-2147483648..2147483647)",
                assertThrows(NumberFormatException.class, parsed::intValue).getMessage());
        assertEquals("1e999999999 is not an integer",
                assertThrows(NumberFormatException.class, () -> ((JsonNumber) Json.parse("1e999999999")).intValue())
                        .getMessage());
    }

    @Test
    void numberRecordRejectsNonNumbers() {
        assertEquals("not a JSON number: 01", assertThrows(IllegalArgumentException.class, () -> new JsonNumber("01"))
                .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new JsonNumber("1 "));
        assertThrows(IllegalArgumentException.class, () -> new JsonNumber("NaN"));
    }

    /** Each malformed text with the exact message (reason and position). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``|expected a JSON value, found the end of input at line 1, column 1 (offset 0)",
        "`   `|expected a JSON value, found the end of input at line 1, column 4 (offset 3)",
        "{|expected a string key, found the end of input at line 1, column 2 (offset 1)",
        "{\"a\":1|expected ',' or '}', found the end of input at line 1, column 7 (offset 6)",
        "{\"a\":|expected a value, found the end of input at line 1, column 6 (offset 5)",
        "{\"a\"|expected ':' after an object key, found the end of input at line 1, column 5 (offset 4)",
        "[1,2|expected ',' or ']', found the end of input at line 1, column 5 (offset 4)",
        "[1,]|trailing comma before ']' at line 1, column 4 (offset 3)",
        "{\"a\":1,}|trailing comma before '}' at line 1, column 8 (offset 7)",
        "{\"a\" 1}|expected ':' after an object key, found '1' at line 1, column 6 (offset 5)",
        "{a:1}|expected a string key, found 'a' at line 1, column 2 (offset 1)",
        "{\"a\":1 \"b\":2}|expected ',' or '}' after an object member, found '\"' at line 1, column 8 (offset 7)",
        "[1 2]|expected ',' or ']' after an array element, found '2' at line 1, column 4 (offset 3)",
        "{\"a\":1,\"a\":2}|duplicate key \"a\" at line 1, column 8 (offset 7)",
        "01|leading zeros are not allowed in numbers at line 1, column 1 (offset 0)",
        "[-012]|leading zeros are not allowed in numbers at line 1, column 2 (offset 1)",
        "-|expected a digit after '-' at line 1, column 2 (offset 1)",
        "-x|expected a digit after '-' at line 1, column 2 (offset 1)",
        "1.|expected a digit after '.' at line 1, column 3 (offset 2)",
        "1.e5|expected a digit after '.' at line 1, column 3 (offset 2)",
        "1e|expected a digit in the exponent at line 1, column 3 (offset 2)",
        "1e+|expected a digit in the exponent at line 1, column 4 (offset 3)",
        "+1|expected a value, found '+' at line 1, column 1 (offset 0)",
        ".5|expected a value, found '.' at line 1, column 1 (offset 0)",
        "NaN|expected a value, found 'N' at line 1, column 1 (offset 0)",
        "Infinity|expected a value, found 'I' at line 1, column 1 (offset 0)",
        "'a'|expected a value, found ''' at line 1, column 1 (offset 0)",
        "tru|invalid literal, expected true at line 1, column 1 (offset 0)",
        "[nul]|invalid literal, expected null at line 1, column 2 (offset 1)",
        "True|expected a value, found 'T' at line 1, column 1 (offset 0)",
        "\"abc|unterminated string at line 1, column 1 (offset 0)",
        "[\"a\\|unterminated string at line 1, column 4 (offset 3)",
        "\"\\x\"|invalid escape \\x (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX) at line 1, column 2 (offset 1)",
        "\"\\U0041\"|invalid escape \\U (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX) at line 1, column 2 (offset 1)",
        "\"\\u12\"|invalid \\u escape: expected 4 hex digits at line 1, column 2 (offset 1)",
        "\"\\u12g4\"|invalid \\u escape: expected 4 hex digits at line 1, column 2 (offset 1)",
        "\"\\u|invalid \\u escape: expected 4 hex digits at line 1, column 2 (offset 1)",
        "\"\\ud800\"|unpaired surrogate \\ud800 (a high surrogate must be followed by a \\u escape of a low surrogate) at line 1, column 2 (offset 1)",
        "\"\\ud800\\u0041\"|unpaired surrogate \\ud800 (a high surrogate must be followed by a \\u escape of a low surrogate) at line 1, column 2 (offset 1)",
        "\"\\ud800\\ud800\"|unpaired surrogate \\ud800 (a high surrogate must be followed by a \\u escape of a low surrogate) at line 1, column 2 (offset 1)",
        "\"x\\uDC00\"|unpaired surrogate \\uDC00 (a low surrogate without a high surrogate before it) at line 1, column 3 (offset 2)",
        "[1] x|unexpected 'x' after the JSON value at line 1, column 5 (offset 4)",
        "{}{}|unexpected '{' after the JSON value at line 1, column 3 (offset 2)",
        "{} // comment|unexpected '/' after the JSON value at line 1, column 4 (offset 3)",
        "/* c */ 1|expected a value, found '/' at line 1, column 1 (offset 0)",
        "\uFEFF{}|expected a value, found U+FEFF at line 1, column 1 (offset 0)",
        "[1,\u00a02]|expected a value, found U+00A0 at line 1, column 4 (offset 3)"})
    void rejectsMalformedText(String text, String message) {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void rejectsControlCharactersInStrings() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("[\"ok\",\n\"a\tb\"]"));
        assertEquals("unescaped control character U+0009 in a string at line 2, column 3 (offset 9)", e.getMessage());
        assertEquals("unescaped control character U+0009 in a string", e.reason());
        assertEquals(2, e.line());
        assertEquals(3, e.column());
        assertEquals(9, e.offset());
        assertThrows(JsonException.class, () -> Json.parse("\"\u0000\""));
    }

    @Test
    void positionsCountLines() {
        JsonException e = assertThrows(JsonException.class, () -> Json.parse("{\n  \"a\": 1,\n  \"b\": tru\n}"));
        assertEquals("invalid literal, expected true at line 3, column 8 (offset 19)", e.getMessage());
    }

    @Test
    void depthLimitIsExact() {
        String deepest = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertEquals(deepest, Json.write(Json.parse(deepest)));
        String tooDeep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertEquals("nesting deeper than 64 levels at line 1, column 65 (offset 64)",
                assertThrows(JsonException.class, () -> Json.parse(tooDeep)).getMessage());
    }

    @Test
    void hostileNestingFailsCleanly() {
        assertTimeoutPreemptively(QUICK, () -> {
            assertEquals("nesting deeper than 64 levels at line 1, column 65 (offset 64)",
                    assertThrows(JsonException.class, () -> Json.parse("[".repeat(100_000))).getMessage());
            assertEquals("nesting deeper than 64 levels at line 1, column 321 (offset 320)",
                    assertThrows(JsonException.class, () -> Json.parse("{\"a\":".repeat(100_000))).getMessage());
            assertEquals("nesting deeper than 64 levels at line 1, column 193 (offset 192)",
                    assertThrows(JsonException.class, () -> Json.parse("[{\"a\":".repeat(1_000_000))).getMessage());
        });
    }

    @Test
    void largeFlatInputIsLinear() {
        String big = "[" + "\"abcdefgh\",".repeat(500_000) + "0]";
        JsonArray a = (JsonArray) assertTimeoutPreemptively(QUICK, () -> Json.parse(big));
        assertEquals(500_001, a.elements().size());
        String unterminated = "\"" + "x".repeat(5_000_000);
        assertEquals("unterminated string at line 1, column 1 (offset 0)", assertTimeoutPreemptively(QUICK,
                () -> assertThrows(JsonException.class, () -> Json.parse(unterminated))).getMessage());
    }

    @Test
    void kinds() {
        assertEquals(List.of("an object", "an array", "a string", "a number", "a boolean", "null"),
                List.of(Json.parse("{}").kind(), Json.parse("[]").kind(), Json.parse("\"\"").kind(),
                        Json.parse("1").kind(), Json.parse("true").kind(), Json.parse("null").kind()));
    }
}
