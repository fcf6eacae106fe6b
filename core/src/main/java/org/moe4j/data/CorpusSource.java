package org.moe4j.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;
import org.moe4j.io.FileFormatException;
import org.moe4j.text.PreTokenizer;
import org.moe4j.text.Utf8;

/**
 * Where a corpus's text comes from: the bundled Moby-Dick, one text file, or every {@code .txt} file
 * under a folder (recursively, in order of their path). Each file is a document; documents are read
 * in chunks of about {@link #CHUNK_BYTES} bytes, so a file need not fit in memory.
 *
 * <p>A file is refused, naming it, when it is empty or looks binary: when more than one byte in
 * {@link #MAX_BAD_BYTES_PER} (0.1%) is a NUL or starts an ill-formed UTF-8 sequence. Below that,
 * ill-formed parts become U+FFFD (see {@link Utf8}). A UTF-8 byte order mark at the start of a
 * file is dropped.
 *
 * <p>Chunks are cut where a non-whitespace byte meets a line break (a {@link PreTokenizer#isSafeCut
 * safe cut}), so byte-pair encoding chunk by chunk gives the same tokens as encoding the whole file;
 * only a line longer than a chunk is cut elsewhere (at a character boundary).
 */
public final class CorpusSource {
    public static final int CHUNK_BYTES = 1 << 20;
    public static final int MAX_BAD_BYTES_PER = 1000;

    private final String description;
    // empty for the bundled text
    private final List<Path> files;

    private CorpusSource(String description, List<Path> files) {
        this.description = description;
        this.files = files;
    }

    /** The bundled Moby-Dick. */
    public static CorpusSource mobyDick() {
        return new CorpusSource(BundledText.MOBY_DICK, List.of());
    }

    /** A text file, or a folder whose {@code .txt} files (at any depth) form the corpus. */
    public static CorpusSource of(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "corpus file or folder not found");
        }
        if (!Files.isDirectory(path)) {
            return new CorpusSource(path.toString(), List.of(path));
        }
        List<Path> txt;
        try (Stream<Path> walk = Files.walk(path)) {
            txt = walk.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".txt")).sorted().toList();
        }
        if (txt.isEmpty()) {
            throw new IOException("corpus folder " + path + " holds no .txt files");
        }
        return new CorpusSource(path + " (" + txt.size() + " .txt files)", txt);
    }

    /** "moby-dick", a file's path, or a folder's path with its file count. */
    public String description() {
        return description;
    }

    /** The files read, in order; empty for the bundled text. */
    public List<Path> files() {
        return files;
    }

    /** The name of document {@code index} for messages: its path, or the bundled resource. */
    public String documentName(int index) {
        return files.isEmpty() ? BundledText.RESOURCE : files.get(index).toString();
    }

    /**
     * FNV-1a (64-bit) over the description and, per file, its path, size and modification time: it
     * changes when a file is edited, so a stale token file is rebuilt.
     */
    public long fingerprint() throws IOException {
        StringBuilder sb = new StringBuilder(description);
        for (Path f : files) {
            sb.append('\n').append(f.toAbsolutePath()).append('\t').append(Files.size(f)).append('\t')
                    .append(Files.getLastModifiedTime(f).toMillis());
        }
        long h = 0xcbf29ce484222325L;
        for (byte b : sb.toString().getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    /** Receives the text in order. */
    @FunctionalInterface
    public interface ChunkConsumer {
        /** {@code text} is the next chunk; {@code documentIndex} counts files from 0, {@code first} marks a file's first chunk. */
        void accept(String text, int documentIndex, boolean first) throws IOException;
    }

    /** Reads every document chunk by chunk, checking each file as described above. */
    public void forEachChunk(ChunkConsumer consumer) throws IOException {
        if (files.isEmpty()) {
            byte[] bytes = BundledText.mobyDickBytes();
            readDocument(documentName(0), new ByteArrayInputStream(bytes), bytes.length, 0, consumer);
            return;
        }
        for (int d = 0; d < files.size(); d++) {
            Path f = files.get(d);
            try (InputStream in = Files.newInputStream(f)) {
                readDocument(documentName(d), in, Files.size(f), d, consumer);
            }
        }
    }

    /** The text of the first chunks, about {@code maxChars} characters (whole chunks), for training a tokenizer. */
    public String sample(long maxChars) throws IOException {
        StringBuilder sb = new StringBuilder();
        long[] chars = {0};
        try {
            forEachChunk((text, doc, first) -> {
                if (chars[0] >= maxChars) {
                    throw new SampleFull();
                }
                sb.append(text);
                chars[0] += text.length();
            });
        } catch (SampleFull full) {
            // enough text
        }
        return sb.toString();
    }

    /** The distinct code points of the whole corpus, ascending, read chunk by chunk (for a character vocabulary). */
    public int[] distinctCodePoints() throws IOException {
        BitSet seen = new BitSet(Character.MAX_CODE_POINT + 1);
        forEachChunk((text, doc, first) -> text.codePoints().forEach(seen::set));
        return seen.stream().toArray();
    }

    /** Stops {@link #sample} early. */
    private static final class SampleFull extends RuntimeException {
        SampleFull() {
            super(null, null, false, false);
        }
    }

    private static void readDocument(String name, InputStream in, long size, int index, ChunkConsumer consumer)
            throws IOException {
        if (size == 0) {
            throw new FileFormatException("corpus file " + name + " is empty");
        }
        long allowedBad = size / MAX_BAD_BYTES_PER;
        long bad = 0;
        byte[] buf = new byte[CHUNK_BYTES];
        int filled = 0;
        long offset = 0;
        boolean first = true;
        boolean eof = false;
        while (!eof || filled > 0) {
            while (!eof && filled < buf.length) {
                int n = in.read(buf, filled, buf.length - filled);
                if (n < 0) {
                    eof = true;
                } else {
                    filled += n;
                }
            }
            if (first && filled >= 3 && (buf[0] & 0xff) == 0xEF && (buf[1] & 0xff) == 0xBB && (buf[2] & 0xff) == 0xBF) {
                // a byte order mark says "UTF-8", it is not text
                System.arraycopy(buf, 3, buf, 0, filled - 3);
                filled -= 3;
                offset = 3;
            }
            int cut = eof ? filled : cutPoint(buf, filled);
            for (int i = 0; i < cut; i++) {
                if (buf[i] == 0) {
                    bad++;
                }
            }
            Utf8.Decoded decoded = Utf8.decodeCounting(buf, 0, cut);
            bad += decoded.malformed();
            if (bad > allowedBad) {
                throw new FileFormatException("corpus file " + name + " looks binary: " + bad
                        + " NUL bytes or ill-formed UTF-8 sequences in its first " + (offset + cut)
                        + " bytes, more than the " + allowedBad + " allowed (1 per " + MAX_BAD_BYTES_PER + " bytes of its "
                        + size + ")");
            }
            consumer.accept(decoded.text(), index, first);
            first = false;
            offset += cut;
            System.arraycopy(buf, cut, buf, 0, filled - cut);
            filled -= cut;
        }
    }

    /** The last safe cut in {@code buf[0, filled)}, else the last character boundary. */
    private static int cutPoint(byte[] buf, int filled) {
        for (int at = filled - 1; at > 0; at--) {
            if (PreTokenizer.isSafeCut(buf, at)) {
                return at;
            }
        }
        for (int i = filled - 1; i >= Math.max(0, filled - 4); i--) {
            int b = buf[i] & 0xff;
            if ((b & 0xC0) != 0x80) {
                // ASCII or a lead byte: does its sequence end inside the buffer?
                int length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
                return i + length <= filled || i == 0 ? filled : i;
            }
        }
        return filled;
    }
}
