package org.moe4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.FileFormatException;
import org.moe4j.tensor.Rng;
import org.moe4j.text.BpeTrainer;
import org.moe4j.text.BytePairEncoding;

class CorpusSourceTest {
    @TempDir
    Path dir;

    static String readAll(CorpusSource source, List<Integer> chunkSizes) throws IOException {
        StringBuilder sb = new StringBuilder();
        source.forEachChunk((text, doc, first) -> {
            sb.append(text);
            chunkSizes.add(text.length());
        });
        return sb.toString();
    }

    @Test
    void bundledTextIsMobyDickInOneChunkPerMebibyte() throws IOException {
        List<Integer> chunks = new ArrayList<>();
        String text = readAll(CorpusSource.mobyDick(), chunks);
        assertEquals(BundledText.mobyDick(), text);
        assertEquals(2, chunks.size(), "1,204,997 bytes in chunks of at most 1 MiB");
        assertEquals("moby-dick", CorpusSource.mobyDick().description());
        assertArrayEquals(text.codePoints().sorted().distinct().toArray(), CorpusSource.mobyDick().distinctCodePoints());
        assertEquals(83, CorpusSource.mobyDick().distinctCodePoints().length);
    }

    @Test
    void bigFilesAreCutWhereByteLevelBpeGivesTheSameTokens() throws IOException {
        Rng rng = new Rng(4);
        String[] words = {"whale", "sea", "Ahab", "naïve", "🐳", "--", "1851", ",", "the", "\u0000"};
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 2_600_000) {
            sb.append(words[rng.nextInt(words.length)]).append(rng.nextInt(9) == 0 ? "\n" : " ");
            if (rng.nextInt(40_000) == 0) {
                // a line longer than a chunk, to force a cut that is not at a line break
                sb.append("x".repeat(CorpusSource.CHUNK_BYTES + 10)).append("é\n");
            }
        }
        String text = sb.toString().replace("\u0000", "");
        Path file = dir.resolve("big.txt");
        Files.writeString(file, text);
        List<Integer> chunks = new ArrayList<>();
        assertEquals(text, readAll(CorpusSource.of(file), chunks));
        assertTrue(chunks.size() >= 3, "chunks " + chunks);

        BytePairEncoding bpe = BpeTrainer.train(text.substring(0, 100_000), 200, List.of());
        List<int[]> pieces = new ArrayList<>();
        CorpusSource.of(file).forEachChunk((chunk, doc, first) -> pieces.add(bpe.encode(chunk)));
        int[] whole = bpe.encode(text);
        int[] joined = pieces.stream().flatMapToInt(java.util.Arrays::stream).toArray();
        assertArrayEquals(whole, joined);
    }

    @Test
    void foldersReadTheirTxtFilesInPathOrder() throws IOException {
        Files.createDirectories(dir.resolve("b"));
        Files.writeString(dir.resolve("b/2.txt"), "second");
        Files.writeString(dir.resolve("a.txt"), "first");
        Files.writeString(dir.resolve("notes.md"), "skipped");
        CorpusSource source = CorpusSource.of(dir);
        assertEquals(List.of(dir.resolve("a.txt"), dir.resolve("b/2.txt")), source.files());
        assertEquals(dir + " (2 .txt files)", source.description());
        List<String> seen = new ArrayList<>();
        source.forEachChunk((text, doc, first) -> seen.add(doc + ":" + first + ":" + text));
        assertEquals(List.of("0:true:first", "1:true:second"), seen);

        long before = source.fingerprint();
        Files.setLastModifiedTime(dir.resolve("a.txt"), FileTime.fromMillis(0));
        assertNotEquals(before, source.fingerprint(), "an edited file changes the fingerprint");
    }

    @Test
    void missingEmptyAndBinaryFilesAreRefusedByName() throws IOException {
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> CorpusSource.of(dir.resolve("nope.txt")));
        assertEquals(dir.resolve("nope.txt") + ": corpus file or folder not found", missing.getMessage());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        IOException noTxt = assertThrows(IOException.class, () -> CorpusSource.of(empty));
        assertEquals("corpus folder " + empty + " holds no .txt files", noTxt.getMessage());

        Path emptyFile = Files.createFile(empty.resolve("e.txt"));
        FileFormatException e = assertThrows(FileFormatException.class, () -> readAll(CorpusSource.of(emptyFile), new ArrayList<>()));
        assertEquals("corpus file " + emptyFile + " is empty", e.getMessage());

        byte[] binary = new byte[5000];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) (i * 31 + 7);
        }
        Path bin = dir.resolve("weights.bin");
        Files.write(bin, binary);
        e = assertThrows(FileFormatException.class, () -> readAll(CorpusSource.of(bin), new ArrayList<>()));
        assertTrue(e.getMessage().startsWith("corpus file " + bin + " looks binary: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("more than the 5 allowed (1 per 1000 bytes of its 5000)"), e.getMessage());
    }

    @Test
    void aFewBadBytesAreReplacedNotRefused() throws IOException {
        byte[] text = "x".repeat(3000).getBytes(StandardCharsets.US_ASCII);
        text[10] = 0;
        text[20] = (byte) 0xFF;
        text[30] = (byte) 0xC3;
        Path file = dir.resolve("mostly.txt");
        Files.write(file, text);
        String read = readAll(CorpusSource.of(file), new ArrayList<>());
        assertEquals(3000, read.length());
        assertEquals('\u0000', read.charAt(10));
        assertEquals('\uFFFD', read.charAt(20));
        assertEquals('\uFFFD', read.charAt(30));

        byte[] withBom = new byte[text.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(text, 0, withBom, 3, text.length);
        Path bom = Files.write(dir.resolve("bom.txt"), withBom);
        assertEquals(read, readAll(CorpusSource.of(bom), new ArrayList<>()), "the byte order mark is dropped");

        text[40] = 0;
        Files.write(file, text);
        FileFormatException e = assertThrows(FileFormatException.class, () -> readAll(CorpusSource.of(file), new ArrayList<>()));
        assertEquals("corpus file " + file + " looks binary: 4 NUL bytes or ill-formed UTF-8 sequences in its first 3000 bytes,"
                + " more than the 3 allowed (1 per 1000 bytes of its 3000)", e.getMessage());
    }
}
