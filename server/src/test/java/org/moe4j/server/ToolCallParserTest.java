package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Rng;

class ToolCallParserTest {
    /** Content and calls of an answer fed in the given pieces. */
    private static ToolCallParser.Parsed parse(String... pieces) {
        ToolCallParser p = new ToolCallParser();
        StringBuilder content = new StringBuilder();
        List<ToolCallParser.Call> calls = new ArrayList<>();
        for (String piece : pieces) {
            ToolCallParser.Parsed out = p.add(piece);
            content.append(out.content());
            calls.addAll(out.calls());
        }
        content.append(p.flush());
        return new ToolCallParser.Parsed(content.toString(), calls);
    }

    @Test
    void blocksOfJsonAreCallsAndTheRestIsContent() {
        ToolCallParser.Parsed p = parse("Let me look.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"
                + "\n<tool_call>{\"name\": \"get_time\", \"arguments\": \"{\\\"zone\\\": \\\"CET\\\"}\"}</tool_call>");
        assertEquals("Let me look.\n\n", p.content());
        assertEquals(List.of(new ToolCallParser.Call("get_weather", "{\"city\":\"Oslo\"}"), new ToolCallParser.Call("get_time", "{\"zone\": \"CET\"}")),
                p.calls());
        assertEquals(List.of(new ToolCallParser.Call("f", "{}")), parse("<tool_call>{\"name\": \"f\"}</tool_call>").calls());
    }

    @Test
    void whatIsNotACallStaysAsWritten() {
        String notJson = "a <tool_call>get_weather(Oslo)</tool_call> b";
        assertEquals(new ToolCallParser.Parsed(notJson, List.of()), parse(notJson));
        String noName = "<tool_call>{\"arguments\": {}}</tool_call>";
        assertEquals(noName, parse(noName).content());
        String badArguments = "<tool_call>{\"name\": \"f\", \"arguments\": [1]}</tool_call>";
        assertEquals(badArguments, parse(badArguments).content());
        assertEquals("x <tool_call>{\"name\": \"f\"", parse("x <tool_call>{\"name\": \"f\"").content(), "an unclosed block");
        assertEquals("x <tool_ca", parse("x <tool_ca").content(), "a tag cut off at the end");
        assertEquals("<b>bold</b>", parse("<", "b>bold</b>").content());
    }

    @Test
    void anySplitIntoPiecesGivesTheSameResultAsTheWhole() {
        Rng rng = new Rng(5);
        String[] parts = {"<tool_call>", "</tool_call>", "{\"name\": \"f\", \"arguments\": {\"a\": 1}}", "text ", "<", "tool", "{", "\n"};
        for (int trial = 0; trial < 500; trial++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0, n = rng.nextInt(10); i < n; i++) text.append(parts[rng.nextInt(parts.length)]);
            String whole = text.toString();
            List<String> pieces = new ArrayList<>();
            for (int at = 0; at < whole.length(); ) {
                int len = Math.min(whole.length() - at, 1 + rng.nextInt(5));
                pieces.add(whole.substring(at, at + len));
                at += len;
            }
            assertEquals(parse(whole), parse(pieces.toArray(String[]::new)), whole + " in " + pieces);
        }
    }
}
