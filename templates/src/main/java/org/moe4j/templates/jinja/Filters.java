package org.moe4j.templates.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's built-in filters that chat templates use, with Jinja2 3.1's behaviour (sort, unique, min,
 * max and dictsort ignore case by default; round rounds half to even like Python's round; title is
 * Jinja2's own, not str.title), and transformers' {@code tojson}.
 */
final class Filters {
    private Filters() {}

    static final Set<String> NAMES = Set.of("abs", "attr", "batch", "capitalize", "center", "count", "d", "default",
            "dictsort", "e", "escape", "first", "float", "format", "indent", "int", "items", "join", "last", "length",
            "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe",
            "select", "selectattr", "sort", "string", "sum", "title", "tojson", "trim", "truncate", "unique", "upper",
            "wordcount");

    /** Positional and keyword arguments after the filtered value, read by parameter name and position. */
    private record Args(String filter, List<Object> args, Map<String, Object> kwargs) {
        Object get(int k, String name, Object absent) {
            if (k < args.size()) {
                return args.get(k);
            }
            return kwargs.containsKey(name) ? kwargs.get(name) : absent;
        }

        boolean flag(int k, String name, boolean absent) {
            return Py.truthy(get(k, name, absent));
        }
    }

    static Object apply(Interpreter in, String name, Object v, List<Object> args, Map<String, Object> kwargs) {
        Args a = new Args(name, args, kwargs);
        return switch (name) {
            case "abs" -> switch (v) {
                case Long l -> Math.abs(l);
                case Double d -> Math.abs(d);
                default -> throw new PyError("bad operand type for abs(): '" + Py.typeName(v) + "'");
            };
            case "attr" -> Access.attributeOnly(defined(v), Py.str(a.get(0, "name", "")));
            case "batch" -> {
                int size = (int) Py.toLong(a.get(0, "linecount", 1L));
                Object fill = a.get(1, "fill_with", null);
                List<Object> out = new ArrayList<>();
                List<Object> row = new ArrayList<>();
                for (Object x : Py.iterate(v)) {
                    row.add(x);
                    if (row.size() == size) {
                        out.add(row);
                        row = new ArrayList<>();
                    }
                }
                if (!row.isEmpty()) {
                    while (fill != null && row.size() < size) {
                        row.add(fill);
                    }
                    out.add(row);
                }
                yield out;
            }
            case "capitalize" -> Methods.bind(Py.str(v), "capitalize").call(List.of(), Map.of());
            case "center" -> Methods.center(Py.str(v), (int) Py.toLong(a.get(0, "width", 80L)), " ");
            case "count", "length" -> Py.length(v);
            case "d", "default" -> {
                boolean useIfFalse = a.flag(1, "boolean", false);
                yield v instanceof Undefined || (useIfFalse && !Py.truthy(v)) ? a.get(0, "default_value", "") : v;
            }
            case "dictsort" -> dictsort(v, a);
            case "e", "escape" -> escape(Py.str(v));
            case "first" -> {
                List<Object> items = Py.iterate(v);
                yield items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
            }
            case "float" -> toFloat(v, a.get(0, "default", 0.0));
            case "format" -> Methods.percentFormat(Py.str(v), args);
            case "indent" -> indent(Py.str(v), a);
            case "int" -> toInt(v, a.get(0, "default", 0L));
            case "items" -> {
                if (v instanceof Undefined) {
                    yield new ArrayList<>();
                }
                if (!(v instanceof Map<?, ?>)) {
                    throw new PyError("Can only get item pairs from a mapping.");
                }
                yield Methods.bind(v, "items").call(List.of(), Map.of());
            }
            case "join" -> {
                String sep = Py.str(a.get(0, "d", ""));
                Object attribute = a.get(1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                List<Object> items = Py.iterate(v);
                for (int k = 0; k < items.size(); k++) {
                    Object x = attribute == null ? items.get(k) : attributePath(items.get(k), attribute);
                    sb.append(k == 0 ? "" : sep).append(Py.str(x));
                }
                yield sb.toString();
            }
            case "last" -> {
                List<Object> items = Py.iterate(v);
                yield items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.get(items.size() - 1);
            }
            case "list" -> Py.iterate(v);
            case "lower" -> Py.str(v).toLowerCase(Locale.ROOT);
            case "upper" -> Py.str(v).toUpperCase(Locale.ROOT);
            case "map" -> map(in, v, a);
            case "max", "min" -> {
                List<Object> items = sortedBy(v, !a.flag(0, "case_sensitive", false), a.get(1, "attribute", null));
                yield items.isEmpty() ? new Undefined("No aggregated item, sequence was empty.")
                        : name.equals("max") ? items.get(items.size() - 1) : items.get(0);
            }
            case "select", "reject" -> {
                List<Object> out = new ArrayList<>();
                for (Object x : Py.iterate(v)) {
                    boolean hit = args.isEmpty() ? Py.truthy(x)
                            : in.test(Py.str(args.get(0)), x, args.subList(1, args.size()));
                    if (hit == name.equals("select")) {
                        out.add(x);
                    }
                }
                yield out;
            }
            case "selectattr", "rejectattr" -> {
                if (args.isEmpty()) {
                    throw new PyError(name + " needs an attribute name");
                }
                List<Object> out = new ArrayList<>();
                for (Object x : Py.iterate(v)) {
                    Object field = attributePath(x, args.get(0));
                    boolean hit = args.size() == 1 ? Py.truthy(field)
                            : in.test(Py.str(args.get(1)), field, args.subList(2, args.size()));
                    if (hit == name.equals("selectattr")) {
                        out.add(x);
                    }
                }
                yield out;
            }
            case "replace" -> Methods.replace(Py.str(v), Py.str(a.get(0, "old", "")), Py.str(a.get(1, "new", "")),
                    a.get(2, "count", null) == null ? -1 : Py.toLong(a.get(2, "count", null)));
            case "reverse" -> {
                if (v instanceof String s) {
                    yield Access.slice(s, null, null, -1L);
                }
                List<Object> items = Py.iterate(v);
                Collections.reverse(items);
                yield items;
            }
            case "round" -> round(v, (int) Py.toLong(a.get(0, "precision", 0L)), Py.str(a.get(1, "method", "common")));
            case "safe" -> v;
            case "sort" -> {
                List<Object> items = sortedBy(v, !a.flag(1, "case_sensitive", false), a.get(2, "attribute", null));
                if (a.flag(0, "reverse", false)) {
                    Collections.reverse(items);
                }
                yield items;
            }
            case "string" -> Py.str(v);
            case "sum" -> {
                Object attribute = a.get(0, "attribute", null);
                Object total = a.get(1, "start", 0L);
                for (Object x : Py.iterate(v)) {
                    total = Py.arithmetic("+", total, attribute == null ? x : attributePath(x, attribute));
                }
                yield total;
            }
            case "title" -> title(Py.str(v));
            case "tojson" -> PyJson.dumps(v instanceof Undefined u ? undefinedForJson(u) : v,
                    a.flag(0, "ensure_ascii", false), a.get(1, "indent", null), a.get(2, "separators", null),
                    a.flag(3, "sort_keys", false));
            case "trim" -> Methods.strip(Py.str(v), a.get(0, "chars", null), true, true);
            case "truncate" -> truncate(Py.str(v), a);
            case "unique" -> {
                boolean fold = !a.flag(0, "case_sensitive", false);
                Object attribute = a.get(1, "attribute", null);
                List<Object> out = new ArrayList<>();
                List<Object> seen = new ArrayList<>();
                for (Object x : Py.iterate(v)) {
                    Object key = foldKey(attribute == null ? x : attributePath(x, attribute), fold);
                    if (seen.stream().noneMatch(s -> Py.eq(s, key))) {
                        seen.add(key);
                        out.add(x);
                    }
                }
                yield out;
            }
            case "wordcount" -> {
                Matcher m = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS).matcher(Py.str(v));
                long n = 0;
                while (m.find()) {
                    n++;
                }
                yield n;
            }
            default -> throw new PyError("unknown filter '" + name + "'");
        };
    }

    private static Object defined(Object v) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
        return v;
    }

    private static Object undefinedForJson(Undefined u) {
        throw new PyError("Object of type Undefined is not JSON serializable (" + u.what() + ")");
    }

    /** Jinja2's attribute argument: {@code "a.b"} walks items/attributes, an int indexes. */
    static Object attributePath(Object x, Object attribute) {
        if (attribute instanceof Long) {
            return Access.item(x, attribute);
        }
        Object cur = x;
        for (String part : Py.str(attribute).split("\\.")) {
            Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part;
            cur = Access.item(defined(cur), key);
        }
        return cur;
    }

    private static Object foldKey(Object x, boolean fold) {
        return fold && x instanceof String s ? s.toLowerCase(Locale.ROOT) : x;
    }

    private static List<Object> sortedBy(Object v, boolean fold, Object attribute) {
        List<Object> items = Py.iterate(v);
        Comparator<Object> cmp = (x, y) -> Py.compare(
                foldKey(attribute == null ? x : attributePath(x, attribute), fold),
                foldKey(attribute == null ? y : attributePath(y, attribute), fold), "<");
        items.sort(cmp);
        return items;
    }

    private static Object dictsort(Object v, Args a) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new PyError("You can only sort by either \"key\" or \"value\" of a dict, got " + Py.typeName(v));
        }
        boolean fold = !a.flag(0, "case_sensitive", false);
        boolean byValue = Py.str(a.get(1, "by", "key")).equals("value");
        List<Object> items = new ArrayList<>();
        m.forEach((k, val) -> items.add(new PyTuple(java.util.Arrays.asList(k, val))));
        items.sort((x, y) -> Py.compare(foldKey(((List<?>) x).get(byValue ? 1 : 0), fold),
                foldKey(((List<?>) y).get(byValue ? 1 : 0), fold), "<"));
        if (a.flag(2, "reverse", false)) {
            Collections.reverse(items);
        }
        return items;
    }

    private static Object map(Interpreter in, Object v, Args a) {
        List<Object> out = new ArrayList<>();
        if (a.kwargs().containsKey("attribute")) {
            Object attribute = a.kwargs().get("attribute");
            Object dflt = a.kwargs().get("default");
            for (Object x : Py.iterate(v)) {
                Object value = attributePath(x, attribute);
                out.add(value instanceof Undefined && a.kwargs().containsKey("default") ? dflt : value);
            }
            return out;
        }
        if (a.args().isEmpty()) {
            throw new PyError("map needs a filter name or attribute=...");
        }
        String filter = Py.str(a.args().get(0));
        List<Object> rest = a.args().subList(1, a.args().size());
        for (Object x : Py.iterate(v)) {
            out.add(in.filter(filter, x, rest, Map.of()));
        }
        return out;
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Jinja2 3.1's indent: lines after the first get the indent; blank lines only with blank=True. */
    private static String indent(String s, Args a) {
        Object width = a.get(0, "width", 4L);
        String ind = width instanceof String w ? w : " ".repeat((int) Py.toLong(width));
        boolean first = a.flag(1, "first", false);
        boolean blank = a.flag(2, "blank", false);
        List<String> lines = Methods.splitlines(s + "\n");
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < lines.size(); k++) {
            String line = lines.get(k);
            if (k > 0) {
                sb.append('\n').append(blank || !line.isEmpty() ? ind : "");
            }
            sb.append(line);
        }
        return first ? ind + sb : sb.toString();
    }

    private static Object toInt(Object v, Object dflt) {
        return switch (v) {
            case Long l -> l;
            case Boolean b -> b ? 1L : 0L;
            case Double d -> Double.isFinite(d) ? (long) (double) d : dflt;
            case String s -> {
                String t = s.strip().replace("_", "");
                try {
                    yield Long.parseLong(t);
                } catch (NumberFormatException e) {
                    try {
                        yield (long) Double.parseDouble(t);
                    } catch (NumberFormatException e2) {
                        yield dflt;
                    }
                }
            }
            default -> dflt;
        };
    }

    private static Object toFloat(Object v, Object dflt) {
        return switch (v) {
            case Long l -> (double) l;
            case Double d -> d;
            case Boolean b -> b ? 1.0 : 0.0;
            case String s -> {
                try {
                    yield Double.parseDouble(s.strip());
                } catch (NumberFormatException e) {
                    yield dflt;
                }
            }
            default -> dflt;
        };
    }

    /** round(value, precision): 'common' is Python's round (exact half to even), 'floor' and 'ceil' as named. */
    private static Object round(Object v, int precision, String method) {
        if (!method.equals("common") && !method.equals("floor") && !method.equals("ceil")) {
            throw new PyError("method must be common, ceil or floor, not " + method);
        }
        if (v instanceof Long l && method.equals("common")) {
            return l;
        }
        double d = Py.toDouble(v);
        if (!Double.isFinite(d)) {
            return d;
        }
        RoundingMode mode = switch (method) {
            case "floor" -> RoundingMode.FLOOR;
            case "ceil" -> RoundingMode.CEILING;
            default -> RoundingMode.HALF_EVEN;
        };
        return new BigDecimal(d).setScale(precision, mode).doubleValue();
    }

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);

    /** Jinja2's title filter: each piece between runs of -, whitespace and opening brackets is capitalized. */
    private static String title(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int from = 0;
        while (m.find()) {
            sb.append(capitalizeWord(s.substring(from, m.start()))).append(m.group());
            from = m.end();
        }
        return sb.append(capitalizeWord(s.substring(from))).toString();
    }

    private static String capitalizeWord(String w) {
        if (w.isEmpty()) {
            return w;
        }
        int first = w.offsetByCodePoints(0, 1);
        return w.substring(0, first).toUpperCase(Locale.ROOT) + w.substring(first).toLowerCase(Locale.ROOT);
    }

    private static String truncate(String s, Args a) {
        int length = (int) Py.toLong(a.get(0, "length", 255L));
        boolean killwords = a.flag(1, "killwords", false);
        String end = Py.str(a.get(2, "end", "..."));
        int leeway = (int) Py.toLong(a.get(3, "leeway", 5L));
        if (length < end.length()) {
            throw new PyError("expected length >= " + end.length() + ", got " + length);
        }
        int n = s.codePointCount(0, s.length());
        if (n <= length + leeway) {
            return s;
        }
        String head = (String) Access.slice(s, 0L, (long) (length - end.length()), null);
        if (killwords) {
            return head + end;
        }
        int space = head.lastIndexOf(' ');
        return (space < 0 ? head : head.substring(0, space)) + end;
    }
}
