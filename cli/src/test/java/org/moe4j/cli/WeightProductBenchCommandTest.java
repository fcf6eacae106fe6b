package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code bench memory} and {@code bench weight-product}: their result lines and their refusals. */
@Tag("slow")
class WeightProductBenchCommandTest {
    @Test
    void eachPrintsItsResultLines() {
        StdoutRun memory = StdoutRun.of("bench", "memory", "--gib", "0.01", "--runs", "1", "--threads", "2");
        assertEquals(0, memory.exitCode(), memory.err());
        assertTrue(memory.out().matches("memory 0\\.01 1 \\d+\\.\\d\nmemory 0\\.01 2 \\d+\\.\\d\n"), memory.out());
        StdoutRun product = StdoutRun.of("bench", "weight-product", "33", "70", "--tokens", "3", "--dtype", "f16",
                "--working-set-gib", "0.001", "--runs", "1", "--against-f32");
        assertEquals(0, product.exitCode(), product.err());
        assertTrue(product.out().matches("weight-product 33 70 f16 3 \\d+\\.\\d \\d+\\.\\d \\d+\\.\\d best \\d+\\.\\d \\d+\\.\\d \\d+\\.\\d\n"
                + "gemm 33 70 f32 3 \\d+\\.\\d\n"), product.out());
    }

    @Test
    void againstMemoryPrintsBothRatesAndTheirRatio() {
        StdoutRun vs = StdoutRun.of("bench", "weight-product", "64", "128", "--working-set-gib", "0.01", "--runs", "3",
                "--against-memory");
        assertEquals(0, vs.exitCode(), vs.err());
        assertTrue(vs.out().matches("weight-product-vs-memory 64 128 bf16 1 \\d+\\.\\d \\d+\\.\\d \\d+\\.\\d{3}\n"),
                vs.out());
    }

    @Test
    void badArgumentsGiveOneLineAndExitCode2() {
        StdoutRun dtype = StdoutRun.of("bench", "weight-product", "8", "8", "--dtype", "int4");
        assertEquals(2, dtype.exitCode());
        assertEquals("moe4j weight-product: --dtype is int4, must be one of f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k, mxfp4\n", dtype.err());
        StdoutRun tokens = StdoutRun.of("bench", "weight-product", "8", "8", "--tokens", "0");
        assertEquals(2, tokens.exitCode());
        assertTrue(tokens.err().contains("--tokens 0 must all be >= 1"), tokens.err());
        StdoutRun gib = StdoutRun.of("bench", "memory", "--gib", "0");
        assertEquals(2, gib.exitCode());
        assertEquals("moe4j memory: --gib is 0.0, must be in (0, 1024]\n", gib.err());
    }
}
