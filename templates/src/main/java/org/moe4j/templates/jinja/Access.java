package org.moe4j.templates.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Attribute, item and slice access as Jinja2's sandboxed environment does it: {@code obj.name} tries
 * the Python attribute (a method such as {@code dict.items} or {@code str.strip}) before the item,
 * {@code obj[key]} the item before the attribute; what is missing is {@link Undefined}. Methods that
 * would change a value (list.append, dict.update) are refused, as ImmutableSandboxedEnvironment does.
 */
final class Access {
    private Access() {}

    private static final Set<String> MUTATING = Set.of("append", "extend", "insert", "pop", "remove", "clear",
            "sort", "reverse", "update", "setdefault", "popitem", "add", "discard");

    static Object attribute(Object v, String name) {
        switch (v) {
            case Map<?, ?> m -> {
                if (MUTATING.contains(name)) {
                    throw unsafe(v, name);
                }
                if (Methods.DICT.contains(name)) {
                    return Methods.bind(v, name);
                }
                return m.containsKey(name) ? m.get(name) : missing(v, name);
            }
            case String s -> {
                return Methods.STR.contains(name) ? Methods.bind(v, name) : missing(v, name);
            }
            case List<?> l -> {
                if (MUTATING.contains(name)) {
                    throw unsafe(v, name);
                }
                return Methods.LIST.contains(name) ? Methods.bind(v, name) : missing(v, name);
            }
            case Namespace ns -> {
                return ns.attributes().containsKey(name) ? ns.attributes().get(name) : missing(v, name);
            }
            case LoopContext loop -> {
                return loop.attribute(name);
            }
            default -> {
                return missing(v, name);
            }
        }
    }

    /** Jinja2's attr filter: the Python attribute only, never a dict's item. */
    static Object attributeOnly(Object v, String name) {
        if (v instanceof Map<?, ?>) {
            return Methods.DICT.contains(name) ? Methods.bind(v, name) : missing(v, name);
        }
        return attribute(v, name);
    }

    static Object item(Object v, Object key) {
        switch (v) {
            case Map<?, ?> m -> {
                if (m.containsKey(key)) {
                    return m.get(key);
                }
                return key instanceof String s ? attribute(v, s) : missing(v, Py.str(key));
            }
            case List<?> l -> {
                if (key instanceof Long || key instanceof Boolean) {
                    long k = Py.toLong(key);
                    long idx = k < 0 ? k + l.size() : k;
                    return idx >= 0 && idx < l.size() ? l.get((int) idx)
                            : new Undefined(Py.typeName(v) + " object has no element " + k);
                }
                return key instanceof String s ? attribute(v, s) : missing(v, Py.str(key));
            }
            case String s -> {
                if (key instanceof Long || key instanceof Boolean) {
                    int[] cps = s.codePoints().toArray();
                    long k = Py.toLong(key);
                    long idx = k < 0 ? k + cps.length : k;
                    return idx >= 0 && idx < cps.length ? Character.toString(cps[(int) idx])
                            : new Undefined("str object has no element " + k);
                }
                return key instanceof String name ? attribute(v, name) : missing(v, Py.str(key));
            }
            default -> {
                return key instanceof String name ? attribute(v, name) : missing(v, Py.str(key));
            }
        }
    }

    /** Python's {@code seq[start:stop:step]} on a list, tuple or string (in code points). */
    static Object slice(Object v, Object start, Object stop, Object step) {
        List<Object> items = switch (v) {
            case String s -> Py.iterate(s);
            case List<?> l -> new ArrayList<>(l);
            default -> throw new PyError("'" + Py.typeName(v) + "' object is not subscriptable");
        };
        int n = items.size();
        long st = step == null ? 1 : Py.toLong(step);
        if (st == 0) {
            throw new PyError("slice step cannot be zero");
        }
        long lo;
        long hi;
        if (st > 0) {
            lo = bound(start, n, 0, 0, n);
            hi = bound(stop, n, n, 0, n);
        } else {
            lo = bound(start, n, n - 1, -1, n - 1);
            hi = bound(stop, n, -1, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        for (long k = lo; st > 0 ? k < hi : k > hi; k += st) {
            out.add(items.get((int) k));
        }
        if (v instanceof String) {
            StringBuilder sb = new StringBuilder();
            out.forEach(o -> sb.append((String) o));
            return sb.toString();
        }
        return v instanceof PyTuple ? new PyTuple(out) : out;
    }

    /** CPython's PySlice_AdjustIndices for one bound. */
    private static long bound(Object value, int n, long absent, long min, long max) {
        if (value == null) {
            return absent;
        }
        long k = Py.toLong(value);
        if (k < 0) {
            k += n;
        }
        return Math.max(min, Math.min(max, k));
    }

    private static Undefined missing(Object v, String name) {
        String owner = v == null ? "None" : "'" + Py.typeName(v) + " object'";
        return new Undefined(owner + " has no attribute '" + name + "'");
    }

    private static PyError unsafe(Object v, String name) {
        return new PyError("access to attribute '" + name + "' of '" + Py.typeName(v) + "' object is unsafe "
                + "(templates cannot change their inputs)");
    }
}
