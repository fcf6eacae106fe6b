package org.moe4j.templates.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Expressions with Jinja2's grammar and precedence (jinja2/parser.py), lowest first:
 * {@code a if c else b}, {@code or}, {@code and}, {@code not}, comparisons and {@code in},
 * {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary {@code - +}, then a primary with its
 * postfixes ({@code .x}, {@code [i]}, {@code [a:b:c]}, calls) and filters/tests ({@code |f}, {@code is t}).
 * Unknown filters and tests fail here, at compile time, as in Jinja2.
 */
final class ExpressionParser {
    private final TokenStream ts;

    ExpressionParser(TokenStream ts) {
        this.ts = ts;
    }

    private Token peek() {
        return ts.peek();
    }

    private Token peekAt(int k) {
        return ts.peekAt(k);
    }

    private Token next() {
        return ts.next();
    }

    private TemplateException error(Token at, String message) {
        return ts.error(at, message);
    }

    private Token expectOp(String op) {
        return ts.expectOp(op);
    }


    /** An expression, or a tuple when commas follow (Jinja2's parse_tuple). */
    Expr tuple(boolean withCondexpr) {
        Expr first = expression(withCondexpr);
        if (!peek().isOp(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (peek().isOp(",")) {
            next();
            if (peek().kind() == Token.Kind.VAR_END || peek().kind() == Token.Kind.BLOCK_END) {
                break;
            }
            items.add(expression(withCondexpr));
        }
        return new Expr.TupleLit(items);
    }

    Expr expression(boolean withCondexpr) {
        return withCondexpr ? condExpr() : or();
    }

    private Expr condExpr() {
        Expr e = or();
        while (peek().isName("if")) {
            next();
            Expr cond = or();
            Expr otherwise = null;
            if (peek().isName("else")) {
                next();
                otherwise = condExpr();
            }
            e = new Expr.CondExpr(cond, e, otherwise);
        }
        return e;
    }

    private Expr or() {
        Expr e = and();
        while (peek().isName("or")) {
            next();
            e = new Expr.Or(e, and());
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (peek().isName("and")) {
            next();
            e = new Expr.And(e, not());
        }
        return e;
    }

    private Expr not() {
        if (peek().isName("not")) {
            Token t = next();
            return new Expr.Unary("not", not(), Expr.At.of(t));
        }
        return compare();
    }

    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private Expr compare() {
        Token start = peek();
        Expr first = math1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Token.Kind.OP && COMPARE_OPS.contains(t.value())) {
                next();
                ops.add(t.value());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peekAt(1).isName("in")) {
                next();
                next();
                ops.add("notin");
            } else {
                break;
            }
            rest.add(math1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest, Expr.At.of(start));
    }

    private Expr math1() {
        Expr e = concat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            e = new Expr.Binary(op.value(), e, concat(), Expr.At.of(op));
        }
        return e;
    }

    private Expr concat() {
        Expr e = math2();
        while (peek().isOp("~")) {
            Token op = next();
            e = new Expr.Binary("~", e, math2(), Expr.At.of(op));
        }
        return e;
    }

    private Expr math2() {
        Expr e = pow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            e = new Expr.Binary(op.value(), e, pow(), Expr.At.of(op));
        }
        return e;
    }

    private Expr pow() {
        Expr e = unary(true);
        while (peek().isOp("**")) {
            Token op = next();
            e = new Expr.Binary("**", e, unary(true), Expr.At.of(op));
        }
        return e;
    }

    private Expr unary(boolean withFilter) {
        Token t = peek();
        Expr e;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            e = new Expr.Unary(t.value(), unary(false), Expr.At.of(t));
        } else {
            e = postfix(primary());
        }
        return withFilter ? filterExpr(e) : e;
    }

    private Expr primary() {
        Token t = next();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.value()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE);
                    case "false", "False" -> new Expr.Const(Boolean.FALSE);
                    case "none", "None" -> new Expr.Const(null);
                    default -> new Expr.Name(t.value(), Expr.At.of(t));
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder(t.value());
                while (peek().kind() == Token.Kind.STRING) {
                    sb.append(next().value());
                }
                return new Expr.Const(sb.toString());
            }
            case INT -> {
                return new Expr.Const(Long.parseLong(t.value()));
            }
            case FLOAT -> {
                return new Expr.Const(Double.parseDouble(t.value()));
            }
            case OP -> {
                switch (t.value()) {
                    case "(" -> {
                        if (peek().isOp(")")) {
                            next();
                            return new Expr.TupleLit(List.of());
                        }
                        Expr first = expression(true);
                        if (peek().isOp(")")) {
                            next();
                            return first;
                        }
                        List<Expr> items = new ArrayList<>(List.of(first));
                        while (peek().isOp(",")) {
                            next();
                            if (peek().isOp(")")) {
                                break;
                            }
                            items.add(expression(true));
                        }
                        expectOp(")");
                        return new Expr.TupleLit(items);
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(expression(true));
                        }
                        next();
                        return new Expr.ListLit(items);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(expression(true));
                            expectOp(":");
                            values.add(expression(true));
                        }
                        next();
                        return new Expr.DictLit(keys, values);
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw error(t, "expected an expression, got " + t.describe());
    }

    private Expr postfix(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token name = next();
                if (name.kind() == Token.Kind.NAME) {
                    e = new Expr.GetAttr(e, name.value(), Expr.At.of(t));
                } else if (name.kind() == Token.Kind.INT) {
                    e = new Expr.GetItem(e, new Expr.Const(Long.parseLong(name.value())), Expr.At.of(t));
                } else {
                    throw error(name, "expected an attribute name after '.', got " + name.describe());
                }
            } else if (t.isOp("[")) {
                next();
                e = subscript(e, t);
            } else if (t.isOp("(")) {
                e = call(e);
            } else {
                return e;
            }
        }
    }

    private Expr subscript(Expr obj, Token open) {
        Expr[] parts = new Expr[3];
        int part = 0;
        boolean slice = false;
        while (!peek().isOp("]")) {
            if (peek().isOp(":")) {
                next();
                slice = true;
                part++;
                if (part > 2) {
                    throw error(peek(), "a slice has at most three parts");
                }
            } else {
                if (parts[part] != null) {
                    throw error(peek(), "expected ':' or ']' in a subscript, got " + peek().describe());
                }
                parts[part] = expression(true);
            }
        }
        next();
        if (!slice) {
            if (parts[0] == null) {
                throw error(open, "empty subscript '[]'");
            }
            return new Expr.GetItem(obj, parts[0], Expr.At.of(open));
        }
        return new Expr.Slice(obj, parts[0], parts[1], parts[2], Expr.At.of(open));
    }

    private record Args(List<Expr> args, List<Expr.Kwarg> kwargs) {}

    private Args callArgs() {
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<Expr.Kwarg> kwargs = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!args.isEmpty() || !kwargs.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            if (peek().isOp("*") || peek().isOp("**")) {
                throw error(peek(), "'*args' and '**kwargs' in calls are not supported");
            }
            if (peek().kind() == Token.Kind.NAME && peekAt(1).isOp("=")) {
                String name = next().value();
                next();
                kwargs.add(new Expr.Kwarg(name, expression(true)));
            } else {
                if (!kwargs.isEmpty()) {
                    throw error(peek(), "positional argument after a keyword argument");
                }
                args.add(expression(true));
            }
        }
        next();
        return new Args(args, kwargs);
    }

    private Expr call(Expr fn) {
        Token open = peek();
        Args a = callArgs();
        return new Expr.Call(fn, a.args(), a.kwargs(), Expr.At.of(open));
    }

    private Expr filterExpr(Expr e) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                next();
                Token name = next();
                if (name.kind() != Token.Kind.NAME) {
                    throw error(name, "expected a filter name after '|', got " + name.describe());
                }
                if (!Filters.NAMES.contains(name.value())) {
                    throw new TemplateException("unknown filter '" + name.value() + "'; known filters: "
                            + String.join(", ", Filters.NAMES.stream().sorted().toList()), name.line(), name.column());
                }
                Args a = peek().isOp("(") ? callArgs() : new Args(List.of(), List.of());
                e = new Expr.Filter(e, name.value(), a.args(), a.kwargs(), Expr.At.of(name));
            } else if (t.isName("is")) {
                next();
                boolean negated = false;
                if (peek().isName("not")) {
                    next();
                    negated = true;
                }
                Token name = next();
                if (name.kind() != Token.Kind.NAME) {
                    throw error(name, "expected a test name after 'is', got " + name.describe());
                }
                if (!Tests.NAMES.contains(name.value())) {
                    throw new TemplateException("unknown test '" + name.value() + "'; known tests: "
                            + String.join(", ", Tests.NAMES.stream().sorted().toList()), name.line(), name.column());
                }
                Args a;
                Token n = peek();
                if (n.isOp("(")) {
                    a = callArgs();
                } else if ((n.kind() == Token.Kind.NAME || n.kind() == Token.Kind.STRING || n.kind() == Token.Kind.INT
                        || n.kind() == Token.Kind.FLOAT || n.isOp("[") || n.isOp("{"))
                        && !n.isName("else") && !n.isName("or") && !n.isName("and")) {
                    a = new Args(List.of(postfix(primary())), List.of());
                } else {
                    a = new Args(List.of(), List.of());
                }
                e = new Expr.Test(e, name.value(), negated, a.args(), a.kwargs(), Expr.At.of(name));
            } else if (t.isOp("(")) {
                e = call(e);
            } else {
                return e;
            }
        }
    }
}
