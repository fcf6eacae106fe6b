package org.moe4j.io;

/**
 * A JSON text that does not parse. The message names the position (line:column, both counted
 * from 1, columns in characters; or the byte offset for bad UTF-8) and what was expected there.
 */
public final class JsonException extends IllegalArgumentException {
    private final int line;
    private final int column;

    JsonException(String message, int line, int column) {
        super(message);
        this.line = line;
        this.column = column;
    }

    /** Line of the error, from 1; 0 when the error is in the UTF-8 encoding rather than the text. */
    public int line() {
        return line;
    }

    /** Column of the error in characters, from 1; 0 when the error is in the UTF-8 encoding. */
    public int column() {
        return column;
    }
}
