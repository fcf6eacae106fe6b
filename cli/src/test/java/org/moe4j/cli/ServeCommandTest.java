package org.moe4j.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {
    @TempDir
    Path dir;

    private static String fails(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute(args), err.toString());
        return err.toString();
    }

    @Test
    void refusesWhatItCannotServeInOneLine() {
        assertTrue(fails("serve", dir.resolve("missing").toString()).contains("is not a folder"));
        assertTrue(fails("serve", dir.toString()).contains("not a moe4j run folder"));
        assertTrue(fails("serve", dir.toString(), "--port", "70000").contains("port is 70000"));
        assertTrue(fails("serve", dir.toString(), "--max-batch", "0").contains("max batch is 0"));
        assertTrue(fails("serve", dir.toString(), "--api-key", " ").contains("API key is blank"));
        // refused before the model loads: the folder here is not a run, and the warm-up time is named first
        assertTrue(fails("serve", dir.toString(), "--warm-up", "-1").contains("--warm-up is -1.0, must be between 0 and 600 seconds"));
        assertTrue(fails("serve", dir.toString(), "--experts-in-ram", "2", "--memory", "1").contains("give --experts-in-ram or --memory, not both"));
    }
}
