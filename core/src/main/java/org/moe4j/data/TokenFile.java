package org.moe4j.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.moe4j.io.FileFormatException;

/**
 * A tokenised corpus on disk, read through a memory mapping (FFM API), so a corpus larger than
 * memory trains: the operating system pages tokens in as batches touch them.
 *
 * <p>Format (version 1), all integers little-endian:
 * <pre>
 * offset  size  field
 *      0     8  magic "MOE4JTOK" (ASCII)
 *      8     4  version, 1
 *     12     4  header size in bytes, 48
 *     16     4  vocabulary size V (every token is in [0, V))
 *     20     4  reserved, 0
 *     24     8  token count N
 *     32     8  fingerprint of the tokenizer that wrote it ({@code Tokenizer.fingerprint()})
 *     40     8  fingerprint of the source text ({@link CorpusSource#fingerprint()})
 *     48   4 N  tokens, int32
 * </pre>
 * {@link TokenFileWriter} writes it atomically. Opening checks the magic, version, header size and
 * that the length is exactly {@code 48 + 4 N}; reading checks each token read against V.
 */
public final class TokenFile implements AutoCloseable {
    static final byte[] MAGIC = "MOE4JTOK".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 48;
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapped;
    private final int vocabSize;
    private final long count;
    private final long tokenizerFingerprint;
    private final long sourceFingerprint;

    private TokenFile(Path path, Arena arena, MemorySegment mapped) throws FileFormatException {
        this.path = path;
        this.arena = arena;
        this.mapped = mapped;
        long length = mapped.byteSize();
        if (length < HEADER_BYTES) {
            throw new FileFormatException("token file " + path + " is " + length + " bytes, shorter than its "
                    + HEADER_BYTES + "-byte header");
        }
        byte[] magic = mapped.asSlice(0, MAGIC.length).toArray(ValueLayout.JAVA_BYTE);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new FileFormatException("token file " + path + " does not start with \"MOE4JTOK\" (is it a token file?)");
        }
        int version = mapped.get(INT_LE, 8);
        if (version != VERSION) {
            throw new FileFormatException("token file " + path + " has version " + version + ", this moe4j reads version "
                    + VERSION);
        }
        int headerBytes = mapped.get(INT_LE, 12);
        if (headerBytes != HEADER_BYTES) {
            throw new FileFormatException("token file " + path + ": header size is " + headerBytes + ", expected "
                    + HEADER_BYTES);
        }
        vocabSize = mapped.get(INT_LE, 16);
        if (vocabSize < 1) {
            throw new FileFormatException("token file " + path + ": vocabulary size is " + vocabSize + ", must be >= 1");
        }
        count = mapped.get(LONG_LE, 24);
        if (count < 0 || count > (length - HEADER_BYTES) / 4 || HEADER_BYTES + 4 * count != length) {
            throw new FileFormatException("token file " + path + ": header says " + count + " tokens ("
                    + HEADER_BYTES + " + 4 x " + count + " bytes) but the file has " + length + " bytes (truncated or corrupt)");
        }
        tokenizerFingerprint = mapped.get(LONG_LE, 32);
        sourceFingerprint = mapped.get(LONG_LE, 40);
    }

    /** Maps {@code path} read-only and checks its header; close it to release the mapping. */
    public static TokenFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new TokenFile(path, arena, mapped);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new NoSuchFileException(path.toString(), null, "token file not found");
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Number of tokens N. */
    public long size() {
        return count;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public long tokenizerFingerprint() {
        return tokenizerFingerprint;
    }

    public long sourceFingerprint() {
        return sourceFingerprint;
    }

    /** Token {@code index}. */
    public int get(long index) {
        int[] one = new int[1];
        read(index, one, 0, 1);
        return one[0];
    }

    /** Copies tokens {@code [start, start + length)} into {@code dst[offset...]}. */
    public void read(long start, int[] dst, int offset, int length) {
        if (start < 0 || length < 0 || start > count - length) {
            throw new IndexOutOfBoundsException("token file " + path + ": tokens [" + start + ", " + (start + length)
                    + ") are outside [0, " + count + ")");
        }
        MemorySegment.copy(mapped, INT_LE, HEADER_BYTES + 4 * start, dst, offset, length);
        for (int i = offset; i < offset + length; i++) {
            if (dst[i] < 0 || dst[i] >= vocabSize) {
                throw new IllegalStateException("token file " + path + " is corrupt: token " + dst[i] + " at position "
                        + (start + i - offset) + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
