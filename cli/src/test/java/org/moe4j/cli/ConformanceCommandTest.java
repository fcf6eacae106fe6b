package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import picocli.CommandLine;

class ConformanceCommandTest {
    // the cases are test data of the core module, next to this one in the source tree
    private static final Path CASES = Path.of("..", "experiments", "src", "test", "resources", "conformance");

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
    void runsASwitchCaseAndWritesEveryExpectedTensor() throws Exception {
        Path result = dir.resolve("r.safetensors");
        Run r = run("conformance", "run", CASES.resolve("switch_top1_B2S16_d16_E4_cap4.safetensors").toString(),
                "--out", result.toString(), "--check");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("15 of 15 tensors within tolerance"), r.out());
        try (SafeTensorsFile f = SafeTensors.open(result)) {
            assertEquals(15, f.names().size());
            assertEquals(5, java.util.Arrays.stream(f.longs("dropped")).sum());
        }
    }

    @Test
    void anFffCaseRunsThroughTheFastFeedforwardLayer() throws Exception {
        Path result = dir.resolve("r.safetensors");
        Run r = run("conformance", "run", CASES.resolve("fff_depth3_T32_d16_leaf8_out12.safetensors").toString(),
                "--out", result.toString(), "--check");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("22 of 22 tensors within tolerance"), r.out());
        try (SafeTensorsFile f = SafeTensors.open(result)) {
            assertEquals(org.moe4j.io.DType.I64, f.info("eval.leaf_index").dtype());
        }
    }

    @Test
    void aFileThatIsNoCaseGetsOneLineAndExitTwo() throws Exception {
        Path plain = dir.resolve("plain.safetensors");
        SafeTensors.writer().add("w", org.moe4j.tensor.Tensor.zeros(2)).write(plain);
        Run r = run("conformance", "run", plain.toString(), "--out", dir.resolve("r.safetensors").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("is this a conformance case?"), r.err());
        assertTrue(Files.notExists(dir.resolve("r.safetensors")));
    }
}
