package org.moe4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.HalfPrecision;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.TensorInfo;
import org.moe4j.kernel.WeightProduct;
import org.moe4j.tensor.WeightMatrix;

/**
 * A tensor of more than 2^31 elements (a fused expert tensor of a large model) opens, maps and
 * multiplies: offsets are longs throughout. The file is sparse, so the test writes a few kilobytes.
 */
class LargeTensorTest {
    @TempDir
    Path tmp;

    @Test
    void aTensorBeyondTwoToThe31ElementsWorks() throws Exception {
        int rows = 65_537;
        int cols = 32_768; // rows * cols = 2^31 + 2^15 elements, 4 GiB + 64 KiB of BF16
        long elements = (long) rows * cols;
        assertTrue(elements > Integer.MAX_VALUE);
        String header = "{\"big\":{\"dtype\":\"BF16\",\"shape\":[" + rows + "," + cols + "],\"data_offsets\":[0," + 2 * elements + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path file = tmp.resolve("big.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(8 + h.length + 2 * elements);
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            // the last row: column c holds (c % 128) / 4 (exact in bfloat16)
            long lastRow = 8 + h.length + 2L * (rows - 1) * cols;
            ByteBuffer row = ByteBuffer.allocate(2 * cols).order(ByteOrder.LITTLE_ENDIAN);
            for (int c = 0; c < cols; c++) row.putShort(HalfPrecision.floatToBf16((c % 128) / 4f));
            f.seek(lastRow);
            f.write(row.array());
        }
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            TensorInfo info = st.info("big");
            assertEquals(elements, info.elementCount());
            WeightMatrix w = new WeightMatrix(st.bytes("big"), WeightMatrix.Format.BF16, rows, cols);
            assertEquals(((cols - 1) % 128) / 4f, w.get(rows - 1, cols - 1));
            WeightMatrix tail = w.rows(rows - 2, 2);
            float[] x = new float[cols];
            java.util.Arrays.fill(x, 1f);
            float[] y = new float[2];
            WeightProduct.multiply(x, 0, 1, tail, y, 0);
            double expected = 0;
            for (int c = 0; c < cols; c++) expected += (c % 128) / 4.0;
            assertEquals(0f, y[0]);
            assertEquals(expected, y[1], expected * 1e-6);
        }
    }
}
