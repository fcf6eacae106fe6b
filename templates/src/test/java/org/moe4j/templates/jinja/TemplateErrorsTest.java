package org.moe4j.templates.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad templates fail with one message that says what is wrong and where. */
class TemplateErrorsTest {
    private static TemplateException renderFails(String template, Map<String, ?> vars) {
        return assertThrows(TemplateException.class, () -> Template.compile(template).render(vars));
    }

    @Test
    void raiseExceptionGivesTheTemplatesOwnMessage() {
        String t = "{% if messages[0].role != 'user' %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}ok";
        TemplateException e = renderFails(t, Map.of("messages", List.of(Map.of("role", "assistant"))));
        assertInstanceOf(RaisedException.class, e);
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
        assertEquals("ok", Template.compile(t).render(Map.of("messages", List.of(Map.of("role", "user")))));
    }

    @Test
    void unknownFilterIsNamedWithItsPositionAtCompileTime() {
        TemplateException e = assertThrows(TemplateException.class, () -> Template.compile("line one\n{{ x | frobnicate }}"));
        assertTrue(e.getMessage().startsWith("unknown filter 'frobnicate'; known filters: abs, attr, batch"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(template line 2, column 8)"), e.getMessage());
        assertEquals(2, e.line());
        assertEquals(8, e.column());
    }

    @Test
    void membershipInNoneIsPythonsTypeError() {
        // Qwen3's template tests '<tool_call>' in content, which is None for an assistant message with only tool calls
        TemplateException e = assertThrows(TemplateException.class,
                () -> Template.compile("{{ 'x' in content }}").render(new java.util.HashMap<>(java.util.Collections.singletonMap("content", null))));
        assertTrue(e.getMessage().contains("argument of type 'NoneType' is not iterable"), e.getMessage());
    }

    @Test
    void unknownTestIsNamed() {
        TemplateException e = assertThrows(TemplateException.class, () -> Template.compile("{% if x is shiny %}{% endif %}"));
        assertTrue(e.getMessage().startsWith("unknown test 'shiny'; known tests: "), e.getMessage());
        assertTrue(e.getMessage().contains("defined"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(template line 1, column 12)"), e.getMessage());
    }

    @Test
    void unknownGlobalFunctionIsNamedWithTheGlobalsThereAre() {
        TemplateException e = renderFails("{{ 'x' }}\n  {{ frobnicate(1) }}", Map.of());
        assertTrue(e.getMessage().startsWith("unknown function 'frobnicate': not a variable, a macro or one of the globals "
                + "dict, namespace, raise_exception, range, strftime_now"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(template line 2, column 16)"), e.getMessage());
    }

    @Test
    void syntaxErrorsNameLineAndColumn() {
        TemplateException e = assertThrows(TemplateException.class, () -> Template.compile("{% if x %}\n  {{ 1 + }}\n{% endif %}"));
        assertEquals("syntax error: expected an expression, got end of print statement '}}' (template line 2, column 10)",
                e.getMessage());
        e = assertThrows(TemplateException.class, () -> Template.compile("a\n{% for m in messages %}{{ m }}"));
        assertEquals("syntax error: unexpected end of template; expected one of else, endfor (template line 2, column 31)",
                e.getMessage());
        e = assertThrows(TemplateException.class, () -> Template.compile("{{ 'unclosed }}"));
        assertEquals("syntax error: string literal is not closed (template line 1, column 4)", e.getMessage());
        e = assertThrows(TemplateException.class, () -> Template.compile("x {{ y "));
        assertEquals("syntax error: '{{' without '}}' (template line 1, column 3)", e.getMessage());
    }

    @Test
    void loopControlsOutsideALoopAreSyntaxErrors() {
        TemplateException e = assertThrows(TemplateException.class, () -> Template.compile("x\n{% break %}"));
        assertEquals("syntax error: 'break' outside a for loop (template line 2, column 4)", e.getMessage());
        e = assertThrows(TemplateException.class,
                () -> Template.compile("{% for x in l %}{% macro m() %}{% continue %}{% endmacro %}{% endfor %}"));
        assertEquals("syntax error: 'continue' outside a for loop (template line 1, column 35)", e.getMessage());
        e = assertThrows(TemplateException.class, () -> Template.compile("{% for x in l %}{% else %}{% break %}{% endfor %}"));
        assertEquals("syntax error: 'break' outside a for loop (template line 1, column 30)", e.getMessage());
        assertEquals("12", Template.compile("{% for x in [1, 2, 3] %}{% if x > 2 %}{% break %}{% endif %}{{ x }}{% endfor %}")
                .render(Map.of()));
    }

    @Test
    void unsupportedTagsAreNamedWithTheSupportedOnes() {
        TemplateException e = assertThrows(TemplateException.class, () -> Template.compile("{% include 'other.jinja' %}"));
        assertEquals("syntax error: unknown or unsupported tag 'include'; supported tags: break, continue, for, "
                + "generation, if, macro, raw, set (template line 1, column 4)", e.getMessage());
    }

    @Test
    void pythonErrorsWhileRenderingNameWhatAndWhere() {
        assertEquals("can only concatenate str (not \"int\") to str (template line 1, column 8)",
                renderFails("{{ 'a' + 1 }}", Map.of()).getMessage());
        assertEquals("'message' is undefined (template line 1, column 4)",
                renderFails("{{ message.content }}", Map.of()).getMessage());
        assertEquals("'dict object' has no attribute 'missing' (template line 1, column 5)",
                renderFails("{{ m.missing.content.strip() }}", Map.of("m", Map.of())).getMessage());
        assertEquals("access to attribute 'append' of 'list' object is unsafe (templates cannot change their inputs) "
                + "(template line 1, column 5)", renderFails("{{ l.append(1) }}", Map.of("l", List.of())).getMessage());
        assertEquals("cannot assign attribute on non-namespace object 'd' (template line 1, column 4)",
                renderFails("{% set d.x = 1 %}", Map.of("d", Map.of())).getMessage());
        assertEquals("macro 'm' takes not more than 1 argument(s) (template line 1, column 42)",
                renderFails("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}", Map.of()).getMessage());
    }

    @Test
    void variablesOfUnknownJavaTypesAreRefusedNamingThePath() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Template.compile("{{ x }}").render(Map.of("x", List.of(new Object()))));
        assertTrue(e.getMessage().startsWith("template variable x[0] has type java.lang.Object; allowed: Map, List"),
                e.getMessage());
    }
}
