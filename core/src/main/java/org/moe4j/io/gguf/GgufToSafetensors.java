package org.moe4j.io.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.moe4j.io.DType;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.Json;
import org.moe4j.io.ShardedSafeTensorsWriter;
import org.moe4j.io.ShardedSafeTensorsWriter.Spec;
import org.moe4j.tensor.WeightMatrix;

/**
 * A GGUF file as one safetensors file: every tensor decoded to float32 under its GGUF name, with
 * the row-major shape (ne reversed), streamed row by row so that a file larger than the heap
 * converts. Tensors of types moe4j does not decode fail by name before anything is written.
 */
public final class GgufToSafetensors {
    private GgufToSafetensors() {}

    /** Writes {@code gguf} to {@code out}; returns the number of tensors. */
    public static int convert(GgufFile gguf, Path out) throws IOException {
        List<Spec> specs = new ArrayList<>();
        List<WeightMatrix> matrices = new ArrayList<>();
        for (GgufTensor t : gguf.tensors()) {
            if (GgufFile.format(t.type()) == null) {
                throw new FileFormatException(gguf.location() + ": tensor " + Json.quoteForMessage(t.name()) + " is of ggml type " + t.type()
                        + ", which moe4j does not decode (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, MXFP4)");
            }
            specs.add(new Spec(t.name(), DType.F32, t.shape()));
            matrices.add(gguf.matrix(t.name()));
        }
        ShardedSafeTensorsWriter.writeFile(out, specs, new ShardedSafeTensorsWriter.TensorSource() {
            private float[] row = new float[0];
            private int rowIndex = -1;
            private WeightMatrix of;

            @Override
            public void fill(Spec tensor, long offset, ByteBuffer buffer) {
                WeightMatrix m = matrices.get(specs.indexOf(tensor));
                ByteBuffer le = buffer.order(ByteOrder.LITTLE_ENDIAN);
                long element = offset / 4;
                while (le.hasRemaining()) {
                    int r = (int) (element / m.cols()), c = (int) (element % m.cols());
                    if (of != m || rowIndex != r) {
                        if (row.length < m.cols()) row = new float[m.cols()];
                        m.row(r, row, 0);
                        of = m;
                        rowIndex = r;
                    }
                    int n = Math.min(m.cols() - c, le.remaining() / 4);
                    for (int i = 0; i < n; i++) le.putFloat(row[c + i]);
                    element += n;
                }
            }
        });
        return specs.size();
    }
}
