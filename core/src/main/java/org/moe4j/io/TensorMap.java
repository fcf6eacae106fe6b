package org.moe4j.io;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.moe4j.tensor.Tensor;

/** Float32 tensors held in memory, by name, as a {@link TensorSource} (a model built in this process). */
public record TensorMap(String location, Map<String, Tensor> tensors) implements TensorSource {
    @Override
    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        Tensor t = get(name);
        long[] shape = java.util.Arrays.stream(t.shape()).asLongStream().toArray();
        return new TensorInfo(name, DType.F32, shape, 0, 4L * t.size());
    }

    @Override
    public MemorySegment bytes(String name) {
        Tensor t = get(name);
        return MemorySegment.ofArray(t.data()).asSlice(4L * t.offset(), 4L * t.size());
    }

    @Override
    public Tensor floats(String name) {
        return get(name);
    }

    private Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException(location + ": no tensor " + Json.quoteForMessage(name));
        return t;
    }
}
