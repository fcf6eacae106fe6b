package org.moe4j.templates.jinja;

/** One lexer token; line and column are 1-based positions in the template source. */
record Token(Kind kind, String value, int line, int column) {
    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    boolean is(Kind k, String v) {
        return kind == k && value.equals(v);
    }

    boolean isOp(String v) {
        return is(Kind.OP, v);
    }

    boolean isName(String v) {
        return is(Kind.NAME, v);
    }

    /** How an error message shows this token. */
    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case VAR_END -> "end of print statement '}}'";
            case BLOCK_END -> "end of statement block '%}'";
            case VAR_BEGIN -> "'{{'";
            case BLOCK_BEGIN -> "'{%'";
            case TEXT -> "text";
            case STRING -> "string literal";
            default -> "'" + value + "'";
        };
    }
}
