package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code moe4j tokenize} on tiny-tokenizer.json (see the README beside it); the expected ids and
 * texts are what the Python tokenizers library 0.23.2 gives for the same file and strings.
 */
class TokenizeCommandTest {
    private static String tokenizer() throws URISyntaxException {
        return Path.of(TokenizeCommandTest.class.getResource("tiny-tokenizer.json").toURI()).toString();
    }

    private static StdoutRun withInput(String input, String... args) {
        InputStream stdin = System.in;
        System.setIn(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        try {
            return StdoutRun.of(args);
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void encodesOneJsonStringPerLineAndDecodesBack() throws Exception {
        StdoutRun encoded = withInput("\"Hello world\"\n\"the whale<|end|>\"\n\"ünïcödé 😀\"\n\"\"\n", "tokenize", tokenizer());
        assertEquals(0, encoded.exitCode(), encoded.err());
        String ids = """
                [40,69,289,79,266,282,76,68]
                [84,258,266,268,283,0]
                [128,121,78,128,108,67,128,115,68,128,103,221,173,254,247,223]
                []
                """;
        assertEquals(ids, encoded.out());
        StdoutRun decoded = withInput(ids, "tokenize", tokenizer(), "--decode");
        assertEquals(0, decoded.exitCode(), decoded.err());
        assertEquals("\"Hello world\"\n\"the whale<|end|>\"\n\"ünïcödé 😀\"\n\"\"\n", decoded.out());
        StdoutRun skipped = withInput("[84,258,266,268,283,0]\n[0,100]\n", "tokenize", tokenizer(), "--decode", "--skip-special-tokens");
        assertEquals("\"the whale\"\n\"\\ufffd\"\n".replace("\\ufffd", "\uFFFD"), skipped.out());
    }

    @Test
    void badLinesAndBadPathsGiveOneLineAndExitCode2() throws Exception {
        StdoutRun notJson = withInput("\"fine\"\nnot json\n", "tokenize", tokenizer());
        assertEquals(2, notJson.exitCode());
        assertEquals("[70,260,69]\n", notJson.out());
        assertTrue(notJson.err().startsWith("moe4j tokenize: input line 2 is not JSON: JSON error at 1:1"), notJson.err());
        StdoutRun array = withInput("[1, 2]\n", "tokenize", tokenizer());
        assertEquals("moe4j tokenize: input line 1 is not a JSON string (encoding reads one JSON string per line; --decode reads"
                + " arrays of ids)\n", array.err());
        StdoutRun badId = withInput("[1, 300]\n", "tokenize", tokenizer(), "--decode");
        assertEquals("moe4j tokenize: input line 1, element 1 is 300: ids are integers in [0, 300)\n", badId.err());
        StdoutRun missing = withInput("", "tokenize", "/nonexistent/model");
        assertEquals(2, missing.exitCode());
        assertEquals("moe4j tokenize: /nonexistent/model: tokenizer file not found\n", missing.err());
        StdoutRun both = withInput("", "tokenize", tokenizer(), "--decode", "--add-special-tokens");
        assertEquals("moe4j tokenize: --add-special-tokens is for encoding; with --decode use --skip-special-tokens\n", both.err());
    }
}
