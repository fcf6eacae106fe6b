package org.moe4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.moe4j.tensor.Tensor;

/**
 * The 10,000 MNIST digits bundled with moe4j (resources org/moe4j/data/mnist-10k of the datasets
 * module, see the README there): 8,000 for training and 2,000 for testing, 28 x 28 pixels.
 */
public final class Mnist {
    private static final String FOLDER = "/org/moe4j/data/mnist-10k/";

    private Mnist() {}

    /**
     * Digits as a float tensor and their labels.
     *
     * @param images (n, rows * cols) pixels scaled from 0..255 to [0, 1], one row per image
     * @param labels n digits 0..9
     */
    public record Digits(Tensor images, int[] labels, int rows, int cols) {
        public int count() {
            return labels.length;
        }
    }

    /** The 8,000 training digits. */
    public static Digits train() {
        return load("train");
    }

    /** The 2,000 test digits. */
    public static Digits test() {
        return load("t10k");
    }

    private static Digits load(String prefix) {
        Idx.Images images = readResource(prefix + "-images-idx3-ubyte.gz", Idx::readImages);
        byte[] labels = readResource(prefix + "-labels-idx1-ubyte.gz", Idx::readLabels);
        return digits(images, labels, FOLDER + prefix);
    }

    /** Pairs images with labels, scaling pixels to [0, 1]; fails if the counts disagree or a label is not a digit. */
    public static Digits digits(Idx.Images images, byte[] labels, String source) {
        if (images.count() != labels.length) {
            throw new IllegalArgumentException(source + ": " + images.count() + " images but " + labels.length
                    + " labels; the counts must agree");
        }
        int pixels = images.rows() * images.cols();
        Tensor x = Tensor.zeros(images.count(), pixels);
        float[] d = x.data();
        byte[] src = images.pixels();
        for (int i = 0; i < src.length; i++) {
            d[i] = (src[i] & 0xFF) / 255f;
        }
        int[] y = new int[labels.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels[i] & 0xFF;
            if (y[i] > 9) {
                throw new IllegalArgumentException(source + ": label " + i + " is " + y[i] + ", digits are 0 to 9");
            }
        }
        return new Digits(x, y, images.rows(), images.cols());
    }

    private interface StreamReader<T> {
        T read(InputStream in, String source) throws IOException;
    }

    private static <T> T readResource(String name, StreamReader<T> reader) {
        String path = FOLDER + name;
        try (InputStream in = Mnist.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the class path; it ships in the moe4j-datasets jar");
            }
            return reader.read(in, path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
