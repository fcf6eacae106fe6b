package org.moe4j.server;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a chat answer as its text arrives: reasoning (a {@code <think>} block at its start,
 * {@link ReasoningSplitter}), content, and, when the template asked for them, tool calls
 * ({@link ToolCallParser}) found in the content. One per answer, used by one HTTP thread.
 */
final class AnswerParts {
    /** What one piece of text gave; any part may be empty. */
    record Piece(String reasoning, String content, List<ToolCallParser.Call> calls) {}

    private final ReasoningSplitter reasoning;
    private final ToolCallParser tools;

    /** @param parseToolCalls whether the content's {@code <tool_call>} blocks are calls */
    AnswerParts(ChatFormat format, boolean startsInReasoning, boolean parseToolCalls) {
        this.reasoning = new ReasoningSplitter(format.thinkOpen(), format.thinkClose(), startsInReasoning);
        this.tools = parseToolCalls ? new ToolCallParser() : null;
    }

    Piece add(String text) {
        return content(reasoning.add(text), false);
    }

    /** At the end of the answer: everything held back. */
    Piece finish() {
        return content(reasoning.flush(), true);
    }

    private Piece content(ReasoningSplitter.Split split, boolean end) {
        if (tools == null) return new Piece(split.reasoning(), split.content(), List.of());
        ToolCallParser.Parsed parsed = tools.add(split.content());
        String content = end ? parsed.content() + tools.flush() : parsed.content();
        return new Piece(split.reasoning(), content, new ArrayList<>(parsed.calls()));
    }
}
