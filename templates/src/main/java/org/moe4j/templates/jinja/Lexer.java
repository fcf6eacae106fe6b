package org.moe4j.templates.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a template into text and tag tokens the way Jinja2's lexer does with the settings transformers
 * uses ({@code trim_blocks=True, lstrip_blocks=True}, default delimiters, {@code keep_trailing_newline=False}):
 *
 * <ul>
 *   <li>the source's line ends become {@code \n} and one final {@code \n} is dropped;
 *   <li>{@code {%-}, {@code {{-}, {@code {#-} strip all whitespace before the tag; {@code -%}}, {@code -}}},
 *       {@code -#}} strip all whitespace after it;
 *   <li>lstrip_blocks: spaces and tabs between a line's start and a {@code {%} or {@code {#} tag go
 *       (not before {@code {{}, and not for {@code {%+});
 *   <li>trim_blocks: the first newline after {@code %}} or {@code #}} goes (not after {@code +%}});
 *   <li>{@code {% raw %}...{% endraw %}} is text.
 * </ul>
 */
final class Lexer {
    private final String src;
    private final int[] lineStarts;
    private final List<Token> out = new ArrayList<>();
    private int pos;

    private Lexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        this.src = s;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<Token> tokenize(String source) {
        Lexer lx = new Lexer(source);
        lx.run();
        return lx.out;
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTagStart(pos);
            int textEnd = tag < 0 ? src.length() : tag;
            String text = src.substring(pos, textEnd);
            if (tag < 0) {
                emitText(text, pos);
                pos = src.length();
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
            if (sign == '-') {
                text = rstripPython(text);
            } else if (sign != '+' && kind != '{') {
                text = lstripLine(text, pos);
            }
            emitText(text, pos);
            int inner = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            if (kind == '#') {
                pos = comment(tag, inner);
            } else if (kind == '%' && isRaw(inner)) {
                pos = raw(tag, inner);
            } else {
                pos = tagBody(tag, inner, kind == '{' ? Token.Kind.VAR_BEGIN : Token.Kind.BLOCK_BEGIN);
            }
        }
        out.add(new Token(Token.Kind.EOF, "", line(src.length()), column(src.length())));
    }

    private int nextTagStart(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    private void emitText(String text, int at) {
        if (!text.isEmpty()) {
            out.add(new Token(Token.Kind.TEXT, text, line(at), column(at)));
        }
    }

    /** lstrip_blocks: drops the spaces between the line's start and the tag, when only spaces are there. */
    private String lstripLine(String text, int textStart) {
        int lineStart = text.lastIndexOf('\n') + 1;
        boolean lineStarting = textStart == 0 || src.charAt(textStart - 1) == '\n';
        if (lineStart > 0 || lineStarting) {
            String tail = text.substring(lineStart);
            if (!tail.isEmpty() && tail.codePoints().allMatch(Py::isSpace)) {
                return text.substring(0, lineStart);
            }
        }
        return text;
    }

    private int comment(int tag, int inner) {
        int end = src.indexOf("#}", inner);
        if (end < 0) {
            throw error(tag, "comment is not closed: '{#' without '#}'");
        }
        return afterEnd(end, end + 2, true);
    }

    /** Position after a closing delimiter at [end, close): applies '-' (strip all) or trim_blocks (one newline). */
    private int afterEnd(int end, int close, boolean trimBlocks) {
        char before = end > 0 ? src.charAt(end - 1) : 0;
        int p = close;
        if (before == '-') {
            while (p < src.length() && Py.isSpace(src.charAt(p))) {
                p++;
            }
        } else if (before != '+' && trimBlocks && p < src.length() && src.charAt(p) == '\n') {
            p++;
        }
        return p;
    }

    private boolean isRaw(int inner) {
        int p = skipSpaces(inner);
        return src.startsWith("raw", p) && endOfBlockAt(skipSpaces(p + 3)) >= 0;
    }

    /** If a block end ({@code %}}, {@code -%}}, {@code +%}}) starts at p, the index of its '%'; else -1. */
    private int endOfBlockAt(int p) {
        if (src.startsWith("%}", p)) {
            return p;
        }
        if ((src.startsWith("-%}", p) || src.startsWith("+%}", p))) {
            return p + 1;
        }
        return -1;
    }

    private int skipSpaces(int p) {
        while (p < src.length() && Py.isSpace(src.charAt(p))) {
            p++;
        }
        return p;
    }

    private int raw(int tag, int inner) {
        int p = skipSpaces(inner);
        int openEnd = endOfBlockAt(skipSpaces(p + 3));
        int bodyStart = afterEnd(openEnd, openEnd + 2, true);
        for (int i = src.indexOf("{%", bodyStart); i >= 0; i = src.indexOf("{%", i + 2)) {
            int q = i + 2;
            char sign = q < src.length() ? src.charAt(q) : 0;
            if (sign == '-' || sign == '+') {
                q++;
            }
            q = skipSpaces(q);
            if (src.startsWith("endraw", q)) {
                int closeAt = endOfBlockAt(skipSpaces(q + 6));
                if (closeAt >= 0) {
                    String body = src.substring(bodyStart, i);
                    if (sign == '-') {
                        body = rstripPython(body);
                    }
                    emitText(body, bodyStart);
                    return afterEnd(closeAt, closeAt + 2, true);
                }
            }
        }
        throw error(tag, "raw block is not closed: '{% raw %}' without '{% endraw %}'");
    }

    /** Lexes the expression tokens of a {{ }} or {% %} tag; returns the position after its end. */
    private int tagBody(int tag, int inner, Token.Kind begin) {
        boolean variable = begin == Token.Kind.VAR_BEGIN;
        out.add(new Token(begin, "", line(tag), column(tag)));
        int p = inner;
        while (true) {
            p = skipSpaces(p);
            if (p >= src.length()) {
                throw error(tag, variable ? "'{{' without '}}'" : "'{%' without '%}'");
            }
            int close = variable ? endOfVariableAt(p) : endOfBlockAt(p);
            if (close >= 0) {
                out.add(new Token(variable ? Token.Kind.VAR_END : Token.Kind.BLOCK_END, "", line(p), column(p)));
                return afterEnd(close, close + 2, !variable);
            }
            p = expressionToken(p);
        }
    }

    private int endOfVariableAt(int p) {
        if (src.startsWith("}}", p)) {
            return p;
        }
        return src.startsWith("-}}", p) ? p + 1 : -1;
    }

    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", ">=", "<=", "+", "-", "*", "/", "%", "~", "[", "]", "(", ")", "{", "}",
        "<", ">", "=", ".", ":", "|", ",", ";"
    };

    private int expressionToken(int p) {
        char c = src.charAt(p);
        int line = line(p);
        int col = column(p);
        if (c == '\'' || c == '"') {
            return string(p, c, line, col);
        }
        if (Character.isDigit(c)) {
            return number(p, line, col);
        }
        if (Character.isLetter(c) || c == '_') {
            int q = p + 1;
            while (q < src.length() && (Character.isLetterOrDigit(src.charAt(q)) || src.charAt(q) == '_')) {
                q++;
            }
            out.add(new Token(Token.Kind.NAME, src.substring(p, q), line, col));
            return q;
        }
        for (String op : OPERATORS) {
            if (src.startsWith(op, p)) {
                out.add(new Token(Token.Kind.OP, op, line, col));
                return p + op.length();
            }
        }
        throw error(p, "unexpected character '" + c + "'");
    }

    private int number(int p, int line, int col) {
        int q = p;
        while (q < src.length() && (Character.isDigit(src.charAt(q)) || src.charAt(q) == '_')) {
            q++;
        }
        boolean isFloat = false;
        if (q + 1 < src.length() && src.charAt(q) == '.' && Character.isDigit(src.charAt(q + 1))) {
            isFloat = true;
            q++;
            while (q < src.length() && (Character.isDigit(src.charAt(q)) || src.charAt(q) == '_')) {
                q++;
            }
        }
        if (q < src.length() && (src.charAt(q) == 'e' || src.charAt(q) == 'E')) {
            int e = q + 1;
            if (e < src.length() && (src.charAt(e) == '+' || src.charAt(e) == '-')) {
                e++;
            }
            if (e < src.length() && Character.isDigit(src.charAt(e))) {
                isFloat = true;
                q = e;
                while (q < src.length() && Character.isDigit(src.charAt(q))) {
                    q++;
                }
            }
        }
        String text = src.substring(p, q).replace("_", "");
        out.add(new Token(isFloat ? Token.Kind.FLOAT : Token.Kind.INT, text, line, col));
        return q;
    }

    /** A string literal with Python's escapes (\n, \t, \\, \', \", \xNN, \\uNNNN, \UNNNNNNNN; others kept). */
    private int string(int p, char quote, int line, int col) {
        StringBuilder sb = new StringBuilder();
        int q = p + 1;
        while (q < src.length() && src.charAt(q) != quote) {
            char c = src.charAt(q);
            if (c != '\\' || q + 1 >= src.length()) {
                sb.append(c);
                q++;
                continue;
            }
            char e = src.charAt(q + 1);
            q += 2;
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '0' -> sb.append('\0');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'v' -> sb.append('\u000b');
                case '\\', '\'', '"' -> sb.append(e);
                case '\n' -> { }
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (q + digits > src.length()) {
                        throw error(q - 2, "truncated \\" + e + " escape in a string");
                    }
                    sb.appendCodePoint(Integer.parseInt(src.substring(q, q + digits), 16));
                    q += digits;
                }
                default -> sb.append('\\').append(e);
            }
        }
        if (q >= src.length()) {
            throw error(p, "string literal is not closed");
        }
        out.add(new Token(Token.Kind.STRING, sb.toString(), line, col));
        return q + 1;
    }

    static String rstripPython(String s) {
        int end = s.length();
        while (end > 0 && Py.isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    private int line(int offset) {
        int lo = 0;
        int hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo + 1;
    }

    private int column(int offset) {
        return offset - lineStarts[line(offset) - 1] + 1;
    }

    private TemplateException error(int offset, String message) {
        return new TemplateException("syntax error: " + message, line(offset), column(offset));
    }
}
