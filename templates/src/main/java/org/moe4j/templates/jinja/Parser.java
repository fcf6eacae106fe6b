package org.moe4j.templates.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser of a template's statements (text, output, if, for, set, macro, break,
 * continue, generation), in Jinja2's forms; expressions go to {@link ExpressionParser}.
 */
final class Parser {
    private static final Set<String> SUPPORTED_TAGS =
            Set.of("if", "for", "set", "macro", "break", "continue", "generation", "raw");

    private final TokenStream ts;
    private final ExpressionParser expr;
    /** For loops around the statement being parsed, within the current macro ({@code break} needs one). */
    private int loopDepth;

    private Parser(List<Token> tokens) {
        this.ts = new TokenStream(tokens);
        this.expr = new ExpressionParser(ts);
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

    private String expectName() {
        return ts.expectName();
    }

    private void expectBlockEnd() {
        ts.expectBlockEnd();
    }

    private Expr tuple(boolean withCondexpr) {
        return expr.tuple(withCondexpr);
    }

    private Expr expression(boolean withCondexpr) {
        return expr.expression(withCondexpr);
    }

    static List<Node> parse(String source) {
        return new Parser(Lexer.tokenize(source)).body(Set.of());
    }

    // ---- statements

    /** Parses nodes until a block tag whose keyword is in {@code ends} (left unconsumed after BLOCK_BEGIN). */
    private List<Node> body(Set<String> ends) {
        List<Node> nodes = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF -> {
                    if (!ends.isEmpty()) {
                        throw error(t, "unexpected end of template; expected one of " + String.join(", ", ends.stream().sorted().toList()));
                    }
                    return nodes;
                }
                case TEXT -> nodes.add(new Node.Text(next().value()));
                case VAR_BEGIN -> {
                    next();
                    nodes.add(new Node.Output(tuple(true)));
                    Token end = next();
                    if (end.kind() != Token.Kind.VAR_END) {
                        throw error(end, "expected end of print statement '}}', got " + end.describe());
                    }
                }
                case BLOCK_BEGIN -> {
                    Token keyword = peekAt(1);
                    if (keyword.kind() == Token.Kind.NAME && ends.contains(keyword.value())) {
                        next();
                        return nodes;
                    }
                    next();
                    nodes.add(statement());
                }
                default -> throw error(t, "unexpected " + t.describe());
            }
        }
    }

    private Node statement() {
        Token kw = next();
        if (kw.kind() != Token.Kind.NAME) {
            throw error(kw, "expected a tag name after '{%', got " + kw.describe());
        }
        return switch (kw.value()) {
            case "if" -> ifStatement();
            case "for" -> forStatement(kw);
            case "set" -> setStatement(kw);
            case "macro" -> macroStatement();
            case "break", "continue" -> {
                if (loopDepth == 0) {
                    throw error(kw, "'" + kw.value() + "' outside a for loop");
                }
                expectBlockEnd();
                yield kw.value().equals("break") ? new Node.Break() : new Node.Continue();
            }
            case "generation" -> {
                expectBlockEnd();
                List<Node> b = body(Set.of("endgeneration"));
                next();
                expectBlockEnd();
                yield new Node.Generation(b);
            }
            default -> throw error(kw, "unknown or unsupported tag '" + kw.value() + "'; supported tags: "
                    + String.join(", ", SUPPORTED_TAGS.stream().sorted().toList()));
        };
    }

    private Node ifStatement() {
        List<Node.Branch> branches = new ArrayList<>();
        Expr cond = tuple(false);
        expectBlockEnd();
        while (true) {
            List<Node> b = body(Set.of("elif", "else", "endif"));
            branches.add(new Node.Branch(cond, b));
            String end = next().value();
            if (end.equals("elif")) {
                cond = tuple(false);
                expectBlockEnd();
            } else if (end.equals("else")) {
                expectBlockEnd();
                List<Node> otherwise = body(Set.of("endif"));
                next();
                expectBlockEnd();
                return new Node.If(branches, otherwise);
            } else {
                expectBlockEnd();
                return new Node.If(branches, List.of());
            }
        }
    }

    private Node forStatement(Token kw) {
        List<String> targets = new ArrayList<>();
        boolean paren = peek().isOp("(");
        if (paren) {
            next();
        }
        targets.add(expectName());
        while (peek().isOp(",")) {
            next();
            targets.add(expectName());
        }
        if (paren) {
            expectOp(")");
        }
        Token in = next();
        if (!in.isName("in")) {
            throw error(in, "expected 'in' in the for loop, got " + in.describe());
        }
        Expr iter = tuple(false);
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = expression(true);
        }
        if (peek().isName("recursive")) {
            throw error(peek(), "recursive for loops are not supported");
        }
        expectBlockEnd();
        loopDepth++;
        List<Node> b = body(Set.of("else", "endfor"));
        loopDepth--;
        List<Node> otherwise = List.of();
        if (next().value().equals("else")) {
            expectBlockEnd();
            otherwise = body(Set.of("endfor"));
            next();
        }
        expectBlockEnd();
        return new Node.For(targets, iter, filter, b, otherwise, Expr.At.of(kw));
    }

    private Node setStatement(Token kw) {
        List<String> names = new ArrayList<>();
        names.add(expectName());
        String attr = null;
        if (peek().isOp(".")) {
            next();
            attr = expectName();
        } else {
            while (peek().isOp(",")) {
                next();
                names.add(expectName());
            }
        }
        if (peek().kind() == Token.Kind.BLOCK_END && attr == null && names.size() == 1) {
            next();
            List<Node> b = body(Set.of("endset"));
            next();
            expectBlockEnd();
            return new Node.SetBlock(names.get(0), b);
        }
        expectOp("=");
        Expr value = tuple(true);
        expectBlockEnd();
        return new Node.Set(names, attr, value, Expr.At.of(kw));
    }

    private Node macroStatement() {
        String name = expectName();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOp("(");
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
            }
            params.add(expectName());
            if (peek().isOp("=")) {
                next();
                defaults.add(expression(true));
            } else if (!defaults.isEmpty()) {
                throw error(peek(), "macro parameter without a default after one with a default");
            }
        }
        next();
        expectBlockEnd();
        int outerLoops = loopDepth;
        loopDepth = 0;
        List<Node> b = body(Set.of("endmacro"));
        loopDepth = outerLoops;
        next();
        if (peek().kind() == Token.Kind.NAME) {
            next();
        }
        expectBlockEnd();
        return new Node.Macro(name, params, defaults, b);
    }
}
