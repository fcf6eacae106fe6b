package org.moe4j.io;

import java.lang.foreign.MemorySegment;
import org.moe4j.tensor.Tensor;
import org.moe4j.tensor.WeightMatrix;

/** Named tensors to load a model from: one safetensors file, the shards of a model folder, or a GGUF file. */
public interface TensorSource {
    /** Where the tensors are, for messages. */
    String location();

    boolean has(String name);

    /** The tensor's entry; fails naming the tensor if there is none. */
    TensorInfo info(String name);

    /** The tensor's raw little-endian bytes, a read-only view of the mapped file. */
    MemorySegment bytes(String name);

    /** The tensor widened to float32 (for small tensors: norms, biases). */
    Tensor floats(String name);

    /** The tensor's row-major shape. */
    default long[] shape(String name) {
        return info(name).shape();
    }

    /** The format a weight matrix reads the tensor's bytes in; fails naming the tensor if weights cannot be of its type. */
    default WeightMatrix.Format matrixFormat(String name) throws FileFormatException {
        TensorInfo t = info(name);
        return switch (t.dtype()) {
            case F32 -> WeightMatrix.Format.F32;
            case F16 -> WeightMatrix.Format.F16;
            case BF16 -> WeightMatrix.Format.BF16;
            default -> throw new FileFormatException(location() + ": tensor " + Json.quoteForMessage(name) + " has dtype "
                    + t.dtype() + "; weights must be F32, F16 or BF16");
        };
    }
}
