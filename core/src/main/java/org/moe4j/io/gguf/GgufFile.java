package org.moe4j.io.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.moe4j.io.DType;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.Json;
import org.moe4j.io.TensorInfo;
import org.moe4j.io.TensorSource;
import org.moe4j.tensor.Tensor;
import org.moe4j.tensor.WeightMatrix;

/**
 * An open GGUF file: memory-mapped through the FFM API with its header checked ({@link GgufHeader}),
 * so a file larger than the heap or the RAM opens at once and a tensor's bytes are read only when
 * used. As a {@link TensorSource} its tensors are found by their GGUF names, with row-major shapes
 * (ne reversed); {@link #matrixFormat} tells the engine each one's stored format, quantised or not,
 * and {@link #floats} decodes any supported type to float32. Mapped data stays valid until {@link #close}.
 */
public final class GgufFile implements TensorSource, AutoCloseable {
    private final String source;
    private final Arena arena;
    private final MemorySegment file;
    private final GgufHeader header;
    private final Map<String, GgufTensor> byName;

    private GgufFile(String source, Arena arena, MemorySegment file) throws FileFormatException {
        this.source = source;
        this.arena = arena;
        this.file = file;
        this.header = GgufHeader.read(file, source);
        Map<String, GgufTensor> m = new LinkedHashMap<>();
        for (GgufTensor t : header.tensors()) m.put(t.name(), t);
        this.byName = Collections.unmodifiableMap(m);
    }

    /** True if {@code path} is a regular file that starts with the GGUF magic. */
    public static boolean isGguf(Path path) {
        if (!Files.isRegularFile(path)) return false;
        try (var in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }

    /** Maps and checks {@code path}; fails with a one-line {@link FileFormatException} if it is not a valid GGUF file. */
    public static GgufFile open(Path path) throws IOException {
        if (Files.isDirectory(path)) throw new FileFormatException(path + ": is a folder, not a GGUF file");
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new GgufFile(path.toString(), arena, mapped);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Reads a GGUF file held in memory (not copied); {@code source} names it in messages. */
    public static GgufFile of(byte[] bytes, String source) throws FileFormatException {
        return new GgufFile(source, null, MemorySegment.ofArray(bytes));
    }

    public GgufHeader header() {
        return header;
    }

    public GgufMetadata metadata() {
        return header.metadata();
    }

    public List<GgufTensor> tensors() {
        return header.tensors();
    }

    public long fileSize() {
        return file.byteSize();
    }

    @Override
    public String location() {
        return source;
    }

    @Override
    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** The tensor's entry; fails naming the file and a few of the tensors it does have. */
    public GgufTensor tensor(String name) {
        GgufTensor t = byName.get(name);
        if (t == null) {
            String have = byName.keySet().stream().limit(8).map(Json::quoteForMessage).collect(Collectors.joining(", "));
            throw new IllegalArgumentException(source + ": no tensor " + Json.quoteForMessage(name) + "; it has " + byName.size()
                    + " tensors" + (byName.isEmpty() ? "" : ": " + have + (byName.size() > 8 ? ", ..." : "")));
        }
        return t;
    }

    /**
     * The safetensors-style entry of a tensor of a plain type (F32, F16, BF16, F64, I8 to I64); the
     * quantised types have no safetensors dtype, so their entry fails: use {@link #tensor}.
     */
    @Override
    public TensorInfo info(String name) {
        GgufTensor t = tensor(name);
        DType dtype = switch (t.type()) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            case BF16 -> DType.BF16;
            case F64 -> DType.F64;
            case I8 -> DType.I8;
            case I16 -> DType.I16;
            case I32 -> DType.I32;
            case I64 -> DType.I64;
            default -> throw new IllegalArgumentException(source + ": tensor " + Json.quoteForMessage(name) + " is " + t.type()
                    + ", which has no safetensors dtype");
        };
        return new TensorInfo(name, dtype, t.shape(), t.offset(), t.end());
    }

    @Override
    public long[] shape(String name) {
        return tensor(name).shape();
    }

    @Override
    public WeightMatrix.Format matrixFormat(String name) throws FileFormatException {
        GgufTensor t = tensor(name);
        WeightMatrix.Format f = format(t.type());
        if (f == null) {
            throw new FileFormatException(source + ": tensor " + Json.quoteForMessage(name) + " is of ggml type " + t.type()
                    + "; moe4j computes with F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K and MXFP4");
        }
        return f;
    }

    /** The weight format of a ggml type, or null if the engine has none. */
    public static WeightMatrix.Format format(GgmlType type) {
        return switch (type) {
            case F32 -> WeightMatrix.Format.F32;
            case F16 -> WeightMatrix.Format.F16;
            case BF16 -> WeightMatrix.Format.BF16;
            case Q8_0 -> WeightMatrix.Format.Q8_0;
            case Q4_0 -> WeightMatrix.Format.Q4_0;
            case Q4_K -> WeightMatrix.Format.Q4_K;
            case Q5_K -> WeightMatrix.Format.Q5_K;
            case Q6_K -> WeightMatrix.Format.Q6_K;
            case MXFP4 -> WeightMatrix.Format.MXFP4_GGML;
            default -> null;
        };
    }

    /** The tensor's stored bytes, a read-only view of the mapped file. */
    @Override
    public MemorySegment bytes(String name) {
        GgufTensor t = tensor(name);
        if (arena != null && !arena.scope().isAlive()) throw new IllegalStateException(source + " is closed");
        return file.asSlice(header.dataOffset() + t.offset(), t.byteSize()).asReadOnly();
    }

    /** The tensor as a matrix of its rows (all dimensions but ne[0]) by ne[0] columns, in its stored format. */
    public WeightMatrix matrix(String name) throws FileFormatException {
        GgufTensor t = tensor(name);
        long rows = t.elementCount() / Math.max(1, t.rowLength());
        if (rows > Integer.MAX_VALUE || t.rowLength() > Integer.MAX_VALUE) {
            throw new FileFormatException(source + ": tensor " + Json.quoteForMessage(name) + " of ne " + java.util.Arrays.toString(t.ne())
                    + " has more rows or columns than 2^31 - 1");
        }
        return new WeightMatrix(bytes(name), matrixFormat(name), (int) rows, (int) t.rowLength());
    }

    /** The tensor decoded to float32 with its row-major shape (for norms and biases, and for converting). */
    @Override
    public Tensor floats(String name) {
        GgufTensor t = tensor(name);
        try {
            if (t.elementCount() > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(source + ": tensor " + Json.quoteForMessage(name) + " has " + t.elementCount()
                        + " elements, more than one Java array holds");
            }
            int[] shape = new int[t.ne().length];
            long[] s = t.shape();
            for (int i = 0; i < shape.length; i++) shape[i] = (int) s[i];
            float[] values = t.elementCount() == 0 ? new float[0] : matrix(name).toFloats();
            return Tensor.of(values, shape);
        } catch (FileFormatException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) arena.close();
    }
}
