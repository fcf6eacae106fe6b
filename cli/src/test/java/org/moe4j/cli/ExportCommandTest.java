package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code moe4j export RUN --out DIR}: the folder is a Hugging Face model folder that the engine runs
 * exactly as it runs the run itself (same greedy text), that inspect describes, and whose
 * tokenizer.json tokenizes as the run's tokenizer did. (transformers itself loads such a folder:
 * scripts/check_export.py, docs/engine.md.)
 */
class ExportCommandTest {
    @TempDir
    static Path dir;

    private static Path run;
    private static Path exported;

    @BeforeAll
    static void trainAndExport() {
        run = dir.resolve("run");
        StdoutRun t = StdoutRun.trainTinyRun(run.toString());
        assertEquals(0, t.exitCode(), t.err());
        exported = dir.resolve("hf");
        StdoutRun e = StdoutRun.of("export", run.toString(), "--out", exported.toString());
        assertEquals(0, e.exitCode(), e.err());
    }

    @Test
    void theFolderHasWhatTransformersReads() throws Exception {
        for (String f : new String[] {"config.json", "model.safetensors", "generation_config.json", "tokenizer.json", "tokenizer_config.json"}) {
            assertTrue(Files.isRegularFile(exported.resolve(f)), f);
        }
        assertTrue(Files.readString(exported.resolve("config.json")).contains("\"MixtralForCausalLM\""));
        var cl = Main.commandLine();
        java.io.StringWriter out = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out));
        assertEquals(0, cl.execute("inspect", exported.toString()));
        assertTrue(out.toString().contains("architecture   MixtralForCausalLM"), out.toString());
        assertTrue(out.toString().contains("4 per layer, top-2"), out.toString());
    }

    @Test
    void greedyTextIsTheSameFromTheRunAndFromTheExport() {
        StdoutRun fromRun = StdoutRun.of("generate", run.toString(), "the sea", "--max-tokens", "30", "--temperature", "0");
        StdoutRun fromExport = StdoutRun.of("generate", exported.toString(), "the sea", "--max-tokens", "30", "--temperature", "0");
        assertEquals(0, fromRun.exitCode(), fromRun.err());
        assertEquals(0, fromExport.exitCode(), fromExport.err());
        assertTrue(fromRun.out().startsWith("the sea") && fromRun.out().length() > "the sea".length() + 20, fromRun.out());
        assertEquals(fromRun.out(), fromExport.out());
    }

    @Test
    void perplexityOfATextIsTheSameFromTheRunAndFromTheExport() throws Exception {
        Path text = Files.writeString(dir.resolve("text.txt"), "It was the best of times, it was the worst of times. ".repeat(8));
        StdoutRun fromRun = StdoutRun.of("eval", run.toString(), "--text", text.toString(), "--context", "32", "--stride", "16");
        StdoutRun fromExport = StdoutRun.of("eval", exported.toString(), "--text", text.toString(), "--context", "32", "--stride", "16");
        assertEquals(0, fromRun.exitCode(), fromRun.err());
        assertEquals(0, fromExport.exitCode(), fromExport.err());
        String perplexity = fromRun.out().replaceAll("(?s).*perplexity ([0-9.]+).*", "$1");
        assertTrue(Double.parseDouble(perplexity) > 1, fromRun.out());
        assertTrue(fromExport.out().contains("perplexity " + perplexity + " "), fromRun.out() + " / " + fromExport.out());
        StdoutRun noText = StdoutRun.of("eval", exported.toString());
        assertEquals(2, noText.exitCode());
        assertTrue(noText.err().contains("give --text FILE"), noText.err());
    }

    @Test
    void aRunTransformersCannotExpressIsRefused() {
        Path fff = dir.resolve("fff");
        StdoutRun t = StdoutRun.of("train", "--steps", "1", "--out", fff.toString(), "--ffn", "fff", "--layers", "1", "--d-model", "16",
                "--heads", "2", "--kv-heads", "2", "--context", "16", "--batch-size", "2", "--eval-every", "1", "--eval-batches", "1",
                "--sample-tokens", "4");
        assertEquals(0, t.exitCode(), t.err());
        StdoutRun e = StdoutRun.of("export", fff.toString(), "--out", dir.resolve("fff-hf").toString());
        assertEquals(2, e.exitCode(), e.out());
        assertTrue(e.err().contains("layer 0") && e.err().contains("fff"), e.err());
        assertTrue(Files.notExists(dir.resolve("fff-hf")), "nothing written");
    }
}
