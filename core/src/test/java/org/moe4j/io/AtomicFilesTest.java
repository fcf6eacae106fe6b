package org.moe4j.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void writeReplacesTheFileAndLeavesNothingElse() throws Exception {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        assertEquals(List.of("a.txt"), names(dir));
    }

    @Test
    void aWriteThatFailsMidwayKeepsTheOldFile() throws Exception {
        Path f = dir.resolve("weights.bin");
        AtomicFiles.writeString(f, "old content");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write(new byte[100_000]);
            throw new IOException("No space left on device");
        }));
        assertEquals("No space left on device", e.getMessage());
        assertEquals("old content", Files.readString(f));
        assertEquals(List.of("weights.bin"), names(dir), "the temporary file is removed");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(dir.resolve("new.bin"), out -> {
            throw new IllegalStateException("bug in the writer");
        }));
        assertEquals(List.of("weights.bin"), names(dir), "a failed first write leaves no file");
    }

    @Test
    void folderIsReplacedAsAWhole() throws Exception {
        Path ckpt = dir.resolve("ckpt");
        AtomicFiles.writeFolder(ckpt, tmp -> {
            Files.writeString(tmp.resolve("a"), "1");
            Files.writeString(tmp.resolve("b"), "1");
        });
        AtomicFiles.writeFolder(ckpt, tmp -> Files.writeString(tmp.resolve("a"), "2"));
        assertEquals(List.of("a"), names(ckpt), "files of the old folder do not linger");
        assertEquals("2", Files.readString(ckpt.resolve("a")));
        assertEquals(List.of("ckpt"), names(dir));
    }

    @Test
    void aFolderWriteThatFailsMidwayKeepsThePreviousFolderIntact() throws Exception {
        Path ckpt = dir.resolve("ckpt");
        AtomicFiles.writeFolder(ckpt, tmp -> {
            Files.writeString(tmp.resolve("model"), "step 1");
            Files.createDirectory(tmp.resolve("sub"));
            Files.writeString(tmp.resolve("sub").resolve("x"), "1");
        });
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeFolder(ckpt, tmp -> {
            Files.writeString(tmp.resolve("model"), "step 2, half written");
            throw new IOException("No space left on device");
        }));
        assertEquals("No space left on device", e.getMessage());
        assertEquals("step 1", Files.readString(ckpt.resolve("model")));
        assertEquals("1", Files.readString(ckpt.resolve("sub").resolve("x")));
        assertEquals(List.of("ckpt"), names(dir), "the temporary folder is removed");
    }

    @Test
    void anInterruptedSwapIsUndone() throws Exception {
        Path ckpt = dir.resolve("ckpt");
        AtomicFiles.writeFolder(ckpt, tmp -> Files.writeString(tmp.resolve("m"), "old"));
        // as if the machine stopped after renaming the old folder aside and before renaming the new one in
        Files.move(ckpt, AtomicFiles.previousName(ckpt));
        assertTrue(AtomicFiles.recoverInterruptedReplace(ckpt));
        assertEquals("old", Files.readString(ckpt.resolve("m")));
        assertFalse(AtomicFiles.recoverInterruptedReplace(ckpt), "nothing to do the second time");
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
