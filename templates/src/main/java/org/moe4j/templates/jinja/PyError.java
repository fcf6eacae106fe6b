package org.moe4j.templates.jinja;

/**
 * A Python-level error while rendering (TypeError, UndefinedError, ...): thrown by the value
 * semantics, filters and methods without a position; the interpreter adds the template position
 * of the expression that failed and turns it into a {@link TemplateException}.
 */
final class PyError extends RuntimeException {
    PyError(String message) {
        super(message, null, false, false);
    }
}
