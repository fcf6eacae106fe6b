package org.moe4j.io;

import java.io.IOException;
import java.util.Arrays;
import org.moe4j.tensor.Shape;

/**
 * A float32 tensor whose values are produced only when a {@link SafeTensorsWriter} reaches it in
 * the file, in pieces, so the writer never needs them all at once: a checkpoint written by one
 * rank of a training group fetches the experts other ranks hold one block at a time instead of
 * gathering them first.
 *
 * @param shape  the tensor's row-major shape
 * @param values called once, when the tensor's bytes are due, with the sink its values go to in
 *               row-major order; it must give exactly {@code Shape.size(shape)} of them
 */
public record StreamedTensor(int[] shape, Values values) {
    /** Where a streamed tensor's values go: {@code count} floats of {@code data} from {@code from}, in order. */
    @FunctionalInterface
    public interface Sink {
        void put(float[] data, int from, int count) throws IOException;
    }

    /** Gives a streamed tensor's values to the sink, in order. */
    @FunctionalInterface
    public interface Values {
        void writeTo(Sink sink) throws IOException;
    }

    public StreamedTensor {
        if (shape == null || values == null) {
            throw new IllegalArgumentException("StreamedTensor: shape and values must not be null");
        }
        shape = shape.clone();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("StreamedTensor: shape " + Shape.str(shape) + " has dimension " + i + " = "
                        + shape[i] + "; dimensions must be >= 0");
            }
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Number of values: the product of the shape. */
    public int size() {
        return Shape.size(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamedTensor s && Arrays.equals(shape, s.shape) && values.equals(s.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + values.hashCode();
    }

    @Override
    public String toString() {
        return "StreamedTensor" + Shape.str(shape);
    }
}
