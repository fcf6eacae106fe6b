package org.moe4j.templates.jinja;

import java.util.List;

/** The lexer's tokens with one position of lookahead, shared by the statement and expression parsers. */
final class TokenStream {
    private final List<Token> tokens;
    private int i;

    TokenStream(List<Token> tokens) {
        this.tokens = tokens;
    }

    Token peek() {
        return tokens.get(i);
    }

    Token peekAt(int k) {
        return tokens.get(Math.min(i + k, tokens.size() - 1));
    }

    Token next() {
        return tokens.get(i++);
    }

    TemplateException error(Token at, String message) {
        return new TemplateException("syntax error: " + message, at.line(), at.column());
    }

    Token expectOp(String op) {
        Token t = next();
        if (!t.isOp(op)) {
            throw error(t, "expected '" + op + "', got " + t.describe());
        }
        return t;
    }

    String expectName() {
        Token t = next();
        if (t.kind() != Token.Kind.NAME) {
            throw error(t, "expected a name, got " + t.describe());
        }
        return t.value();
    }

    void expectBlockEnd() {
        Token t = next();
        if (t.kind() != Token.Kind.BLOCK_END) {
            throw error(t, "expected end of statement block '%}', got " + t.describe());
        }
    }
}
