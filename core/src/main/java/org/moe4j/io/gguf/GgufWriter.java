package org.moe4j.io.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes a GGUF version 3 file: metadata in the order given, then the tensor infos, then each
 * tensor's data at the next multiple of the alignment, in the order the tensors were added (the
 * layout llama.cpp requires: each offset the previous one plus its padded size). The file is laid
 * out first, mapped, and each tensor's bytes are produced straight into the mapping by its
 * {@link TensorData}, so a model larger than the heap is written in one pass; it goes to a temporary
 * name and is renamed over the target only when complete.
 */
public final class GgufWriter {
    /** Produces a tensor's bytes into {@code out}, which is exactly the tensor's size. */
    @FunctionalInterface
    public interface TensorData {
        void fill(MemorySegment out) throws IOException;
    }

    private record Entry(String name, GgmlType type, long[] ne, long bytes, TensorData data) {}

    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private int alignment = GgufHeader.DEFAULT_ALIGNMENT;

    public GgufWriter metadata(String key, GgufValue value) {
        if (key.equals("general.alignment")) {
            long a = value.value() instanceof Long l ? l : 0;
            if (value.type() != GgufValueType.UINT32 || a == 0 || (a & (a - 1)) != 0) {
                throw new IllegalArgumentException("general.alignment must be a UINT32 power of two, not " + value.describe(4));
            }
            alignment = (int) a;
        }
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor of ggml dimensions {@code ne} (fastest first: a [rows, cols] matrix is ne = [cols, rows]). */
    public GgufWriter tensor(String name, GgmlType type, long[] ne, TensorData data) {
        if (ne.length > GgufHeader.MAX_DIMS) throw new IllegalArgumentException("tensor " + name + ": " + ne.length + " dimensions, at most 4");
        long elements = 1;
        for (long d : ne) elements = Math.multiplyExact(elements, d);
        long row = ne.length == 0 ? 1 : ne[0];
        if (row % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor " + name + ": rows of " + row + " are not whole " + type + " blocks of " + type.blockSize());
        }
        if (tensors.stream().anyMatch(t -> t.name.equals(name))) throw new IllegalArgumentException("tensor " + name + " added twice");
        tensors.add(new Entry(name, type, ne.clone(), type.bytes(elements), data));
        return this;
    }

    /** Writes the file (atomically: a temporary file renamed over {@code path}). */
    public void write(Path path) throws IOException {
        byte[] header = header();
        long dataStart = align(header.length);
        long size = dataStart;
        for (Entry t : tensors) size += align(t.bytes);
        Path absolute = path.toAbsolutePath();
        Path temp = absolute.resolveSibling("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
                 Arena arena = Arena.ofShared()) {
                MemorySegment out = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                fill(out, header, dataStart);
                out.force();
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The whole file in memory (for tests and small files). */
    public byte[] toBytes() throws IOException {
        byte[] header = header();
        long size = align(header.length);
        for (Entry t : tensors) size += align(t.bytes);
        byte[] b = new byte[Math.toIntExact(size)];
        fill(MemorySegment.ofArray(b), header, align(header.length));
        return b;
    }

    private void fill(MemorySegment out, byte[] header, long dataStart) throws IOException {
        MemorySegment.copy(MemorySegment.ofArray(header), 0, out, 0, header.length);
        long offset = 0;
        for (Entry t : tensors) {
            t.data.fill(out.asSlice(dataStart + offset, t.bytes));
            offset += align(t.bytes);
        }
    }

    private long align(long n) {
        return (n + alignment - 1) / alignment * alignment;
    }

    private byte[] header() {
        Bytes b = new Bytes();
        b.u32(GgufHeader.MAGIC).u32(3).u64(tensors.size()).u64(metadata.size());
        metadata.forEach((k, v) -> {
            b.string(k).u32(v.type().ordinal());
            value(b, v);
        });
        long offset = 0;
        for (Entry t : tensors) {
            b.string(t.name).u32(t.ne.length);
            for (long d : t.ne) b.u64(d);
            b.u32(t.type.id()).u64(offset);
            offset += align(t.bytes);
        }
        return b.toByteArray();
    }

    private static void value(Bytes b, GgufValue v) {
        if (v.type() == GgufValueType.ARRAY) {
            b.u32(v.elementType().ordinal()).u64(v.length());
            switch (v.value()) {
                case long[] a -> {
                    for (long x : a) scalar(b, v.elementType(), x);
                }
                case float[] a -> {
                    for (float x : a) b.u32(Float.floatToRawIntBits(x));
                }
                case double[] a -> {
                    for (double x : a) b.u64(Double.doubleToRawLongBits(x));
                }
                case boolean[] a -> {
                    for (boolean x : a) b.u8(x ? 1 : 0);
                }
                case String[] a -> {
                    for (String x : a) b.string(x);
                }
                case GgufValue[] a -> {
                    for (GgufValue x : a) {
                        b.u32(x.type().ordinal());
                        value(b, x);
                    }
                }
                default -> throw new IllegalArgumentException("gguf value of " + v.typeName() + " holds " + v.value().getClass());
            }
            return;
        }
        scalar(b, v.type(), v.value());
    }

    private static void scalar(Bytes b, GgufValueType type, Object v) {
        switch (type) {
            case UINT8, INT8 -> b.u8((int) (long) (Long) v);
            case UINT16, INT16 -> b.u16((int) (long) (Long) v);
            case UINT32, INT32 -> b.u32((int) (long) (Long) v);
            case UINT64, INT64 -> b.u64((Long) v);
            case FLOAT32 -> b.u32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> b.u64(Double.doubleToRawLongBits((Double) v));
            case BOOL -> b.u8((Boolean) v ? 1 : 0);
            case STRING -> b.string((String) v);
            case ARRAY -> throw new IllegalArgumentException("nested array as a scalar");
        }
    }

    /** A growing little-endian byte buffer. */
    private static final class Bytes extends ByteArrayOutputStream {
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Bytes u8(int v) {
            write(v);
            return this;
        }

        Bytes u16(int v) {
            write(scratch.clear().putShort((short) v).array(), 0, 2);
            return this;
        }

        Bytes u32(int v) {
            write(scratch.clear().putInt(v).array(), 0, 4);
            return this;
        }

        Bytes u64(long v) {
            write(scratch.clear().putLong(v).array(), 0, 8);
            return this;
        }

        Bytes string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            u64(utf8.length);
            write(utf8, 0, utf8.length);
            return this;
        }
    }
}
