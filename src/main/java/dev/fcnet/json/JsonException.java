package dev.fcnet.json;

import java.io.Serial;

/** A document that is not JSON; the message says what is wrong and where (line, column, offset). */
public final class JsonException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final int offset;
    private final int line;
    private final int column;

    JsonException(String reason, int offset, int line, int column) {
        super(reason + " at line " + line + ", column " + column + " (offset " + offset + ")");
        this.reason = reason;
        this.offset = offset;
        this.line = line;
        this.column = column;
    }

    /** What is wrong, without the position. */
    public String reason() {
        return reason;
    }

    /** Offset of the offending character in the text, counted in chars from 0. */
    public int offset() {
        return offset;
    }

    /** Line of the offending character, from 1. */
    public int line() {
        return line;
    }

    /** Column of the offending character in its line, counted in chars from 1. */
    public int column() {
        return column;
    }
}
