package org.moe4j.templates.jinja;

/**
 * The error a template raises on purpose with {@code raise_exception(message)} (transformers' global):
 * the message is the template's own, word for word, so a user sees what the model's authors wrote.
 */
public final class RaisedException extends TemplateException {
    public RaisedException(String message) {
        super(message);
    }
}
