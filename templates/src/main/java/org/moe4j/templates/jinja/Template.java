package org.moe4j.templates.jinja;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A compiled Jinja2 template, configured as transformers configures Jinja2 for chat templates:
 * trim_blocks and lstrip_blocks on, the loop controls {@code break}/{@code continue}, the globals
 * {@code raise_exception(message)} and {@code strftime_now(format)}, and a {@code tojson} filter that
 * is Python's json.dumps (no HTML escaping). Also the standard globals {@code range},
 * {@code namespace} and {@code dict}.
 *
 * <p>Values passed in are JSON-like: maps, lists, strings, numbers, booleans and null.
 */
public final class Template {
    private final List<Node> nodes;

    private Template(List<Node> nodes) {
        this.nodes = nodes;
    }

    /** Parses a template; a syntax error, unknown filter or unknown test fails here with line and column. */
    public static Template compile(String source) {
        return new Template(Parser.parse(source));
    }

    /** Renders with {@code strftime_now} reading the system clock in the local time zone, as transformers does. */
    public String render(Map<String, ?> variables) {
        return render(variables, Clock.systemDefaultZone());
    }

    /**
     * Renders the template.
     *
     * @throws RaisedException   when the template calls raise_exception (the template's own message)
     * @throws TemplateException for any other error, naming its line and column
     */
    public String render(Map<String, ?> variables, Clock clock) {
        Map<String, Object> vars = new LinkedHashMap<>();
        variables.forEach((k, v) -> vars.put(k, normalize(v, k)));
        return new Interpreter(globals(clock)).render(nodes, vars);
    }

    private static Map<String, Object> globals(Clock clock) {
        Map<String, Object> g = new TreeMap<>();
        g.put("raise_exception", (PyCallable) (args, kwargs) -> {
            throw new RaisedException(args.isEmpty() ? "" : Py.str(args.get(0)));
        });
        g.put("strftime_now", (PyCallable) (args, kwargs) -> {
            if (args.size() != 1 || !(args.get(0) instanceof String fmt)) {
                throw new PyError("strftime_now takes one format string");
            }
            return Strftime.format(fmt, ZonedDateTime.now(clock));
        });
        g.put("range", (PyCallable) (args, kwargs) -> range(args));
        g.put("namespace", (PyCallable) (args, kwargs) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (!(a instanceof Map<?, ?> m)) {
                    throw new PyError("namespace() takes keyword arguments or a dict, not " + Py.typeName(a));
                }
                m.forEach((k, v) -> ns.attributes().put(Py.str(k), v));
            }
            ns.attributes().putAll(kwargs);
            return ns;
        });
        g.put("dict", (PyCallable) (args, kwargs) -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            for (Object a : args) {
                if (!(a instanceof Map<?, ?> m)) {
                    throw new PyError("dict() takes keyword arguments or a dict, not " + Py.typeName(a));
                }
                d.putAll(m);
            }
            d.putAll(kwargs);
            return d;
        });
        return g;
    }

    /** Sandboxed Jinja2 refuses ranges longer than this (MAX_RANGE). */
    private static final long MAX_RANGE = 100_000;

    private static List<Object> range(List<Object> args) {
        if (args.isEmpty() || args.size() > 3) {
            throw new PyError("range expected 1 to 3 arguments, got " + args.size());
        }
        long start = args.size() == 1 ? 0 : Py.toLong(args.get(0));
        long stop = Py.toLong(args.get(args.size() == 1 ? 0 : 1));
        long step = args.size() == 3 ? Py.toLong(args.get(2)) : 1;
        if (step == 0) {
            throw new PyError("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long k = start; step > 0 ? k < stop : k > stop; k += step) {
            if (out.size() >= MAX_RANGE) {
                throw new PyError("range too big, the sandbox allows " + MAX_RANGE + " items");
            }
            out.add(k);
        }
        return out;
    }

    /** Copies a JSON-like Java value into the engine's value types (int kinds to Long, floats to Double). */
    private static Object normalize(Object v, String path) {
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case Double d -> d;
            case Float f -> (double) f;
            case Map<?, ?> m -> {
                Map<Object, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(normalize(k, path), normalize(x, path + "." + k)));
                yield out;
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (int k = 0; k < l.size(); k++) {
                    out.add(normalize(l.get(k), path + "[" + k + "]"));
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("template variable " + path + " has type "
                    + v.getClass().getName() + "; allowed: Map, List, String, Boolean, Integer, Long, Float, Double, null");
        };
    }
}
