package org.moe4j.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.io.FileFormatException;

class IdxTest {
    @TempDir
    Path dir;

    static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(plain);
        }
        return bytes.toByteArray();
    }

    @Test
    void readsPlainAndGzippedFiles() throws Exception {
        byte[] pixels = {0, 1, 2, 3, 4, 5, (byte) 250, (byte) 255, 8, 9, 10, 11};
        byte[] plain = idx(Idx.IMAGES_MAGIC, new int[] {2, 2, 3}, pixels);
        for (byte[] file : new byte[][] {plain, gzip(plain)}) {
            Idx.Images images = Idx.readImages(new ByteArrayInputStream(file), "t");
            assertEquals(2, images.count());
            assertEquals(2, images.rows());
            assertEquals(3, images.cols());
            assertArrayEquals(pixels, images.pixels());
            assertEquals(255, images.pixel(1, 0, 1), "pixels are unsigned");
            assertEquals(250, images.pixel(1, 0, 0));
        }
        Path labels = dir.resolve("labels.gz");
        Files.write(labels, gzip(idx(Idx.LABELS_MAGIC, new int[] {3}, new byte[] {7, 0, 9})));
        assertArrayEquals(new byte[] {7, 0, 9}, Idx.readLabels(labels));
    }

    @Test
    void brokenFilesFailWithOneLine() throws Exception {
        fails(idx(Idx.LABELS_MAGIC, new int[] {1, 1, 1}, new byte[1]), true, "IDX magic is 2049 (0x801), expected 2051 (images)");
        fails(idx(Idx.IMAGES_MAGIC, new int[] {1}, new byte[0]), false, "IDX magic is 2051 (0x803), expected 2049 (labels)");
        fails(idx(Idx.IMAGES_MAGIC, new int[] {2, 2, 2}, new byte[7]), true, "truncated: the IDX header promises 8 data bytes, the file has 7");
        fails(idx(Idx.LABELS_MAGIC, new int[] {2}, new byte[3]), false, "bytes follow the 2 data bytes");
        fails(idx(Idx.IMAGES_MAGIC, new int[] {2}, new byte[0]), true, "truncated: the file ends inside the IDX header (dimension 1)");
        fails(idx(Idx.IMAGES_MAGIC, new int[] {-1, 2, 2}, new byte[0]), true, "IDX dimension 0 is -1, must be >= 0");
        fails(idx(Idx.IMAGES_MAGIC, new int[] {Integer.MAX_VALUE, 28, 28}, new byte[0]), true, "more than 2147483639 can be read");
        fails(new byte[0], false, "ends inside the IDX header (the magic number)");
        fails(Arrays.copyOf(gzip(idx(Idx.LABELS_MAGIC, new int[] {100}, new byte[100])), 20), false, "corrupt or truncated gzip data");
    }

    @Test
    void labelsAndImagesMustAgree() {
        Idx.Images images = new Idx.Images(2, 1, 1, new byte[] {0, (byte) 255});
        var count = assertThrows(IllegalArgumentException.class, () -> Mnist.digits(images, new byte[] {1}, "s"));
        assertEquals("s: 2 images but 1 labels; the counts must agree", count.getMessage());
        var label = assertThrows(IllegalArgumentException.class, () -> Mnist.digits(images, new byte[] {1, 10}, "s"));
        assertTrue(label.getMessage().contains("label 1 is 10"), label.getMessage());
        assertArrayEquals(new float[] {0f, 1f}, Mnist.digits(images, new byte[] {1, 2}, "s").images().toArray());
    }

    @Test
    void bundledMnistLoads() {
        Mnist.Digits train = Mnist.train();
        Mnist.Digits test = Mnist.test();
        assertEquals(8000, train.count());
        assertEquals(2000, test.count());
        assertArrayEquals(new int[] {8000, 784}, train.images().shape());
        assertEquals(28, train.rows());
        // the first labels, as Python's gzip + struct read them from the same files
        assertArrayEquals(new int[] {5, 3, 9, 3, 1, 0, 3, 0, 7, 1}, Arrays.copyOf(train.labels(), 10));
        assertArrayEquals(new int[] {6, 0, 5, 2, 6, 8, 1, 5, 6, 2}, Arrays.copyOf(test.labels(), 10));
        double sum = 0;
        float min = 1, max = 0;
        for (float v : train.images().data()) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0, min);
        assertEquals(1, max);
        assertEquals(0.131315, sum / train.images().size(), 1e-5, "mean pixel, as Python computes it");
        int[] perDigit = new int[10];
        for (int y : train.labels()) {
            perDigit[y]++;
        }
        for (int d = 0; d < 10; d++) {
            assertTrue(perDigit[d] > 600, "digit " + d + " appears " + perDigit[d] + " times");
        }
    }

    @Test
    void bundledMobyDickIsTheWholeText() throws IOException {
        try (var in = Mnist.class.getResourceAsStream("/org/moe4j/data/moby-dick.txt")) {
            assertNotNull(in, "resource org/moe4j/data/moby-dick.txt");
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(1_204_997, text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            assertEquals(83, text.chars().distinct().count(), "distinct characters, as the data README states");
            assertTrue(text.contains("Call me Ishmael."));
        }
    }

    private static void fails(byte[] file, boolean images, String expected) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> {
            var in = new ByteArrayInputStream(file);
            if (images) {
                Idx.readImages(in, "x.idx");
            } else {
                Idx.readLabels(in, "x.idx");
            }
        });
        assertTrue(e.getMessage().startsWith("x.idx: ") && e.getMessage().contains(expected), e.getMessage());
    }
}
