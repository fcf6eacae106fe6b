package org.moe4j.templates.jinja;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's value semantics, which Jinja2 templates inherit: truthiness, {@code str()} and {@code repr()},
 * equality across int/float/bool, ordering, arithmetic, {@code len()} in code points, iteration.
 *
 * <p>Values: {@code null} is None, {@link Boolean}, {@link Long} (int), {@link Double} (float),
 * {@link String}, {@link List} (a {@link PyTuple} is a tuple), {@link Map} (dict, insertion order),
 * {@link Undefined}, {@link Namespace}, {@link PyCallable}, {@link LoopContext}.
 */
final class Py {
    private Py() {}

    /** Python's str.isspace() for one code point (Unicode White_Space plus the separators Python counts). */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || cp == 0x85 || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
    }

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Double d -> "float";
            case String s -> "str";
            case PyTuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case LoopContext l -> "LoopContext";
            case PyCallable c -> "function";
            default -> v.getClass().getSimpleName();
        };
    }

    /** Python's str(); an undefined value prints as nothing (Jinja2's default Undefined). */
    static String str(Object v) {
        return switch (v) {
            case String s -> s;
            case Undefined u -> "";
            case null -> "None";
            default -> repr(v);
        };
    }

    static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case Long l -> l.toString();
            case Double d -> floatRepr(d);
            case String s -> stringRepr(s);
            case PyTuple t -> t.size() == 1 ? "(" + repr(t.get(0)) + ",)" : join(t, "(", ")");
            case List<?> l -> join(l, "[", "]");
            case Map<?, ?> m -> {
                StringBuilder sb = new StringBuilder("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                    first = false;
                }
                yield sb.append('}').toString();
            }
            case Undefined u -> "";
            case Namespace n -> "<Namespace " + repr(n.attributes()) + ">";
            default -> v.toString();
        };
    }

    private static String join(List<?> l, String open, String close) {
        StringBuilder sb = new StringBuilder(open);
        for (int k = 0; k < l.size(); k++) {
            sb.append(k == 0 ? "" : ", ").append(repr(l.get(k)));
        }
        return sb.append(close).toString();
    }

    /**
     * Python's float repr: the shortest digits that read back to the same double (Java's
     * Double.toString gives the same digits), written in fixed notation when the decimal exponent
     * is in [-4, 16) and as {@code d.ddde+XX} otherwise (CPython's float_repr_style 'short').
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - bd.scale();
        // value = 0.digits * 10^exp
        String sign = d < 0 ? "-" : "";
        if (exp > -4 && exp <= 16) {
            if (exp <= 0) {
                return sign + "0." + "0".repeat(-exp) + digits;
            }
            if (exp >= digits.length()) {
                return sign + digits + "0".repeat(exp - digits.length()) + ".0";
            }
            return sign + digits.substring(0, exp) + "." + digits.substring(exp);
        }
        int e = exp - 1;
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    }

    /** Python's repr of a str: single quotes unless the text has ' and no ", escapes for non-printables. */
    static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (!isPrintable(cp)) {
                if (cp < 0x100) {
                    sb.append(String.format("\\x%02x", cp));
                } else if (cp < 0x10000) {
                    sb.append(String.format("\\u%04x", cp));
                } else {
                    sb.append(String.format("\\U%08x", cp));
                }
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.append(quote).toString();
    }

    /** Python's str.isprintable() for one code point: not Cc, Cf, Cs, Co, Cn, Zl, Zp, or Zs other than ' '. */
    static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static double toDouble(Object v) {
        return switch (v) {
            case Long l -> l;
            case Double d -> d;
            case Boolean b -> b ? 1 : 0;
            default -> throw new PyError("expected a number, got '" + typeName(v) + "'");
        };
    }

    static long toLong(Object v) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1 : 0;
            default -> throw new PyError("'" + typeName(v) + "' object cannot be interpreted as an integer");
        };
    }

    static boolean eq(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (isNumber(a) && isNumber(b)) {
            if ((a instanceof Double) || (b instanceof Double)) {
                return toDouble(a) == toDouble(b);
            }
            return toLong(a) == toLong(b);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size() || (x instanceof PyTuple) != (y instanceof PyTuple)) {
                return false;
            }
            for (int k = 0; k < x.size(); k++) {
                if (!eq(x.get(k), y.get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !eq(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) {
            return true;
        }
        return a.equals(b);
    }

    /** Python's ordering: numbers, strings by code point, lists and tuples element by element. */
    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return Double.compare(toDouble(a), toDouble(b));
            }
            return Long.compare(toLong(a), toLong(b));
        }
        if (a instanceof String x && b instanceof String y) {
            return compareCodePoints(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int k = 0; k < Math.min(x.size(), y.size()); k++) {
                if (!eq(x.get(k), y.get(k))) {
                    return compare(x.get(k), y.get(k), op);
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new PyError("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    static int compareCodePoints(String x, String y) {
        Iterator<Integer> i = x.codePoints().iterator();
        Iterator<Integer> j = y.codePoints().iterator();
        while (i.hasNext() && j.hasNext()) {
            int c = Integer.compare(i.next(), j.next());
            if (c != 0) {
                return c;
            }
        }
        return Boolean.compare(i.hasNext(), j.hasNext());
    }

    static long length(Object v) {
        return switch (v) {
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            default -> throw new PyError("object of type '" + typeName(v) + "' has no len()");
        };
    }

    /** Python's iter(): a string gives its characters, a dict its keys, an undefined value nothing. */
    static List<Object> iterate(Object v) {
        return switch (v) {
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> {
                List<Object> chars = new ArrayList<>();
                s.codePoints().forEach(cp -> chars.add(Character.toString(cp)));
                yield chars;
            }
            case Undefined u -> new ArrayList<>();
            default -> throw new PyError("'" + typeName(v) + "' object is not iterable");
        };
    }

    /** Python's {@code x in container}. */
    static boolean contains(Object container, Object item) {
        return switch (container) {
            case String s -> {
                if (!(item instanceof String t)) {
                    throw new PyError("'in <string>' requires string as left operand, not " + typeName(item));
                }
                yield s.contains(t);
            }
            case List<?> l -> l.stream().anyMatch(x -> eq(x, item));
            case Map<?, ?> m -> m.keySet().stream().anyMatch(k -> eq(k, item));
            case Undefined u -> false;
            case null -> throw new PyError("argument of type 'NoneType' is not iterable");
            default -> throw new PyError("argument of type '" + typeName(container) + "' is not iterable");
        };
    }

    /** Python's binary operators {@code + - * / // % **}. */
    static Object arithmetic(String op, Object a, Object b) {
        // Jinja2's Undefined fails any arithmetic with the message of how it was reached
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        if (isNumber(a) && isNumber(b)) {
            boolean floats = a instanceof Double || b instanceof Double;
            return floats ? floatOp(op, toDouble(a), toDouble(b)) : intOp(op, toLong(a), toLong(b));
        }
        switch (op) {
            case "+" -> {
                if (a instanceof String x && b instanceof String y) {
                    return x + y;
                }
                if (a instanceof List<?> x && b instanceof List<?> y && (x instanceof PyTuple) == (y instanceof PyTuple)) {
                    List<Object> r = new ArrayList<>(x);
                    r.addAll(y);
                    return x instanceof PyTuple ? new PyTuple(r) : r;
                }
                if (a instanceof String) {
                    throw new PyError("can only concatenate str (not \"" + typeName(b) + "\") to str");
                }
            }
            case "*" -> {
                if (b instanceof String || b instanceof List<?>) {
                    return arithmetic("*", b, a);
                }
                if (a instanceof String s && (b instanceof Long || b instanceof Boolean)) {
                    return s.repeat((int) Math.max(0, toLong(b)));
                }
                if (a instanceof List<?> l && (b instanceof Long || b instanceof Boolean)) {
                    List<Object> r = new ArrayList<>();
                    for (long k = 0; k < toLong(b); k++) {
                        r.addAll(l);
                    }
                    return r;
                }
            }
            case "%" -> {
                if (a instanceof String s) {
                    return Methods.percentFormat(s, b instanceof PyTuple t ? t : List.of(b));
                }
            }
            default -> { }
        }
        throw new PyError("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    private static Object intOp(String op, long a, long b) {
        return switch (op) {
            case "+" -> a + b;
            case "-" -> a - b;
            case "*" -> a * b;
            case "/" -> {
                if (b == 0) {
                    throw new PyError("division by zero");
                }
                yield (double) a / b;
            }
            case "//" -> {
                if (b == 0) {
                    throw new PyError("integer division or modulo by zero");
                }
                yield Math.floorDiv(a, b);
            }
            case "%" -> {
                if (b == 0) {
                    throw new PyError("integer division or modulo by zero");
                }
                yield Math.floorMod(a, b);
            }
            case "**" -> b >= 0 ? (Object) powLong(a, b) : Math.pow(a, b);
            default -> throw new PyError("unknown operator " + op);
        };
    }

    private static long powLong(long a, long b) {
        long r = 1;
        for (long k = 0; k < b; k++) {
            r = Math.multiplyExact(r, a);
        }
        return r;
    }

    private static Object floatOp(String op, double a, double b) {
        return switch (op) {
            case "+" -> a + b;
            case "-" -> a - b;
            case "*" -> a * b;
            case "/" -> {
                if (b == 0) {
                    throw new PyError("float division by zero");
                }
                yield a / b;
            }
            case "//" -> {
                if (b == 0) {
                    throw new PyError("float floor division by zero");
                }
                yield Math.floor(a / b);
            }
            case "%" -> {
                if (b == 0) {
                    throw new PyError("float modulo");
                }
                double r = a % b;
                yield (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
            }
            case "**" -> Math.pow(a, b);
            default -> throw new PyError("unknown operator " + op);
        };
    }
}
