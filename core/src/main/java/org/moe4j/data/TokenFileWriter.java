package org.moe4j.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.moe4j.io.AtomicFiles;

/**
 * Writes a {@link TokenFile} of unknown length atomically: tokens stream to a temporary file beside
 * the target, the header (with the final count) is written last, the file is flushed to disk and
 * renamed over the target. Until {@link #commit()} the target is untouched; closing without
 * committing (an error midway, a full disk) deletes the temporary file.
 */
public final class TokenFileWriter implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private final int vocabSize;
    private final long tokenizerFingerprint;
    private final long sourceFingerprint;
    private long count;
    private boolean committed;

    public TokenFileWriter(Path target, int vocabSize, long tokenizerFingerprint, long sourceFingerprint) throws IOException {
        if (vocabSize < 1) {
            throw new IllegalArgumentException("TokenFileWriter: vocabSize is " + vocabSize + ", must be >= 1");
        }
        this.target = target.toAbsolutePath();
        this.temp = this.target.resolveSibling("." + this.target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        this.vocabSize = vocabSize;
        this.tokenizerFingerprint = tokenizerFingerprint;
        this.sourceFingerprint = sourceFingerprint;
        Files.createDirectories(this.target.getParent());
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        channel.position(TokenFile.HEADER_BYTES);
    }

    /** Appends {@code ids}, each of which must be in {@code [0, vocabSize)}. */
    public void append(int[] ids) throws IOException {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("TokenFileWriter.append: id " + ids[i] + " at position " + i
                        + " is out of range [0, " + vocabSize + ")");
            }
            if (!buffer.hasRemaining()) {
                drain();
            }
            buffer.putInt(ids[i]);
        }
        count += ids.length;
    }

    /** Tokens appended so far. */
    public long count() {
        return count;
    }

    /** Writes the header, flushes to disk and replaces the target. */
    public void commit() throws IOException {
        drain();
        ByteBuffer header = ByteBuffer.allocate(TokenFile.HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.put(TokenFile.MAGIC).putInt(TokenFile.VERSION).putInt(TokenFile.HEADER_BYTES).putInt(vocabSize).putInt(0)
                .putLong(count).putLong(tokenizerFingerprint).putLong(sourceFingerprint).flip();
        while (header.hasRemaining()) {
            channel.write(header, header.position());
        }
        channel.force(true);
        channel.close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        committed = true;
        AtomicFiles.fsyncFolder(target.getParent());
    }

    private void drain() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    /** Deletes the temporary file unless committed. */
    @Override
    public void close() throws IOException {
        if (!committed) {
            channel.close();
            Files.deleteIfExists(temp);
        }
    }
}
