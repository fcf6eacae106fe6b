package org.moe4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.FileFormatException;
import org.moe4j.tensor.Rng;

class TokenFileTest {
    @TempDir
    Path dir;

    /** A token file holding {@code tokens}, written by the writer in pieces. */
    static Path write(Path file, int vocab, int[] tokens) throws IOException {
        try (TokenFileWriter w = new TokenFileWriter(file, vocab, 0x1234L, 0x5678L)) {
            for (int i = 0; i < tokens.length; i += 1000) {
                w.append(Arrays.copyOfRange(tokens, i, Math.min(tokens.length, i + 1000)));
            }
            w.commit();
        }
        return file;
    }

    @Test
    void mappedReaderReadsWhatTheWriterWrote() throws IOException {
        Rng rng = new Rng(1);
        // more than the writer's 1 MiB buffer holds
        int[] tokens = new int[400_000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(50_000);
        }
        Path file = write(dir.resolve("t.bin"), 50_000, tokens);
        assertEquals(48 + 4L * tokens.length, Files.size(file));
        try (TokenFile t = TokenFile.open(file)) {
            assertEquals(tokens.length, t.size());
            assertEquals(50_000, t.vocabSize());
            assertEquals(0x1234L, t.tokenizerFingerprint());
            assertEquals(0x5678L, t.sourceFingerprint());
            int[] all = new int[tokens.length];
            t.read(0, all, 0, all.length);
            assertArrayEquals(tokens, all);
            assertEquals(tokens[399_999], t.get(399_999));
            int[] part = new int[7];
            t.read(123_456, part, 2, 5);
            assertArrayEquals(Arrays.copyOfRange(tokens, 123_456, 123_461), Arrays.copyOfRange(part, 2, 7));
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.read(399_998, part, 0, 3));
            assertEquals("token file " + file + ": tokens [399998, 400001) are outside [0, 400000)", e.getMessage());
        }
        // the header bytes as documented
        ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(file), 0, 48).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x4B4F544A34454F4DL, header.getLong(0), "magic MOE4JTOK");
        assertEquals(1, header.getInt(8));
        assertEquals(48, header.getInt(12));
        assertEquals(50_000, header.getInt(16));
        assertEquals(400_000L, header.getLong(24));
    }

    @Test
    void anUncommittedWriterLeavesTheOldFileAndNoTemporary() throws IOException {
        Path file = write(dir.resolve("t.bin"), 10, new int[] {1, 2, 3});
        try (TokenFileWriter w = new TokenFileWriter(file, 10, 0, 0)) {
            w.append(new int[] {4, 5});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.append(new int[] {1, 10}));
            assertEquals("TokenFileWriter.append: id 10 at position 1 is out of range [0, 10)", e.getMessage());
        }
        try (TokenFile t = TokenFile.open(file)) {
            assertEquals(3, t.size());
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void damagedFilesAreRefusedNamingTheProblem() throws IOException {
        Path good = write(dir.resolve("good.bin"), 10, new int[] {1, 2, 3, 4});
        byte[] bytes = Files.readAllBytes(good);

        assertOpenFails(Arrays.copyOf(bytes, bytes.length - 2),
                ": header says 4 tokens (48 + 4 x 4 bytes) but the file has 62 bytes (truncated or corrupt)");
        assertOpenFails(Arrays.copyOf(bytes, 20), " is 20 bytes, shorter than its 48-byte header");
        byte[] magic = bytes.clone();
        magic[0] = 'X';
        assertOpenFails(magic, " does not start with \"MOE4JTOK\" (is it a token file?)");
        byte[] version = bytes.clone();
        version[8] = 2;
        assertOpenFails(version, " has version 2, this moe4j reads version 1");

        byte[] badToken = bytes.clone();
        ByteBuffer.wrap(badToken).order(ByteOrder.LITTLE_ENDIAN).putInt(48 + 8, 77);
        Path file = dir.resolve("bad-token.bin");
        Files.write(file, badToken);
        try (TokenFile t = TokenFile.open(file)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.get(2));
            assertEquals("token file " + file + " is corrupt: token 77 at position 2 is outside the vocabulary [0, 10)", e.getMessage());
            assertEquals(2, t.get(1));
        }
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> TokenFile.open(dir.resolve("none.bin")));
        assertEquals(dir.resolve("none.bin") + ": token file not found", e.getMessage());
        assertFalse(Files.exists(dir.resolve("none.bin")));
    }

    private void assertOpenFails(byte[] content, String expectedSuffix) throws IOException {
        Path file = dir.resolve("broken.bin");
        Files.write(file, content);
        FileFormatException e = assertThrows(FileFormatException.class, () -> TokenFile.open(file));
        assertEquals("token file " + file + expectedSuffix, e.getMessage());
    }
}
