package org.moe4j.templates.jinja;

import java.util.List;
import java.util.Map;

/** Something a template can call: a macro, a global function, or a bound method of a value. */
@FunctionalInterface
interface PyCallable {
    Object call(List<Object> args, Map<String, Object> kwargs);
}
