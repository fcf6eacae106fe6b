package org.moe4j.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * WeightProduct gives the same bits interpreted and compiled: a JVM that only interprets (-Xint)
 * computes the products of {@link WeightProductColdRun}, and this JVM computes them again after
 * thousands of calls have had the blocks compiled by C2. A reduction whose order changed with
 * compilation (as FloatVector.reduceLanes may) would differ in the last bits.
 */
class WeightProductJitTest {
    @Test
    void interpretedAndCompiledProductsAreBitIdentical() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xint", "--add-modules", "jdk.incubator.vector"));
        // the same vector width as this JVM (-XX:UseAVX=2 and the like), or the lane sums would differ by design
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:UseAVX") || arg.startsWith("-XX:UseSSE") || arg.startsWith("-XX:MaxVectorSize")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), WeightProductColdRun.class.getName()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String cold = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), "the interpreted run failed");
        int saved = KernelPool.threads();
        try {
            KernelPool.setThreads(1);
            for (int i = 0; i < 3000; i++) {
                WeightProductColdRun.run();
            }
            String warm = WeightProductColdRun.run();
            String[] coldLines = cold.split("\n"), warmLines = warm.split("\n");
            assertEquals(warmLines.length, coldLines.length, "products printed by the interpreted run");
            for (int i = 0; i < warmLines.length; i++) {
                assertEquals(coldLines[i], warmLines[i], "interpreted (first) vs compiled (second), line " + i);
            }
        } finally {
            KernelPool.setThreads(saved);
        }
    }
}
