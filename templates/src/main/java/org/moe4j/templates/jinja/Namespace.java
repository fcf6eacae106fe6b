package org.moe4j.templates.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** Jinja2's {@code namespace(...)}: the one object whose attributes {@code set ns.x = ...} may assign, across scopes. */
final class Namespace {
    private final Map<String, Object> attributes = new LinkedHashMap<>();

    Map<String, Object> attributes() {
        return attributes;
    }
}
