package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.train.MetricsLog;
import org.moe4j.train.StepMetrics;
import picocli.CommandLine;

/** The main job end to end on a tiny model: train, resume, inspect, eval, and the errors a user can cause. */
class TrainCommandTest {
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

    private static final String[] TINY = {"--layers", "1", "--d-model", "16", "--heads", "2", "--kv-heads", "2", "--hidden", "8",
            "--experts", "4", "--context", "16", "--batch-size", "2", "--eval-every", "2", "--eval-batches", "1", "--sample-tokens", "0"};

    private String[] args(String... extra) {
        String[] all = new String[TINY.length + extra.length];
        System.arraycopy(extra, 0, all, 0, extra.length);
        System.arraycopy(TINY, 0, all, extra.length, TINY.length);
        return all;
    }

    @Test
    void trainsResumesAndTheRunFolderServesTheOtherCommands() throws Exception {
        Path out = dir.resolve("run");
        Run first = run(args("train", "--steps", "4", "--out", out.toString()));
        assertEquals(0, first.exit(), first.err());
        assertTrue(Files.isRegularFile(out.resolve("report/index.html")));
        assertTrue(Files.isRegularFile(out.resolve("report/experts_layer0.png")), "the specialisation plot of the MoE layer");
        List<StepMetrics> metrics = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertEquals(4, metrics.size());
        assertTrue(metrics.get(3).validated(), "the last step validates");
        assertEquals(4, metrics.get(3).layers().getFirst().tokensPerExpert().length, "the MoE layer's load over its 4 experts");
        try (SafeTensorsFile f = SafeTensors.open(out.resolve("checkpoint/model.safetensors"))) {
            assertTrue(f.names().contains("model.layers.0.block_sparse_moe.experts.3.w1.weight"), f.names().toString());
        }

        Run again = run(args("train", "--steps", "4", "--out", out.toString()));
        assertEquals(2, again.exit());
        assertTrue(again.err().contains("already holds a run: continue it with --resume"), again.err());

        Run inspect = run("inspect", out.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().contains("block_sparse_moe") && inspect.out().contains("4 experts"), inspect.out());

        Run eval = run("eval", out.toString(), "--batches", "1", "--batch-size", "2");
        assertEquals(0, eval.exit(), eval.err());
    }

    @Test
    void badInputGetsOneLineAndExitTwo() {
        Run noOut = run("train", "--resume");
        assertEquals(2, noOut.exit());
        assertTrue(noOut.err().contains("--resume needs --out DIR"), noOut.err());
        Run badFfn = run(args("train", "--steps", "1", "--ffn", "sparse", "--out", dir.resolve("x").toString()));
        assertEquals(2, badFfn.exit());
        assertTrue(badFfn.err().contains("--ffn is \"sparse\": allowed moe, hierarchical, dense, fff"), badFfn.err());
        Run missingCorpus = run(args("train", "--steps", "1", "--corpus", dir.resolve("nope.txt").toString(), "--out", dir.resolve("y").toString()));
        assertEquals(2, missingCorpus.exit());
        assertTrue(missingCorpus.err().contains("nope.txt"), missingCorpus.err());
        Run notARun = run("generate", dir.toString(), "hello");
        assertEquals(2, notARun.exit());
        assertTrue(notARun.err().contains("not a moe4j run folder"), notARun.err());
    }
}
