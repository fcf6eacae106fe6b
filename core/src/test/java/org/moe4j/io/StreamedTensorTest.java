package org.moe4j.io;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.moe4j.tensor.Tensor;

/** A streamed tensor writes the bytes the same values added as a tensor write; a source giving too few or too many values is named. */
class StreamedTensorTest {
    private static float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(i * 0.37) * (i + 1);
        return v;
    }

    @Test
    void piecesWriteTheBytesOfTheWholeTensor() {
        float[] v = values(3 * 40000); // more than the writer's 64 KiB buffer
        byte[] whole = SafeTensors.writer().metadata("format", "pt").add("b", Tensor.of(values(5), 5))
                .add("a", Tensor.of(v, 3, 40000)).toBytes();
        byte[] streamed = SafeTensors.writer().metadata("format", "pt").add("b", Tensor.of(values(5), 5))
                .add("a", new StreamedTensor(new int[] {3, 40000}, sink -> {
                    // uneven pieces, one empty
                    sink.put(v, 0, 7);
                    sink.put(v, 7, 0);
                    sink.put(v, 7, 50000);
                    sink.put(v, 50007, v.length - 50007);
                })).toBytes();
        assertArrayEquals(whole, streamed);
    }

    @Test
    void aSourceGivingTooFewValuesIsNamed() {
        SafeTensorsWriter w = SafeTensors.writer().add("layer.w", new StreamedTensor(new int[] {2, 3}, sink -> sink.put(values(4), 0, 4)));
        var e = assertThrows(IllegalStateException.class, w::toBytes);
        assertEquals("SafeTensorsWriter: tensor \"layer.w\" of shape [2, 3] needs 6 values; its source gave 4", e.getMessage());
    }

    @Test
    void aSourceGivingTooManyValuesIsNamed() {
        SafeTensorsWriter w = SafeTensors.writer().add("layer.w", new StreamedTensor(new int[] {2, 3}, sink -> {
            sink.put(values(4), 0, 4);
            sink.put(values(4), 0, 4);
        }));
        var e = assertThrows(IllegalStateException.class, w::toBytes);
        assertEquals("SafeTensorsWriter: tensor \"layer.w\" of shape [2, 3] needs 6 values; its source gave more", e.getMessage());
    }

    @Test
    void aNegativeDimensionIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new StreamedTensor(new int[] {2, -1}, sink -> {}));
        assertEquals("StreamedTensor: shape [2, -1] has dimension 1 = -1; dimensions must be >= 0", e.getMessage());
    }
}
