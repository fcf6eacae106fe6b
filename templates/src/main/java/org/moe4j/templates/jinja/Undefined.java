package org.moe4j.templates.jinja;

/**
 * Jinja2's default Undefined: a missing variable, key or attribute. It prints as nothing, is false,
 * iterates as empty and has length 0; reading an attribute or item of it, calling it or doing
 * arithmetic with it fails with a message naming what was missing.
 *
 * @param what how the missing value was reached, for messages: {@code 'x' is undefined},
 *             {@code 'dict object' has no attribute 'y'}
 */
record Undefined(String what) {
    PyError error() {
        return new PyError(what);
    }
}
