package org.moe4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * The memory the read-bandwidth benchmarks stream: anonymous off-heap memory filled once (so every
 * page is resident before timing), or an existing file mapped read-only and read once (so it is in
 * the page cache), as the weights of a loaded model are. The arena stays open for the benchmark's
 * lifetime (the JVM's).
 */
final class BenchMemory {
    private BenchMemory() {}

    /** {@code bytes} of off-heap memory, 64-byte aligned, every byte written. */
    static MemorySegment anonymous(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("bench: the buffer must hold at least 1 byte, asked for " + bytes);
        }
        MemorySegment s;
        try {
            s = Arena.global().allocate(bytes, 64);
        } catch (OutOfMemoryError e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "bench: cannot allocate %.2f GiB off-heap (%s); ask for less", bytes / (double) (1L << 30), e.getMessage()));
        }
        s.fill((byte) 0x3c);
        return s;
    }

    /** The whole of {@code file}, mapped read-only, and read once so its pages are resident. */
    static MemorySegment mapped(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("bench: --file " + file + " is not a file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() == 0) {
                throw new IllegalArgumentException("bench: --file " + file + " is empty");
            }
            MemorySegment s = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.global());
            MemoryRead.sum(s, 0, s.byteSize());
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("bench: cannot map " + file + ": " + e.getMessage(), e);
        }
    }
}
