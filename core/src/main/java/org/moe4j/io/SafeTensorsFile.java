package org.moe4j.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.moe4j.tensor.Tensor;

/**
 * An open safetensors file. {@link #open} memory-maps the file through the FFM API and checks the
 * header (see {@link SafeTensorsHeader}), so a file larger than the heap opens at once; a tensor's
 * bytes are read only when asked for, converted to a float32 {@link Tensor} ({@link #floats}) or to
 * long/int/double arrays. Mapped data stays valid until {@link #close}. Safe for concurrent reads.
 */
public final class SafeTensorsFile implements AutoCloseable, TensorSource {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The most elements a Java array holds on current JVMs. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final String source;
    private final Arena arena;
    private final MemorySegment file;
    private final SafeTensorsHeader header;
    private final Map<String, TensorInfo> byName;

    private SafeTensorsFile(String source, Arena arena, MemorySegment file) throws FileFormatException {
        this.source = source;
        this.arena = arena;
        this.file = file;
        this.header = SafeTensorsHeader.read(file, source);
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) {
            m.put(t.name(), t);
        }
        this.byName = Collections.unmodifiableMap(m);
    }

    /** Maps and checks {@code path}; fails with a one-line {@link FileFormatException} if it is not valid. */
    public static SafeTensorsFile open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new FileFormatException(path + ": is a folder, not a safetensors file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new SafeTensorsFile(path.toString(), arena, mapped);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Reads a safetensors file held in memory (not copied); {@code source} names it in messages. */
    public static SafeTensorsFile of(byte[] bytes, String source) throws FileFormatException {
        return new SafeTensorsFile(source, null, MemorySegment.ofArray(bytes));
    }

    public String source() {
        return source;
    }

    @Override
    public String location() {
        return source;
    }

    @Override
    public boolean has(String name) {
        return contains(name);
    }

    public long fileSize() {
        return file.byteSize();
    }

    /** N, the length of the JSON header in bytes; tensor data starts at byte 8 + N. */
    public long headerLength() {
        return header.headerLength();
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return byName.keySet();
    }

    /** Every tensor's entry, in header order. */
    public Collection<TensorInfo> tensors() {
        return header.tensors();
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    /** The entry of tensor {@code name}; fails naming the tensors the file does have. */
    public TensorInfo info(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) {
            String have = byName.keySet().stream().limit(10).map(Json::quoteForMessage).collect(Collectors.joining(", "));
            throw new IllegalArgumentException(source + ": no tensor " + Json.quoteForMessage(name) + "; it has "
                    + byName.size() + " tensors" + (byName.isEmpty() ? "" : ": " + have + (byName.size() > 10 ? ", ..." : "")));
        }
        return t;
    }

    /** The "__metadata__" map (string to string), empty if the file has none. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The raw little-endian bytes of tensor {@code name}, a read-only view valid until {@link #close}. */
    public MemorySegment bytes(String name) {
        return slice(info(name));
    }

    /** Tensor {@code name} as float32; F32, F16, BF16 and F64 (rounded) are converted. */
    public Tensor floats(String name) {
        TensorInfo t = info(name);
        requireKind(t, t.dtype().isFloat(), "floats() reads F32, F16, BF16 and F64");
        int n = arrayLength(t);
        Tensor out = Tensor.zeros(t.intShape());
        float[] dst = out.data();
        MemorySegment src = slice(t);
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(src, F32_LE, 0, dst, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[i] = HalfPrecision.f16ToFloat(src.getAtIndex(I16_LE, i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[i] = HalfPrecision.bf16ToFloat(src.getAtIndex(I16_LE, i));
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    dst[i] = (float) src.getAtIndex(F64_LE, i);
                }
            }
        }
        return out;
    }

    /** Tensor {@code name} as doubles, row-major; F64 exactly, F32, F16 and BF16 widened. */
    public double[] doubles(String name) {
        TensorInfo t = info(name);
        requireKind(t, t.dtype().isFloat(), "doubles() reads F64, F32, F16 and BF16");
        if (t.dtype() != DType.F64) {
            float[] f = floats(name).data();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        double[] out = new double[arrayLength(t)];
        MemorySegment.copy(slice(t), F64_LE, 0, out, 0, out.length);
        return out;
    }

    /** Tensor {@code name} as longs, row-major; BOOL, U8, I8, I16, U16, I32, U32 and I64 are exact. */
    public long[] longs(String name) {
        TensorInfo t = info(name);
        requireKind(t, t.dtype().isExactInteger(), "longs() reads BOOL, U8, I8, I16, U16, I32, U32 and I64");
        long[] out = new long[arrayLength(t)];
        MemorySegment src = slice(t);
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (t.dtype()) {
                case BOOL, U8 -> src.get(ValueLayout.JAVA_BYTE, i) & 0xFFL;
                case I8 -> src.get(ValueLayout.JAVA_BYTE, i);
                case I16 -> src.getAtIndex(I16_LE, i);
                case U16 -> src.getAtIndex(I16_LE, i) & 0xFFFFL;
                case I32 -> src.getAtIndex(I32_LE, i);
                case U32 -> src.getAtIndex(I32_LE, i) & 0xFFFF_FFFFL;
                default -> src.getAtIndex(I64_LE, i);
            };
        }
        return out;
    }

    /** Tensor {@code name} as ints (integer dtypes as in {@link #longs}); fails on a value outside the int range. */
    public int[] ints(String name) {
        long[] v = longs(name);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != (int) v[i]) {
                throw new IllegalArgumentException(source + ": tensor " + Json.quoteForMessage(name) + " element " + i
                        + " is " + v[i] + ", outside the int range; read it with longs()");
            }
            out[i] = (int) v[i];
        }
        return out;
    }

    /** Unmaps the file; tensors already read stay valid, views from {@link #bytes} do not. */
    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    private MemorySegment slice(TensorInfo t) {
        if (arena != null && !arena.scope().isAlive()) {
            throw new IllegalStateException(source + " is closed");
        }
        return file.asSlice(8 + header.headerLength() + t.begin(), t.byteSize()).asReadOnly();
    }

    private void requireKind(TensorInfo t, boolean ok, String allowed) {
        if (!ok) {
            throw new IllegalArgumentException(source + ": tensor " + Json.quoteForMessage(t.name()) + " has dtype "
                    + t.dtype() + "; " + allowed);
        }
    }

    private int arrayLength(TensorInfo t) {
        long n = t.elementCount();
        if (n > MAX_ARRAY) {
            throw new IllegalArgumentException(source + ": tensor " + Json.quoteForMessage(t.name()) + " of shape "
                    + t.shapeString() + " has " + n + " elements, more than one Java array holds (" + MAX_ARRAY
                    + "); read its raw bytes with bytes()");
        }
        return (int) n;
    }
}
