package org.moe4j.templates.jinja;

/**
 * A template that cannot be parsed or rendered: a syntax error, an unknown filter, test or function,
 * or a Python-level error while rendering (a type mismatch, a missing attribute of an undefined value).
 * The message names the line and column in the template source when known.
 */
public class TemplateException extends IllegalArgumentException {
    private final int line;
    private final int column;

    public TemplateException(String message, int line, int column) {
        super(line > 0 ? message + " (template line " + line + ", column " + column + ")" : message);
        this.line = line;
        this.column = column;
    }

    /** A message used as it is, for the error a template raises itself. */
    protected TemplateException(String message) {
        super(message);
        this.line = 0;
        this.column = 0;
    }

    /** 1-based line in the template source, 0 when unknown. */
    public int line() {
        return line;
    }

    /** 1-based column in the template source, 0 when unknown. */
    public int column() {
        return column;
    }
}
