package org.moe4j.io.gguf;

import java.util.Arrays;

/**
 * One tensor's entry in a GGUF file: its name, ggml type, dimensions as ggml counts them ({@code ne},
 * fastest-varying first), and the byte range of its data from the start of the data section.
 * {@link #shape()} is the row-major shape a safetensors file or PyTorch would give it: ne reversed.
 */
public record GgufTensor(String name, GgmlType type, long[] ne, long offset, long byteSize) {
    public GgufTensor {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    /** The row-major shape: ne reversed (a matrix of ne = [cols, rows] is [rows, cols]). */
    public long[] shape() {
        long[] s = new long[ne.length];
        for (int i = 0; i < ne.length; i++) s[i] = ne[ne.length - 1 - i];
        return s;
    }

    public long elementCount() {
        long n = 1;
        for (long d : ne) n *= d;
        return n;
    }

    /** Elements per row: ne[0] (1 for a tensor of no dimensions). */
    public long rowLength() {
        return ne.length == 0 ? 1 : ne[0];
    }

    public long end() {
        return offset + byteSize;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && type == t.type && Arrays.equals(ne, t.ne) && offset == t.offset
                && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ne);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape()) + " [" + offset + ", " + end() + ")";
    }
}
