package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.DType;
import org.moe4j.io.SafeTensors;
import org.moe4j.tensor.Tensor;
import picocli.CommandLine;

class InspectCommandTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void listsTensorsTotalsAndMetadata() throws Exception {
        Path file = dir.resolve("m.safetensors");
        SafeTensors.writer()
                .add("gate.weight", Tensor.zeros(8, 32))
                .add("experts.w1.weight", Tensor.zeros(8, 64, 32), DType.BF16)
                .addLongs("expert_index", new long[64], 32, 2)
                .metadata("format", "pt")
                .metadata("config", "x".repeat(300))
                .metadata("evil\u001b[2J", "line\nbreak")
                .write(file);
        Run r = run("inspect", file.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(file + ": 3 tensors, " + String.format("%,d", Files.size(file)) + " bytes"), r.out());
        assertTrue(r.out().matches("(?s).*\\nexpert_index\\s+I64\\s+\\[32, 2\\]\\s+64\\s+512\\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*\\nexperts\\.w1\\.weight\\s+BF16\\s+\\[8, 64, 32\\]\\s+16,384\\s+32,768\\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*\\ngate\\.weight\\s+F32\\s+\\[8, 32\\]\\s+256\\s+1,024\\n.*"), r.out());
        assertTrue(r.out().matches("(?s).*\\ntotal\\s+16,704\\s+34,304\\n.*"), r.out());
        assertTrue(r.out().contains("metadata: 3 entries\n  format: pt\n"), r.out());
        assertTrue(r.out().contains("  config: " + "x".repeat(100) + "... (300 characters; --full shows all)"), r.out());
        assertTrue(r.out().contains("  evil\\u001b[2J: line\\u000abreak"), "control characters are escaped: " + r.out());
        assertTrue(run("inspect", "--full", file.toString()).out().contains("  config: " + "x".repeat(300) + "\n"));
    }

    @Test
    void brokenFilesFoldersAndMissingFilesGiveOneLineAndExitCode2() throws Exception {
        Path broken = dir.resolve("broken.safetensors");
        Files.write(broken, new byte[] {1, 2, 3});
        Run r = run("inspect", broken.toString());
        assertEquals(2, r.exit());
        assertEquals("moe4j inspect: " + broken + ": the file is 3 bytes, too short for a safetensors file"
                + " (it starts with an 8-byte header length)\n", r.err().replace(System.lineSeparator(), "\n"));
        assertEquals("", r.out());

        Run folder = run("inspect", dir.toString());
        assertEquals(2, folder.exit());
        assertEquals("moe4j inspect: " + dir + " is not a moe4j run folder (it has no run.json)", folder.err().strip());

        Run missing = run("inspect", dir.resolve("nope.safetensors").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().strip().endsWith("nope.safetensors: no such file"), missing.err());
    }
}
