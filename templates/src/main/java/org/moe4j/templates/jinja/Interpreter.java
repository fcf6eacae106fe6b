package org.moe4j.templates.jinja;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the parsed template and writes its output. Scoping follows Jinja2: a for loop's body gets a
 * fresh scope on every iteration (so a {@code set} inside it is gone after the iteration), {@code if}
 * makes none, a macro call gets its own scope over the scope it was defined in, and only a
 * {@link Namespace} carries assignments out of a loop.
 */
final class Interpreter {
    private static final class Scope {
        final Scope parent;
        final Map<String, Object> vars = new HashMap<>();

        Scope(Scope parent) {
            this.parent = parent;
        }
    }

    /** Loop control as exceptions without stack traces: break and continue unwind to the loop (the parser allows them only inside one). */
    private static final class BreakSignal extends RuntimeException {
        BreakSignal() {
            super(null, null, false, false);
        }
    }

    private static final class ContinueSignal extends RuntimeException {
        ContinueSignal() {
            super(null, null, false, false);
        }
    }

    private static final BreakSignal BREAK = new BreakSignal();
    private static final ContinueSignal CONTINUE = new ContinueSignal();
    private static final Object MISSING = new Object();
    /** Macro calls nested deeper than this fail instead of overflowing the stack. */
    private static final int MAX_CALL_DEPTH = 200;

    private final Map<String, Object> globals;
    private int depth;

    Interpreter(Map<String, Object> globals) {
        this.globals = globals;
    }

    String render(List<Node> nodes, Map<String, Object> vars) {
        Scope root = new Scope(null);
        root.vars.putAll(vars);
        StringBuilder out = new StringBuilder();
        execute(nodes, root, out);
        return out.toString();
    }

    private void execute(List<Node> nodes, Scope scope, StringBuilder out) {
        for (Node n : nodes) {
            switch (n) {
                case Node.Text t -> out.append(t.text());
                case Node.Output o -> out.append(Py.str(eval(o.expr(), scope)));
                case Node.If f -> {
                    List<Node> chosen = f.otherwise();
                    for (Node.Branch b : f.branches()) {
                        if (Py.truthy(eval(b.cond(), scope))) {
                            chosen = b.body();
                            break;
                        }
                    }
                    execute(chosen, scope, out);
                }
                case Node.For f -> forLoop(f, scope, out);
                case Node.Set s -> assign(s, scope);
                case Node.SetBlock s -> {
                    StringBuilder captured = new StringBuilder();
                    execute(s.body(), scope, captured);
                    scope.vars.put(s.name(), captured.toString());
                }
                case Node.Macro m -> scope.vars.put(m.name(), macro(m, scope));
                case Node.Break b -> throw BREAK;
                case Node.Continue c -> throw CONTINUE;
                case Node.Generation g -> execute(g.body(), scope, out);
            }
        }
    }

    private void forLoop(Node.For f, Scope scope, StringBuilder out) {
        Object iterable = eval(f.iter(), scope);
        List<Object> items;
        try {
            items = Py.iterate(iterable);
        } catch (PyError e) {
            throw new TemplateException(e.getMessage(), f.at().line(), f.at().column());
        }
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope s = new Scope(scope);
                bindTargets(f, item, s);
                if (Py.truthy(eval(f.filter(), s))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            execute(f.otherwise(), scope, out);
            return;
        }
        LoopContext loop = new LoopContext(items);
        for (int k = 0; k < items.size(); k++) {
            loop.index0 = k;
            Scope s = new Scope(scope);
            bindTargets(f, items.get(k), s);
            s.vars.put("loop", loop);
            try {
                execute(f.body(), s, out);
            } catch (ContinueSignal c) {
                // next item
            } catch (BreakSignal b) {
                break;
            }
        }
    }

    private void bindTargets(Node.For f, Object item, Scope s) {
        if (f.targets().size() == 1) {
            s.vars.put(f.targets().get(0), item);
            return;
        }
        unpack(f.targets(), item, s, f.at());
    }

    private void unpack(List<String> names, Object value, Scope s, Expr.At at) {
        List<Object> parts;
        try {
            parts = Py.iterate(value);
        } catch (PyError e) {
            throw new TemplateException("cannot unpack " + Py.typeName(value) + " into " + names.size() + " names", at.line(), at.column());
        }
        if (parts.size() != names.size()) {
            throw new TemplateException("cannot unpack " + parts.size() + " values into " + names.size() + " names",
                    at.line(), at.column());
        }
        for (int k = 0; k < names.size(); k++) {
            s.vars.put(names.get(k), parts.get(k));
        }
    }

    private void assign(Node.Set s, Scope scope) {
        Object value = eval(s.value(), scope);
        if (s.attr() != null) {
            Object target = lookup(s.names().get(0), scope);
            if (!(target instanceof Namespace ns)) {
                throw new TemplateException("cannot assign attribute on non-namespace object '" + s.names().get(0) + "'",
                        s.at().line(), s.at().column());
            }
            ns.attributes().put(s.attr(), value);
        } else if (s.names().size() == 1) {
            scope.vars.put(s.names().get(0), value);
        } else {
            unpack(s.names(), value, scope, s.at());
        }
    }

    private PyCallable macro(Node.Macro m, Scope definedIn) {
        return new PyCallable() {
            @Override
            public Object call(List<Object> args, Map<String, Object> kwargs) {
                if (args.size() > m.params().size()) {
                    throw new PyError("macro '" + m.name() + "' takes not more than " + m.params().size() + " argument(s)");
                }
                Scope s = new Scope(definedIn);
                int firstDefault = m.params().size() - m.defaults().size();
                for (int k = 0; k < m.params().size(); k++) {
                    String p = m.params().get(k);
                    if (k < args.size()) {
                        s.vars.put(p, args.get(k));
                    } else if (kwargs.containsKey(p)) {
                        s.vars.put(p, kwargs.get(p));
                    } else if (k >= firstDefault) {
                        s.vars.put(p, eval(m.defaults().get(k - firstDefault), s));
                    } else {
                        s.vars.put(p, new Undefined("parameter '" + p + "' of macro '" + m.name() + "' was not provided"));
                    }
                }
                for (String k : kwargs.keySet()) {
                    if (!m.params().contains(k)) {
                        throw new PyError("macro '" + m.name() + "' takes no keyword argument '" + k + "'");
                    }
                }
                if (++depth > MAX_CALL_DEPTH) {
                    throw new PyError("macro calls nested deeper than " + MAX_CALL_DEPTH + " (endless recursion?)");
                }
                try {
                    StringBuilder out = new StringBuilder();
                    execute(m.body(), s, out);
                    return out.toString();
                } finally {
                    depth--;
                }
            }

            @Override
            public String toString() {
                return "<Macro '" + m.name() + "'>";
            }
        };
    }

    private Object lookup(String name, Scope scope) {
        for (Scope s = scope; s != null; s = s.parent) {
            Object v = s.vars.getOrDefault(name, MISSING);
            if (v != MISSING) {
                return v;
            }
        }
        Object g = globals.getOrDefault(name, MISSING);
        return g != MISSING ? g : new Undefined("'" + name + "' is undefined");
    }

    // ---- expressions

    Object eval(Expr e, Scope scope) {
        try {
            return evalUnchecked(e, scope);
        } catch (PyError err) {
            Expr.At at = position(e);
            if (at == null) {
                throw err;
            }
            throw new TemplateException(err.getMessage(), at.line(), at.column());
        }
    }

    private static Expr.At position(Expr e) {
        return switch (e) {
            case Expr.Name n -> n.at();
            case Expr.GetAttr g -> g.at();
            case Expr.GetItem g -> g.at();
            case Expr.Slice s -> s.at();
            case Expr.Call c -> c.at();
            case Expr.Filter f -> f.at();
            case Expr.Test t -> t.at();
            case Expr.Unary u -> u.at();
            case Expr.Binary b -> b.at();
            case Expr.Compare c -> c.at();
            default -> null;
        };
    }

    private Object evalUnchecked(Expr e, Scope scope) {
        return switch (e) {
            case Expr.Const c -> c.value();
            case Expr.Name n -> lookup(n.name(), scope);
            case Expr.ListLit l -> {
                List<Object> r = new ArrayList<>();
                for (Expr x : l.items()) {
                    r.add(eval(x, scope));
                }
                yield r;
            }
            case Expr.TupleLit t -> {
                List<Object> r = new ArrayList<>();
                for (Expr x : t.items()) {
                    r.add(eval(x, scope));
                }
                yield new PyTuple(r);
            }
            case Expr.DictLit d -> {
                Map<Object, Object> r = new LinkedHashMap<>();
                for (int k = 0; k < d.keys().size(); k++) {
                    r.put(eval(d.keys().get(k), scope), eval(d.values().get(k), scope));
                }
                yield r;
            }
            case Expr.GetAttr g -> Access.attribute(defined(g.obj(), scope), g.name());
            case Expr.GetItem g -> Access.item(defined(g.obj(), scope), eval(g.key(), scope));
            case Expr.Slice s -> Access.slice(defined(s.obj(), scope), evalOrNull(s.start(), scope),
                    evalOrNull(s.stop(), scope), evalOrNull(s.step(), scope));
            case Expr.Call c -> call(c, scope);
            case Expr.Filter f -> Filters.apply(this, f.name(), eval(f.value(), scope), evalArgs(f.args(), scope),
                    evalKwargs(f.kwargs(), scope));
            case Expr.Test t -> t.negated() != Tests.apply(t.name(), eval(t.value(), scope),
                    evalArgs(t.args(), scope), evalKwargs(t.kwargs(), scope));
            case Expr.Unary u -> unary(u, eval(u.operand(), scope));
            case Expr.Binary b -> {
                Object left = eval(b.left(), scope);
                Object right = eval(b.right(), scope);
                yield b.op().equals("~") ? Py.str(left) + Py.str(right) : Py.arithmetic(b.op(), left, right);
            }
            case Expr.Compare c -> compare(c, scope);
            case Expr.And a -> {
                Object left = eval(a.left(), scope);
                yield Py.truthy(left) ? eval(a.right(), scope) : left;
            }
            case Expr.Or o -> {
                Object left = eval(o.left(), scope);
                yield Py.truthy(left) ? left : eval(o.right(), scope);
            }
            case Expr.CondExpr c -> Py.truthy(eval(c.cond(), scope)) ? eval(c.then(), scope)
                    : c.otherwise() != null ? eval(c.otherwise(), scope)
                    : new Undefined("the inline if-expression evaluated to false and no else section was defined");
        };
    }

    /** The value of {@code e}, which must not be undefined; the error points at {@code e} itself. */
    private Object defined(Expr e, Scope scope) {
        Object v = eval(e, scope);
        if (v instanceof Undefined u) {
            Expr.At at = position(e);
            if (at == null) {
                throw u.error();
            }
            throw new TemplateException(u.what(), at.line(), at.column());
        }
        return v;
    }

    private Object evalOrNull(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private List<Object> evalArgs(List<Expr> args, Scope scope) {
        List<Object> r = new ArrayList<>(args.size());
        for (Expr a : args) {
            r.add(eval(a, scope));
        }
        return r;
    }

    private Map<String, Object> evalKwargs(List<Expr.Kwarg> kwargs, Scope scope) {
        Map<String, Object> r = new LinkedHashMap<>();
        for (Expr.Kwarg k : kwargs) {
            r.put(k.name(), eval(k.value(), scope));
        }
        return r;
    }

    private Object call(Expr.Call c, Scope scope) {
        Object fn = eval(c.fn(), scope);
        if (fn instanceof Undefined u) {
            if (c.fn() instanceof Expr.Name n) {
                throw new PyError("unknown function '" + n.name() + "': not a variable, a macro or one of the globals "
                        + String.join(", ", globals.keySet().stream().sorted().toList()));
            }
            throw u.error();
        }
        if (!(fn instanceof PyCallable callable)) {
            throw new PyError("'" + Py.typeName(fn) + "' object is not callable");
        }
        return callable.call(evalArgs(c.args(), scope), evalKwargs(c.kwargs(), scope));
    }

    private static Object unary(Expr.Unary u, Object v) {
        return switch (u.op()) {
            case "not" -> !Py.truthy(v);
            case "-" -> switch (v) {
                case Long l -> -l;
                case Double d -> -d;
                case Boolean b -> b ? -1L : 0L;
                default -> throw new PyError("bad operand type for unary -: '" + Py.typeName(v) + "'");
            };
            default -> {
                if (!Py.isNumber(v)) {
                    throw new PyError("bad operand type for unary +: '" + Py.typeName(v) + "'");
                }
                yield v instanceof Boolean b ? (b ? 1L : 0L) : v;
            }
        };
    }

    private Object compare(Expr.Compare c, Scope scope) {
        Object left = eval(c.first(), scope);
        for (int k = 0; k < c.ops().size(); k++) {
            Object right = eval(c.rest().get(k), scope);
            String op = c.ops().get(k);
            boolean ok = switch (op) {
                case "==" -> Py.eq(left, right);
                case "!=" -> !Py.eq(left, right);
                case "<" -> Py.compare(left, right, op) < 0;
                case "<=" -> Py.compare(left, right, op) <= 0;
                case ">" -> Py.compare(left, right, op) > 0;
                case ">=" -> Py.compare(left, right, op) >= 0;
                case "in" -> Py.contains(right, left);
                default -> !Py.contains(right, left);
            };
            if (!ok) {
                return false;
            }
            left = right;
        }
        return true;
    }

    /** Calls a filter by name (for map('upper')), as the template would. */
    Object filter(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        if (!Filters.NAMES.contains(name)) {
            throw new PyError("unknown filter '" + name + "'");
        }
        return Filters.apply(this, name, value, args, kwargs);
    }

    /** Calls a test by name (for select('odd')), as the template would. */
    boolean test(String name, Object value, List<Object> args) {
        if (!Tests.NAMES.contains(name)) {
            throw new PyError("unknown test '" + name + "'");
        }
        return Tests.apply(name, value, args, Map.of());
    }
}
