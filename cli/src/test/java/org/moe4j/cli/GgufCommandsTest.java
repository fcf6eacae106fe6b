package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.gguf.GgufFile;

/**
 * The GGUF commands end to end on a trained run: {@code quantize} writes it (through its export) as a
 * GGUF file that {@code generate} runs to the run's own greedy text and {@code inspect} describes;
 * {@code convert} writes the file's tensors as float32 safetensors under their GGUF names; bad
 * arguments get one line and exit code 2.
 */
@Tag("slow")
class GgufCommandsTest {
    @TempDir
    static Path dir;

    private static Path run;
    private static Path f32;

    @BeforeAll
    static void trainAndQuantize() {
        run = dir.resolve("run");
        StdoutRun t = StdoutRun.trainTinyRun(run.toString());
        assertEquals(0, t.exitCode(), t.err());
        f32 = dir.resolve("run.f32.gguf");
        StdoutRun q = StdoutRun.of("quantize", run.toString(), "--type", "f32", "--out", f32.toString());
        assertEquals(0, q.exitCode(), q.err());
        assertTrue(q.out().startsWith(f32 + ": f32, "), q.out());
    }

    @Test
    void generateFromTheGgufFileGivesTheRunsGreedyText() {
        StdoutRun fromRun = StdoutRun.of("generate", run.toString(), "the sea", "--max-tokens", "30", "--temperature", "0");
        StdoutRun fromGguf = StdoutRun.of("generate", f32.toString(), "the sea", "--max-tokens", "30", "--temperature", "0");
        assertEquals(0, fromRun.exitCode(), fromRun.err());
        assertEquals(0, fromGguf.exitCode(), fromGguf.err());
        assertTrue(fromRun.out().length() > "the sea".length() + 20, fromRun.out());
        assertEquals(fromRun.out(), fromGguf.out());
    }

    @Test
    void expertsKeptInRamGiveTheSameTextAndTheirHitRates() {
        StdoutRun plain = StdoutRun.of("generate", f32.toString(), "the sea", "--max-tokens", "100", "--temperature", "0");
        java.io.PrintStream err0 = System.err;
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(stderr, true, java.nio.charset.StandardCharsets.UTF_8));
        StdoutRun kept;
        try {
            kept = StdoutRun.of("generate", f32.toString(), "the sea", "--max-tokens", "100", "--temperature", "0",
                    "--experts-in-ram", "2", "--stats");
        } finally {
            System.setErr(err0);
        }
        String stats = stderr.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, kept.exitCode(), kept.err());
        assertEquals(plain.out(), kept.out());
        assertTrue(stats.matches("(?s).*\\nlayer 0: 2 experts in RAM, \\d+ of \\d+ routed experts found there \\(\\d+\\.\\d%\\)\\n.*"),
                stats);
        assertTrue(stats.contains("hit rate"), stats);
        StdoutRun both = StdoutRun.of("generate", f32.toString(), "x", "--experts-in-ram", "2", "--memory", "1");
        assertEquals(2, both.exitCode());
        assertEquals("moe4j generate: give --experts-in-ram or --memory, not both\n", both.err());
        StdoutRun tooMany = StdoutRun.of("generate", f32.toString(), "x", "--experts-in-ram", "5");
        assertEquals(2, tooMany.exitCode());
        assertEquals("moe4j generate: experts in RAM per layer is 5, must be in [0, 4]\n", tooMany.err());
    }

    @Test
    void q8FileIsSmallerAndRuns() throws Exception {
        Path q8 = dir.resolve("run.q8_0.gguf");
        StdoutRun q = StdoutRun.of("quantize", run.toString(), "--type", "q8_0", "--out", q8.toString());
        assertEquals(0, q.exitCode(), q.err());
        try (GgufFile f = GgufFile.open(q8)) {
            assertEquals("llama", f.metadata().string("general.architecture"));
            assertEquals(7, f.metadata().integer("general.file_type"));
            // 16 columns are not whole Q8_0 blocks: the matrices fall back to F16, the router stays F32
            assertEquals("F16", f.tensor("blk.0.attn_q.weight").type().name());
            assertEquals("F32", f.tensor("blk.0.ffn_gate_inp.weight").type().name());
            assertArrayEquals(new long[] {4, 16, 16}, f.tensor("blk.0.ffn_gate_exps.weight").shape());
        }
        StdoutRun g = StdoutRun.of("generate", q8.toString(), "the sea", "--max-tokens", "10", "--temperature", "0");
        assertEquals(0, g.exitCode(), g.err());
        assertTrue(g.out().startsWith("the sea"), g.out());
    }

    /** A command that prints through picocli's writer (as inspect does), its output captured. */
    private static StdoutRun picocli(String... args) {
        var cl = Main.commandLine();
        java.io.StringWriter out = new java.io.StringWriter(), err = new java.io.StringWriter();
        cl.setOut(new java.io.PrintWriter(out));
        cl.setErr(new java.io.PrintWriter(err));
        int code = cl.execute(args);
        return new StdoutRun(code, out.toString(), err.toString());
    }

    @Test
    void inspectShowsTheFileAndTheModel() {
        StdoutRun r = picocli("inspect", f32.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith(f32 + ": GGUF version 3, "), r.out());
        assertTrue(r.out().contains("  general.architecture (STRING): llama\n"), r.out());
        assertTrue(r.out().matches("(?s).*\\nblk\\.0\\.ffn_gate_exps\\.weight\\s+F32\\s+\\[4, 16, 16\\]\\s+1,024\\s+4,096\\n.*"), r.out());
        assertTrue(r.out().contains("model (as moe4j runs it)\narchitecture   MixtralForCausalLM"), r.out());
    }

    @Test
    void convertWritesFloat32TensorsUnderTheirGgufNames() throws Exception {
        Path out = dir.resolve("converted.safetensors");
        StdoutRun c = StdoutRun.of("convert", f32.toString(), "--to", "safetensors", "--out", out.toString());
        assertEquals(0, c.exitCode(), c.err());
        try (GgufFile g = GgufFile.open(f32); SafeTensorsFile s = SafeTensorsFile.open(out)) {
            assertEquals(g.tensors().size(), s.names().size());
            for (var t : g.tensors()) {
                assertArrayEquals(t.shape(), s.info(t.name()).shape(), t.name());
                assertArrayEquals(g.floats(t.name()).data(), s.floats(t.name()).data(), t.name());
            }
        }
    }

    @Test
    void chatOnAGgufFileUsesItsChatTemplateAndAnswersAsTheFolder() throws Exception {
        Path folder = ChatFixture.model(dir.resolve("chat"));
        Path gguf = dir.resolve("chat.gguf");
        StdoutRun q = StdoutRun.of("quantize", folder.toString(), "--type", "f32", "--out", gguf.toString());
        assertEquals(0, q.exitCode(), q.err());
        try (GgufFile f = GgufFile.open(gguf)) {
            assertEquals(ChatFixture.TEMPLATE, f.metadata().string("tokenizer.chat_template"));
        }
        String script = "call me\nthe whale\n";
        ChatRun fromFolder = ChatRun.of(script, folder.toString(), "--temperature", "0", "--max-tokens", "12", "--color", "never");
        ChatRun fromGguf = ChatRun.of(script, gguf.toString(), "--temperature", "0", "--max-tokens", "12", "--color", "never");
        assertEquals(0, fromFolder.exitCode(), fromFolder.err());
        assertEquals(0, fromGguf.exitCode(), fromGguf.err());
        assertTrue(fromFolder.out().length() > 10, fromFolder.out());
        assertEquals(fromFolder.out(), fromGguf.out());
    }

    @Test
    void badArgumentsGetOneLine() throws Exception {
        StdoutRun q = StdoutRun.of("quantize", run.toString(), "--type", "q3_k", "--out", dir.resolve("x.gguf").toString());
        assertEquals(2, q.exitCode());
        assertEquals("moe4j quantize: --type is q3_k, must be one of f32, f16, bf16, q8_0, q4_0, q4_k_m, mxfp4\n", q.err());
        StdoutRun c = StdoutRun.of("convert", f32.toString(), "--to", "npz", "--out", dir.resolve("x.npz").toString());
        assertEquals(2, c.exitCode());
        assertEquals("moe4j convert: --to is npz, must be safetensors\n", c.err());
        Path broken = dir.resolve("broken.gguf");
        Files.write(broken, new byte[] {'G', 'G', 'U', 'F', 9, 0, 0, 0});
        StdoutRun i = StdoutRun.of("inspect", broken.toString());
        assertEquals(2, i.exitCode());
        assertEquals("moe4j inspect: " + broken + ": GGUF version 9 is not supported (versions 2 and 3 are)\n", i.err());
        StdoutRun g = StdoutRun.of("generate", broken.toString(), "x");
        assertEquals(2, g.exitCode());
        assertTrue(g.err().startsWith("moe4j generate: " + broken + ": GGUF version 9"), g.err());
    }
}
