package dev.fcnet.json;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A JSON value (RFC 8259), as {@link Json#parse} produces it and {@link Json#write} prints it. */
public sealed interface JsonValue
        permits JsonValue.JsonObject, JsonValue.JsonArray, JsonValue.JsonString, JsonValue.JsonNumber,
                JsonValue.JsonBoolean, JsonValue.JsonNull {

    /** What kind of value this is, for error messages: "an object", "a string", "null", ... */
    String kind();

    /** An object; members keep their document order, and names are unique. */
    record JsonObject(Map<String, JsonValue> members) implements JsonValue {
        public JsonObject {
            members = Collections.unmodifiableMap(new LinkedHashMap<>(members));
        }

        /** The member's value, or null if there is no member of that name. */
        public JsonValue get(String name) {
            return members.get(name);
        }

        @Override
        public String kind() {
            return "an object";
        }
    }

    record JsonArray(List<JsonValue> elements) implements JsonValue {
        public JsonArray {
            elements = List.copyOf(elements);
        }

        @Override
        public String kind() {
            return "an array";
        }
    }

    record JsonString(String value) implements JsonValue {
        public JsonString {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String kind() {
            return "a string";
        }
    }

    /**
     * A number, kept as its literal text so nothing is rounded; convert it where the schema says what
     * it must be.
     */
    record JsonNumber(String text) implements JsonValue {
        /** @throws IllegalArgumentException if {@code text} is not a JSON number literal */
        public JsonNumber {
            boolean valid;
            try {
                valid = JsonParser.numberEnd(text, 0) == text.length();
            } catch (JsonException e) {
                valid = false;
            }
            if (!valid) throw new IllegalArgumentException("not a JSON number: " + text);
        }

        /**
         * The number as an int.
         *
         * @throws NumberFormatException if it has a fraction or exponent, or does not fit in an int
         */
        public int intValue() {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '.' || c == 'e' || c == 'E') {
                    throw new NumberFormatException(text + " is not an integer");
                }
            }
            // 11 characters hold any int ("-2147483648"); a longer literal cannot fit (no leading zeros).
            long value = text.length() > 11 ? Long.MAX_VALUE : Long.parseLong(text);
            if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
                throw new NumberFormatException(abbreviate(text) + " is out of range for an int ("
                        + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE + ")");
            }
            return (int) value;
        }

        private static String abbreviate(String text) {
            return text.length() <= 40 ? text : text.substring(0, 20) + "...(" + text.length() + " digits)";
        }

        @Override
        public String kind() {
            return "a number";
        }
    }

    record JsonBoolean(boolean value) implements JsonValue {
        @Override
        public String kind() {
            return "a boolean";
        }
    }

    record JsonNull() implements JsonValue {
        @Override
        public String kind() {
            return "null";
        }
    }
}
