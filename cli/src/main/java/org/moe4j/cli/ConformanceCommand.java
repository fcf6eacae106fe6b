package org.moe4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.moe4j.conformance.CaseTensors;
import org.moe4j.conformance.ConformanceCheck;
import org.moe4j.conformance.ConformanceRunner;
import org.moe4j.conformance.ModelCase;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j conformance run CASE.safetensors --out RESULT.safetensors}: runs a reference case
 * through moe4j's own layers and writes every expected tensor under its name; with {@code --check}
 * it also compares them with the case's values at the README tolerance and exits 1 on a mismatch.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Reproduce reference cases (safetensors cases as experiments/src/test/resources/conformance/README.md describes) with moe4j's layers.",
        subcommands = {ConformanceCommand.Run.class})
final class ConformanceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Run CASE and write every expected tensor to the --out file.")
    static final class Run implements Callable<Integer> {
        @Parameters(paramLabel = "CASE", description = "a layer conformance case (.safetensors) or a whole-model case folder")
        Path caseFile;

        @Option(names = "--out", required = true, paramLabel = "RESULT", description = "the result file to write")
        Path out;

        @Option(names = "--check", description = "compare with the case's expected tensors (|cand - ref| <= 1e-5 + 1e-4 |ref|, integers exact)")
        boolean check;

        @Option(names = "--gguf", paramLabel = "FILE.gguf", description = "run the whole-model case's inputs through this GGUF file of its model")
        Path gguf;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (Files.isDirectory(caseFile)) {
                return runModelCase();
            }
            if (!Files.isRegularFile(caseFile)) {
                throw new IllegalArgumentException(caseFile + ": no such file");
            }
            CaseTensors result = ConformanceRunner.withAllKinds().run(caseFile, out);
            PrintWriter pw = spec.commandLine().getOut();
            pw.printf("%s: wrote %d tensors to %s%n", caseFile.getFileName(),
                    result.floats().size() + result.integers().size(), out);
            if (!check) return 0;
            List<ConformanceCheck.Line> lines = ConformanceCheck.compare(caseFile, result);
            int failed = 0;
            for (ConformanceCheck.Line l : lines) {
                pw.printf("  %-4s %-32s max abs %.3g  %s%n", l.pass() ? "ok" : "FAIL", l.name(), l.maxAbsError(), l.detail());
                if (!l.pass()) failed++;
            }
            pw.printf("%d of %d tensors within tolerance%n", lines.size() - failed, lines.size());
            return failed == 0 ? 0 : 1;
        }

        /** A whole-model case folder: model files plus expected.safetensors and case.json. */
        private int runModelCase() throws IOException {
            if (!Files.isRegularFile(caseFile.resolve("expected.safetensors"))) {
                throw new IllegalArgumentException(caseFile + ": not a model case (no expected.safetensors); a case folder holds "
                        + "a Hugging Face model and the reference outputs");
            }
            ModelCase.Result result;
            if (gguf != null) {
                try (var g = org.moe4j.engine.gguf.GgufModel.load(gguf)) {
                    result = ModelCase.run(g.model(), caseFile);
                }
            } else {
                result = ModelCase.run(caseFile);
            }
            result.write(out);
            PrintWriter pw = spec.commandLine().getOut();
            pw.printf("%s: wrote %d tensors to %s%n", caseFile.getFileName(), result.floats().size() + result.integers().size(), out);
            if (!check) return 0;
            int failed = 0;
            List<ModelCase.Line> lines = ModelCase.check(caseFile, result);
            for (ModelCase.Line l : lines) {
                pw.printf("  %-4s %-20s max abs %.3g (atol %.0e)  %s%n", l.pass() ? "ok" : "FAIL", l.name(), l.maxAbsError(), l.atol(), l.detail());
                if (!l.pass()) failed++;
            }
            pw.printf("%d of %d tensors within tolerance%n", lines.size() - failed, lines.size());
            return failed == 0 ? 0 : 1;
        }
    }
}
