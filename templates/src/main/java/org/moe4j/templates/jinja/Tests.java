package org.moe4j.templates.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja2's built-in tests ({@code x is defined}, {@code x is string}, {@code n is divisibleby 3}, ...). */
final class Tests {
    private Tests() {}

    static final Set<String> NAMES = Set.of("boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==",
            "escaped", "even", "false", "filter", "float", "ge", ">=", "gt", "greaterthan", ">", "in", "integer",
            "iterable", "le", "<=", "lower", "lt", "lessthan", "<", "mapping", "ne", "!=", "none", "number", "odd",
            "sameas", "sequence", "string", "test", "true", "undefined", "upper");

    static boolean apply(String name, Object v, List<Object> args, Map<String, Object> kwargs) {
        Object arg = args.isEmpty() ? kwargs.values().stream().findFirst().orElse(null) : args.get(0);
        return switch (name) {
            case "boolean" -> v instanceof Boolean;
            case "callable" -> v instanceof PyCallable;
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "divisibleby" -> Py.toLong(v) % Py.toLong(arg) == 0;
            case "eq", "equalto", "==" -> Py.eq(v, arg);
            case "ne", "!=" -> !Py.eq(v, arg);
            case "escaped" -> false;
            case "even" -> Py.toLong(v) % 2 == 0;
            case "odd" -> Py.toLong(v) % 2 != 0;
            case "false" -> Boolean.FALSE.equals(v);
            case "true" -> Boolean.TRUE.equals(v);
            case "filter" -> v instanceof String s && Filters.NAMES.contains(s);
            case "test" -> v instanceof String s && NAMES.contains(s);
            case "float" -> v instanceof Double;
            case "integer" -> v instanceof Long;
            case "number" -> Py.isNumber(v);
            case "ge", ">=" -> Py.compare(v, arg, ">=") >= 0;
            case "gt", "greaterthan", ">" -> Py.compare(v, arg, ">") > 0;
            case "le", "<=" -> Py.compare(v, arg, "<=") <= 0;
            case "lt", "lessthan", "<" -> Py.compare(v, arg, "<") < 0;
            case "in" -> Py.contains(arg, v);
            case "iterable" -> v instanceof String || v instanceof List<?> || v instanceof Map<?, ?> || v instanceof Undefined;
            case "sequence" -> v instanceof String || v instanceof List<?> || v instanceof Map<?, ?> || v instanceof Undefined;
            case "mapping" -> v instanceof Map<?, ?>;
            case "string" -> v instanceof String;
            case "none" -> v == null;
            case "lower" -> v instanceof String s && (Boolean) Methods.bind(s, "islower").call(List.of(), Map.of());
            case "upper" -> v instanceof String s && (Boolean) Methods.bind(s, "isupper").call(List.of(), Map.of());
            case "sameas" -> v == arg || (v instanceof Boolean && v.equals(arg));
            default -> throw new PyError("unknown test '" + name + "'");
        };
    }
}
