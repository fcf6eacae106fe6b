package org.moe4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every public mixtral, switch and shazeer case through moe4j and checks every expected
 * tensor within the README's tolerance (|cand - ref| <= 1e-5 + 1e-4 |ref|, integers exact).
 */
class MoeConformanceTest {
    static Path folder() throws Exception {
        return Path.of(MoeConformanceTest.class.getResource("/conformance/README.md").toURI()).getParent();
    }

    static Stream<Path> publicCases() throws Exception {
        return Files.list(folder()).filter(p -> {
            String n = p.getFileName().toString();
            return n.endsWith(".safetensors");
        }).sorted();
    }

    @ParameterizedTest
    @MethodSource("publicCases")
    void everyExpectedTensorIsWithinTolerance(Path caseFile, @TempDir Path tmp) throws Exception {
        Path result = tmp.resolve("result.safetensors");
        CaseTensors produced = ConformanceRunner.withAllKinds().run(caseFile, result);
        List<ConformanceCheck.Line> lines = ConformanceCheck.compare(caseFile, produced);
        List<String> failures = lines.stream().filter(l -> !l.pass())
                .map(l -> l.name() + " (max abs " + l.maxAbsError() + ", " + l.detail() + ")").toList();
        assertTrue(failures.isEmpty(), caseFile.getFileName() + ": " + failures);
        assertEquals(ConformanceCase.read(caseFile).expected().size(), lines.size());
        assertTrue(Files.size(result) > 0);
    }

    @Test
    void thePublicCasesAreAllFound() throws Exception {
        assertEquals(7, publicCases().count(), "mixtral x2, switch x2 (without and with router bias), shazeer x2, fff");
    }

    @Test
    void anUnknownKindIsRefusedNamingTheKnownOnes() throws Exception {
        Path fff = folder().resolve("fff_depth3_T32_d16_leaf8_out12.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConformanceRunner().register("mixtral", new MixtralKind()).run(ConformanceCase.read(fff)));
        assertTrue(e.getMessage().contains("kind 'fff'") && e.getMessage().contains("known kinds: mixtral"), e.getMessage());
    }
}
