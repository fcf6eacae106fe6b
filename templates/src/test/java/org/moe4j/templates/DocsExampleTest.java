package org.moe4j.templates;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example of docs/text-and-data.md (chat templates) gives what transformers gives ("docs_example" case). */
class DocsExampleTest {
    @Test
    void theDocumentedCallRendersTheReferenceText() {
        Path qwen3 = Fixtures.chatDir().resolve("qwen3");
        ChatTemplate chat = ChatTemplate.load(qwen3);
        String prompt = chat.render(List.of(Message.system("Be brief."), Message.user("Hi")),
                null, true, Map.of("enable_thinking", false));
        Object expected = Fixtures.cases("generated_chat_cases.json").stream()
                .filter(c -> c.get("case").equals("docs_example")).findFirst().orElseThrow().get("rendered");
        assertEquals(expected, prompt);
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n<think>\n\n</think>\n\n", prompt);
    }
}
