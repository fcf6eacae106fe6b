package org.moe4j.templates.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Python's methods on str, dict and list that chat templates call ({@code content.startswith('<think>')},
 * {@code text.split('</think>')[-1].lstrip('\n')}, {@code d.items()}, {@code d.get('k', v)}), with
 * Python's rules: split() without a separator splits on runs of whitespace, strip() takes a set of
 * characters, find() counts code points. Also printf-style {@code %} and {@code str.format}.
 */
final class Methods {
    private Methods() {}

    static final Set<String> STR = Set.of("startswith", "endswith", "strip", "lstrip", "rstrip", "split", "rsplit",
            "splitlines", "replace", "upper", "lower", "title", "capitalize", "swapcase", "find", "rfind", "index",
            "rindex", "count", "join", "format", "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper",
            "isnumeric", "isdecimal", "removeprefix", "removesuffix", "partition", "rpartition", "zfill", "center",
            "ljust", "rjust");
    static final Set<String> DICT = Set.of("items", "keys", "values", "get", "copy");
    static final Set<String> LIST = Set.of("count", "index", "copy");

    static PyCallable bind(Object self, String name) {
        return (args, kwargs) -> {
            if (!kwargs.isEmpty()) {
                throw new PyError(Py.typeName(self) + "." + name + "() takes no keyword arguments here");
            }
            return switch (self) {
                case String s -> str(s, name, args);
                case Map<?, ?> m -> dict(m, name, args);
                case List<?> l -> list(l, name, args);
                default -> throw new PyError("'" + Py.typeName(self) + "' object has no method " + name);
            };
        };
    }

    private static Object arg(List<Object> args, int k, Object absent) {
        return k < args.size() ? args.get(k) : absent;
    }

    private static String strArg(List<Object> args, int k, String method) {
        Object a = arg(args, k, null);
        if (!(a instanceof String s)) {
            throw new PyError(method + "() argument " + (k + 1) + " must be str, not " + Py.typeName(a));
        }
        return s;
    }

    private static Object dict(Map<?, ?> m, String name, List<Object> args) {
        return switch (name) {
            case "items" -> {
                List<Object> r = new ArrayList<>();
                m.forEach((k, v) -> r.add(new PyTuple(java.util.Arrays.asList(k, v))));
                yield r;
            }
            case "keys" -> new ArrayList<Object>(m.keySet());
            case "values" -> new ArrayList<Object>(m.values());
            case "get" -> m.containsKey(arg(args, 0, null)) ? m.get(args.get(0)) : arg(args, 1, null);
            default -> new java.util.LinkedHashMap<Object, Object>(m);
        };
    }

    private static Object list(List<?> l, String name, List<Object> args) {
        return switch (name) {
            case "count" -> l.stream().filter(x -> Py.eq(x, arg(args, 0, null))).count();
            case "index" -> {
                for (int k = 0; k < l.size(); k++) {
                    if (Py.eq(l.get(k), arg(args, 0, null))) {
                        yield (long) k;
                    }
                }
                throw new PyError(Py.repr(arg(args, 0, null)) + " is not in list");
            }
            default -> new ArrayList<Object>(l);
        };
    }

    private static Object str(String s, String name, List<Object> args) {
        return switch (name) {
            case "startswith", "endswith" -> {
                Object p = arg(args, 0, null);
                List<Object> options = p instanceof PyTuple t ? t : List.of(strArg(args, 0, name));
                String part = s;
                if (args.size() > 1) {
                    part = (String) Access.slice(s, args.get(1), arg(args, 2, null), null);
                }
                boolean hit = false;
                for (Object o : options) {
                    String x = (String) o;
                    hit |= name.equals("startswith") ? part.startsWith(x) : part.endsWith(x);
                }
                yield hit;
            }
            case "strip" -> strip(s, arg(args, 0, null), true, true);
            case "lstrip" -> strip(s, arg(args, 0, null), true, false);
            case "rstrip" -> strip(s, arg(args, 0, null), false, true);
            case "split" -> split(s, arg(args, 0, null), (int) Py.toLong(arg(args, 1, -1L)));
            case "rsplit" -> rsplit(s, arg(args, 0, null), (int) Py.toLong(arg(args, 1, -1L)));
            case "splitlines" -> new ArrayList<Object>(splitlines(s));
            case "replace" -> replace(s, strArg(args, 0, name), strArg(args, 1, name), Py.toLong(arg(args, 2, -1L)));
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, s.offsetByCodePoints(0, 1)).toUpperCase(Locale.ROOT)
                    + s.substring(s.offsetByCodePoints(0, 1)).toLowerCase(Locale.ROOT);
            case "swapcase" -> {
                StringBuilder sb = new StringBuilder();
                s.codePoints().forEach(cp -> sb.append(Character.isUpperCase(cp)
                        ? Character.toString(cp).toLowerCase(Locale.ROOT) : Character.toString(cp).toUpperCase(Locale.ROOT)));
                yield sb.toString();
            }
            case "find", "index" -> {
                int at = s.indexOf(strArg(args, 0, name));
                if (at < 0 && name.equals("index")) {
                    throw new PyError("substring not found");
                }
                yield at < 0 ? -1L : (long) s.codePointCount(0, at);
            }
            case "rfind", "rindex" -> {
                int at = s.lastIndexOf(strArg(args, 0, name));
                if (at < 0 && name.equals("rindex")) {
                    throw new PyError("substring not found");
                }
                yield at < 0 ? -1L : (long) s.codePointCount(0, at);
            }
            case "count" -> {
                String sub = strArg(args, 0, name);
                if (sub.isEmpty()) {
                    yield (long) s.codePointCount(0, s.length()) + 1;
                }
                long n = 0;
                for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
                    n++;
                }
                yield n;
            }
            case "join" -> {
                StringBuilder sb = new StringBuilder();
                List<Object> parts = Py.iterate(arg(args, 0, null));
                for (int k = 0; k < parts.size(); k++) {
                    if (!(parts.get(k) instanceof String p)) {
                        throw new PyError("sequence item " + k + ": expected str instance, " + Py.typeName(parts.get(k)) + " found");
                    }
                    sb.append(k == 0 ? "" : s).append(p);
                }
                yield sb.toString();
            }
            case "format" -> format(s, args);
            case "isdigit", "isnumeric", "isdecimal" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(Py::isSpace);
            case "islower" -> s.codePoints().anyMatch(Character::isLowerCase)
                    && s.codePoints().noneMatch(cp -> Character.isUpperCase(cp) || Character.isTitleCase(cp));
            case "isupper" -> s.codePoints().anyMatch(Character::isUpperCase)
                    && s.codePoints().noneMatch(cp -> Character.isLowerCase(cp) || Character.isTitleCase(cp));
            case "removeprefix" -> s.startsWith(strArg(args, 0, name)) ? s.substring(strArg(args, 0, name).length()) : s;
            case "removesuffix" -> {
                String x = strArg(args, 0, name);
                yield !x.isEmpty() && s.endsWith(x) ? s.substring(0, s.length() - x.length()) : s;
            }
            case "partition", "rpartition" -> {
                String sep = strArg(args, 0, name);
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                yield at < 0 ? (name.equals("partition") ? new PyTuple(List.of(s, "", "")) : new PyTuple(List.of("", "", s)))
                        : new PyTuple(List.of(s.substring(0, at), sep, s.substring(at + sep.length())));
            }
            case "zfill" -> {
                int width = (int) Py.toLong(arg(args, 0, 0L));
                int len = s.codePointCount(0, s.length());
                if (len >= width) {
                    yield s;
                }
                boolean signed = s.startsWith("+") || s.startsWith("-");
                yield (signed ? s.substring(0, 1) : "") + "0".repeat(width - len) + (signed ? s.substring(1) : s);
            }
            case "center" -> center(s, (int) Py.toLong(arg(args, 0, 0L)), (String) arg(args, 1, " "));
            case "ljust", "rjust" -> {
                int pad = Math.max(0, (int) Py.toLong(arg(args, 0, 0L)) - s.codePointCount(0, s.length()));
                String fill = ((String) arg(args, 1, " ")).repeat(pad);
                yield name.equals("ljust") ? s + fill : fill + s;
            }
            default -> throw new PyError("'str' object has no method " + name);
        };
    }

    static String strip(String s, Object chars, boolean left, boolean right) {
        int[] cps = s.codePoints().toArray();
        Set<Integer> set = chars == null ? null : new java.util.HashSet<>();
        if (chars != null) {
            if (!(chars instanceof String c)) {
                throw new PyError("strip arg must be None or str");
            }
            c.codePoints().forEach(set::add);
        }
        int lo = 0;
        int hi = cps.length;
        while (left && lo < hi && (set == null ? Py.isSpace(cps[lo]) : set.contains(cps[lo]))) {
            lo++;
        }
        while (right && hi > lo && (set == null ? Py.isSpace(cps[hi - 1]) : set.contains(cps[hi - 1]))) {
            hi--;
        }
        return new String(cps, lo, hi - lo);
    }

    static List<Object> split(String s, Object sep, int maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int[] cps = s.codePoints().toArray();
            int k = 0;
            while (true) {
                while (k < cps.length && Py.isSpace(cps[k])) {
                    k++;
                }
                if (k >= cps.length) {
                    return out;
                }
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(strip(new String(cps, k, cps.length - k), null, false, true));
                    return out;
                }
                int start = k;
                while (k < cps.length && !Py.isSpace(cps[k])) {
                    k++;
                }
                out.add(new String(cps, start, k - start));
            }
        }
        String d = sepArg(sep);
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.indexOf(d, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + d.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<Object> rsplit(String s, Object sep, int maxsplit) {
        if (sep == null) {
            if (maxsplit < 0) {
                return split(s, null, -1);
            }
            List<Object> rev = split(new StringBuilder(s).reverse().toString(), null, maxsplit);
            List<Object> out = new ArrayList<>();
            for (int k = rev.size() - 1; k >= 0; k--) {
                out.add(new StringBuilder((String) rev.get(k)).reverse().toString());
            }
            return out;
        }
        String d = sepArg(sep);
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.lastIndexOf(d, end - d.length());
            if (at < 0) {
                break;
            }
            out.add(0, s.substring(at + d.length(), end));
            end = at;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    private static String sepArg(Object sep) {
        if (!(sep instanceof String d)) {
            throw new PyError("must be str or None, not " + Py.typeName(sep));
        }
        if (d.isEmpty()) {
            throw new PyError("empty separator");
        }
        return d;
    }

    /** Python's str.splitlines(): splits at \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029. */
    static List<String> splitlines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            boolean brk = c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e)
                    || c == 0x85 || c == 0x2028 || c == 0x2029;
            if (brk) {
                out.add(s.substring(start, k));
                if (c == '\r' && k + 1 < s.length() && s.charAt(k + 1) == '\n') {
                    k++;
                }
                start = k + 1;
            }
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    static String replace(String s, String old, String repl, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                StringBuilder sb = new StringBuilder(repl);
                s.codePoints().forEach(cp -> sb.appendCodePoint(cp).append(repl));
                return sb.toString();
            }
            return s.replace(old, repl);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0 || old.isEmpty()) {
                break;
            }
            sb.append(s, from, at).append(repl);
            from = at + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    /** Python's str.title(): a cased character after an uncased one is upper-cased, the others lower-cased. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevCased = false;
        for (int cp : s.codePoints().toArray()) {
            String c = Character.toString(cp);
            sb.append(prevCased ? c.toLowerCase(Locale.ROOT) : c.toUpperCase(Locale.ROOT));
            prevCased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
        }
        return sb.toString();
    }

    /** Python's str.center: the extra space goes right, unless both the margin and width are odd. */
    static String center(String s, int width, String fill) {
        int len = s.codePointCount(0, s.length());
        int marg = width - len;
        if (marg <= 0) {
            return s;
        }
        int left = marg / 2 + (marg & width & 1);
        return fill.repeat(left) + s + fill.repeat(marg - left);
    }

    /** str.format with {}, {0} and {name} fields (no format specs), and {{ }} escapes. */
    static String format(String fmt, List<Object> args) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int k = 0; k < fmt.length(); k++) {
            char c = fmt.charAt(k);
            if (c == '{' && k + 1 < fmt.length() && fmt.charAt(k + 1) == '{') {
                sb.append('{');
                k++;
            } else if (c == '}' && k + 1 < fmt.length() && fmt.charAt(k + 1) == '}') {
                sb.append('}');
                k++;
            } else if (c == '{') {
                int end = fmt.indexOf('}', k);
                if (end < 0) {
                    throw new PyError("Single '{' encountered in format string");
                }
                String field = fmt.substring(k + 1, end);
                if (field.contains(":") || field.contains("!")) {
                    throw new PyError("format specs and conversions in str.format are not supported: {" + field + "}");
                }
                int idx = field.isEmpty() ? auto++ : Integer.parseInt(field);
                if (idx >= args.size()) {
                    throw new PyError("Replacement index " + idx + " out of range for positional args tuple");
                }
                sb.append(Py.str(args.get(idx)));
                k = end;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** printf-style {@code fmt % args}: %s, %r, %d, %i, %f (with precision), %x, %%. */
    static String percentFormat(String fmt, List<?> args) {
        StringBuilder sb = new StringBuilder();
        int next = 0;
        for (int k = 0; k < fmt.length(); k++) {
            char c = fmt.charAt(k);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            int j = k + 1;
            while (j < fmt.length() && ".0123456789-+ ".indexOf(fmt.charAt(j)) >= 0) {
                j++;
            }
            if (j >= fmt.length()) {
                throw new PyError("incomplete format");
            }
            char conv = fmt.charAt(j);
            String flags = fmt.substring(k + 1, j);
            if (conv == '%') {
                sb.append('%');
                k = j;
                continue;
            }
            if (next >= args.size()) {
                throw new PyError("not enough arguments for format string");
            }
            Object a = args.get(next++);
            sb.append(switch (conv) {
                case 's' -> String.format("%" + flags + "s", Py.str(a));
                case 'r' -> String.format("%" + flags + "s", Py.repr(a));
                case 'd', 'i' -> String.format("%" + flags + "d", (long) Py.toDouble(a));
                case 'f', 'F' -> String.format(Locale.ROOT, "%" + (flags.contains(".") ? flags : flags + ".6") + "f", Py.toDouble(a));
                case 'x' -> Long.toHexString(Py.toLong(a));
                default -> throw new PyError("unsupported format character '" + conv + "'");
            });
            k = j;
        }
        if (next < args.size()) {
            throw new PyError("not all arguments converted during string formatting");
        }
        return sb.toString();
    }
}
