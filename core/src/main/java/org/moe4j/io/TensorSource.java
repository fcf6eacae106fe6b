package org.moe4j.io;

import java.lang.foreign.MemorySegment;
import org.moe4j.tensor.Tensor;

/** Named tensors to load a model from: one safetensors file, or the shards of a model folder. */
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
}
