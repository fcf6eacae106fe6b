package org.moe4j.templates.jinja;

import java.util.List;

/** Statement nodes of the parsed template. */
sealed interface Node {
    record Text(String text) implements Node {}

    record Output(Expr expr) implements Node {}

    /** One {@code if}/{@code elif} branch. */
    record Branch(Expr cond, List<Node> body) {}

    record If(List<Branch> branches, List<Node> otherwise) implements Node {}

    /** {@code for targets in iter [if filter]}; {@code otherwise} runs when no item passed the filter. */
    record For(List<String> targets, Expr iter, Expr filter, List<Node> body, List<Node> otherwise, Expr.At at)
            implements Node {}

    /** {@code set name = value}, {@code set a, b = value}, or {@code set ns.attr = value} when attr is not null. */
    record Set(List<String> names, String attr, Expr value, Expr.At at) implements Node {}

    /** {@code set name %}...{% endset}: the rendered body becomes a string variable. */
    record SetBlock(String name, List<Node> body) implements Node {}

    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body) implements Node {}

    record Break() implements Node {}

    record Continue() implements Node {}

    /** transformers' {@code generation} tag: marks assistant text for masks; renders its body. */
    record Generation(List<Node> body) implements Node {}
}
