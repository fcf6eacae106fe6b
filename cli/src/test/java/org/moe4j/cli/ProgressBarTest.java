package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void logModePrintsOneLinePerDecile() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar("train", 100, new PrintStream(buf, true, StandardCharsets.UTF_8), false);
        for (int i = 1; i <= 100; i++) bar.update(i, "loss 0.5");
        String[] lines = buf.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(11, lines.length, "a first line, then one per 10%");
        assertTrue(lines[10].startsWith("train [########################] 100% 100/100"), lines[10]);
        assertTrue(lines[10].endsWith("ETA done | loss 0.5"), lines[10]);
        assertTrue(lines[5].contains(" 50% "), lines[5]);
    }

    @Test
    void durationsAndBadTotals() {
        assertEquals("1:05", ProgressBar.formatDuration(65));
        assertEquals("1:01:01", ProgressBar.formatDuration(3661));
        assertThrows(IllegalArgumentException.class, () -> new ProgressBar("x", 0));
    }
}
