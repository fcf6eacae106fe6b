package org.moe4j.kernel.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing, caching and overriding the GEMM plan; calibration itself is timed in the last test. */
class GemmPlansTest {
    private static final CpuInfo XEON = new CpuInfo("amd64", "GenuineIntel", 6, 207, "Xeon", 512, 48 << 10, 2 << 20, 2);
    private static final CpuInfo EPYC = new CpuInfo("amd64", "AuthenticAMD", 0x1a, 2, "EPYC", 512, 48 << 10, 1 << 20, 2);

    @TempDir
    Path dir;

    /** A calibration that picks the second candidate and counts its calls. */
    private static Function<List<GemmPlan>, GemmCalibration.Result> second(AtomicInteger calls) {
        return candidates -> {
            calls.incrementAndGet();
            return new GemmCalibration.Result(candidates.get(1), 123.4, "fake timings");
        };
    }

    @Test
    void withoutC2TheSixRowTileIsUsedAndNothingIsTimed() {
        assertTrue(GemmPlans.optimisingCompiler(List.of("-Xmx4g", "-XX:TieredStopAtLevel=4")));
        assertTrue(GemmPlans.optimisingCompiler(List.of()));
        assertFalse(GemmPlans.optimisingCompiler(List.of("-XX:TieredStopAtLevel=1")));
        assertFalse(GemmPlans.optimisingCompiler(List.of("-Xmx256m", "-Xint")));
        GemmPlan p = GemmPlanTable.withoutOptimisingCompiler(GemmPlans.cpu());
        assertEquals(GemmTile.ROWS_6, p.tile());
    }

    @Test
    void theCacheFolderFollowsXdgCacheHomeWhenItIsAnAbsolutePath() {
        assertEquals(Path.of("/x/cache/moe4j/gemm-plan.properties"),
                GemmPlans.cacheFile(Map.of("XDG_CACHE_HOME", "/x/cache"), "/home/u"));
        assertEquals(Path.of("/home/u/.cache/moe4j/gemm-plan.properties"), GemmPlans.cacheFile(Map.of(), "/home/u"));
        // the XDG spec says a relative value is to be ignored
        assertEquals(Path.of("/home/u/.cache/moe4j/gemm-plan.properties"),
                GemmPlans.cacheFile(Map.of("XDG_CACHE_HOME", "rel/cache"), "/home/u"));
    }

    @Test
    void aCalibratedPlanIsSavedAndReadBackWithoutTimingAgain() throws IOException {
        Path file = dir.resolve("moe4j").resolve(GemmPlans.FILE_NAME);
        AtomicInteger calls = new AtomicInteger();
        List<String> warnings = new ArrayList<>();
        GemmPlan first = GemmPlans.choose(XEON, "calibrate", file, warnings::add, second(calls));
        GemmPlan expected = GemmPlanTable.candidates(XEON).get(1);
        assertEquals(expected.shape(), first.shape());
        assertTrue(first.why().startsWith("calibrated on this CPU (Intel with AVX-512)"), first.why());
        assertTrue(first.why().contains("fake timings") && first.why().contains("saved to " + file), first.why());
        assertTrue(Files.exists(file));
        try (var listing = Files.list(file.getParent())) {
            assertEquals(List.of(file), listing.toList(), "no temporary file is left next to the cache");
        }
        GemmPlan again = GemmPlans.choose(XEON, "calibrate", file, warnings::add, second(calls));
        assertEquals(expected.shape(), again.shape());
        assertTrue(again.why().startsWith("cached in " + file), again.why());
        assertEquals(1, calls.get(), "the second start reads the file instead of timing");
        assertEquals(List.of(), warnings);
    }

    @Test
    void aCorruptCacheIsIgnoredWithAWarningAndRewritten() throws IOException {
        Path file = dir.resolve(GemmPlans.FILE_NAME);
        AtomicInteger calls = new AtomicInteger();
        String format = "format=" + GemmPlans.FORMAT + "\n";
        for (String bad : List.of(format + "cpu=" + XEON.key().replace(":", "\\:") + "\ntile=9\nmc=140\nnc=2048\n",
                format + "cpu=" + XEON.key() + "\ntile=14\nmc=abc\nnc=2048\n",
                "\u0000\u0001 garbage", "format=7\n", "format=1\ncpu=" + XEON.key().replace(":", "\\:") + "\ntile=14\nmc=140\nnc=2048\n")) {
            Files.writeString(file, bad);
            List<String> warnings = new ArrayList<>();
            GemmPlan plan = GemmPlans.choose(XEON, "calibrate", file, warnings::add, second(calls));
            assertEquals(1, warnings.size(), bad);
            assertTrue(warnings.get(0).startsWith("ignoring the GEMM plan cache " + file + " ("), warnings.get(0));
            assertTrue(warnings.get(0).endsWith("); calibrating again"), warnings.get(0));
            assertEquals(GemmPlanTable.candidates(XEON).get(1).shape(), plan.shape());
            assertEquals(plan.shape(), GemmPlans.read(file, XEON).shape(), "the file was rewritten with a valid plan");
        }
        assertEquals(5, calls.get());
    }

    @Test
    void aCacheWrittenForAnotherCpuIsRecalibrated() throws IOException {
        Path file = dir.resolve(GemmPlans.FILE_NAME);
        AtomicInteger calls = new AtomicInteger();
        GemmPlans.choose(EPYC, "calibrate", file, w -> { }, second(calls));
        assertEquals(null, GemmPlans.read(file, XEON));
        List<String> warnings = new ArrayList<>();
        GemmPlan plan = GemmPlans.choose(XEON, "calibrate", file, warnings::add, second(calls));
        assertEquals(2, calls.get());
        assertEquals(List.of(), warnings, "a shared home folder is not an error");
        assertEquals(GemmPlanTable.candidates(XEON).get(1).shape(), plan.shape());
    }

    @Test
    void anUnwritableCacheWarnsAndStillGivesThePlan() throws IOException {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "not a folder");
        List<String> warnings = new ArrayList<>();
        GemmPlan plan = GemmPlans.choose(XEON, "calibrate", blocker.resolve("moe4j").resolve(GemmPlans.FILE_NAME),
                warnings::add, second(new AtomicInteger()));
        assertEquals(GemmPlanTable.candidates(XEON).get(1).shape(), plan.shape());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("could not save the GEMM plan to "), warnings.get(0));
    }

    @Test
    void tableAndExplicitSettingsNeedNoTimingAndBadOnesSayWhatIsAllowed() {
        Path file = dir.resolve(GemmPlans.FILE_NAME);
        Function<List<GemmPlan>, GemmCalibration.Result> never = c -> {
            throw new AssertionError("no calibration expected");
        };
        GemmPlan table = GemmPlans.choose(XEON, "table", file, w -> { }, never);
        assertEquals(GemmPlanTable.plan(XEON).shape(), table.shape());
        assertTrue(table.why().startsWith("from the table (moe4j.gemm.plan=table): Intel with AVX-512"), table.why());
        GemmPlan set = GemmPlans.choose(XEON, "tile=6,mc=36,nc=" + 4 * GemmMicroKernel.NR + ",order=rows", file, w -> { }, never);
        assertEquals(new GemmPlan(GemmTile.ROWS_6, 36, 4 * GemmMicroKernel.NR, true, "x").shape(), set.shape());
        assertFalse(Files.exists(file));
        assertEquals("moe4j.gemm.plan is 'fast', must be calibrate, table or tile=ROWS,mc=ROWS,nc=COLUMNS[,order=rows|columns]",
                assertThrows(IllegalArgumentException.class, () -> GemmPlans.choose(XEON, "fast", file, w -> { }, never)).getMessage());
        assertEquals("GEMM plan tile is 8, must be the rows of a tile: 4, 6 or 14",
                assertThrows(IllegalArgumentException.class, () -> GemmPlans.parse("tile=8,mc=16,nc=64", "x")).getMessage());
        assertEquals("GEMM plan has no nc; it needs tile, mc and nc",
                assertThrows(IllegalArgumentException.class, () -> GemmPlans.parse("tile=6,mc=12", "x")).getMessage());
        assertEquals("GEMM plan order is 'up', must be rows or columns",
                assertThrows(IllegalArgumentException.class, () -> GemmPlans.parse("tile=6,mc=12,nc=64,order=up", "x")).getMessage());
    }

    @Test
    void calibrationTimesEveryCandidateAndKeepsTheFastest() {
        List<GemmPlan> candidates = List.of(new GemmPlan(GemmTile.ROWS_6, 144, 64 * GemmMicroKernel.NR, false, "a"),
                new GemmPlan(GemmTile.ROWS_14, 140, 64 * GemmMicroKernel.NR, true, "b"));
        GemmCalibration.Result r = GemmCalibration.fastest(candidates, 200_000_000L);
        assertTrue(candidates.contains(r.best()));
        assertTrue(r.bestGflops() > 0);
        for (GemmPlan p : candidates) {
            assertTrue(r.summary().contains(p.shape() + " "), r.summary());
        }
        assertThrows(IllegalArgumentException.class, () -> GemmCalibration.fastest(List.of(), 0));
    }
}
