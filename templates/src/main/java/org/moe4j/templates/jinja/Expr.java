package org.moe4j.templates.jinja;

import java.util.List;

/** Expression nodes of the parsed template; {@code at} is the source position for error messages. */
sealed interface Expr {
    /** A source position: 1-based line and column. */
    record At(int line, int column) {
        static At of(Token t) {
            return new At(t.line(), t.column());
        }
    }

    /** A keyword argument of a call, filter or test. */
    record Kwarg(String name, Expr value) {}

    record Const(Object value) implements Expr {}

    record Name(String name, At at) implements Expr {}

    record ListLit(List<Expr> items) implements Expr {}

    record TupleLit(List<Expr> items) implements Expr {}

    record DictLit(List<Expr> keys, List<Expr> values) implements Expr {}

    /** {@code obj.name}: Python attribute first, then item (Jinja2's getattr). */
    record GetAttr(Expr obj, String name, At at) implements Expr {}

    /** {@code obj[key]}: item first, then attribute (Jinja2's getitem). */
    record GetItem(Expr obj, Expr key, At at) implements Expr {}

    /** {@code obj[start:stop:step]}; a null bound is omitted. */
    record Slice(Expr obj, Expr start, Expr stop, Expr step, At at) implements Expr {}

    record Call(Expr fn, List<Expr> args, List<Kwarg> kwargs, At at) implements Expr {}

    record Filter(Expr value, String name, List<Expr> args, List<Kwarg> kwargs, At at) implements Expr {}

    record Test(Expr value, String name, boolean negated, List<Expr> args, List<Kwarg> kwargs, At at) implements Expr {}

    /** Unary {@code not}, {@code -}, {@code +}. */
    record Unary(String op, Expr operand, At at) implements Expr {}

    /** Arithmetic {@code + - * / // % **} and {@code ~}. */
    record Binary(String op, Expr left, Expr right, At at) implements Expr {}

    /** A comparison chain {@code a < b <= c}: ops are {@code == != < <= > >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, At at) implements Expr {}

    record And(Expr left, Expr right) implements Expr {}

    record Or(Expr left, Expr right) implements Expr {}

    /** {@code a if cond else b}; a missing else gives an undefined value, as in Jinja2. */
    record CondExpr(Expr cond, Expr then, Expr otherwise) implements Expr {}
}
