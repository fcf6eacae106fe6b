package org.moe4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.moe4j.io.FileFormatException;

/**
 * The IDX format of the MNIST files (yann.lecun.com/exdb/mnist): a big-endian int magic, 2051
 * (0x00000803: unsigned bytes, 3 dimensions) for images and 2049 (0x00000801: unsigned bytes, 1
 * dimension) for labels; then each dimension as a big-endian int (count, then rows and columns for
 * images); then one unsigned byte per pixel or label. A gzipped file is recognised by the gzip magic
 * 0x1F 0x8B and decompressed on the fly. Bad magic, negative or oversized dimensions, missing bytes
 * and bytes after the last item fail with a {@link FileFormatException} naming the source.
 */
public final class Idx {
    public static final int IMAGES_MAGIC = 2051;
    public static final int LABELS_MAGIC = 2049;
    /** The most bytes one IDX file may hold here (a Java array's limit). */
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private Idx() {}

    /** Images: {@code count} images of {@code rows x cols} unsigned bytes, row-major, image after image. */
    public record Images(int count, int rows, int cols, byte[] pixels) {
        /** Pixel {@code (r, c)} of image {@code i}, 0..255. */
        public int pixel(int i, int r, int c) {
            return pixels[(i * rows + r) * cols + c] & 0xFF;
        }
    }

    public static Images readImages(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readImages(in, file.toString());
        }
    }

    /** Reads an images file from {@code in} (gzipped or not); {@code source} names it in messages. */
    public static Images readImages(InputStream in, String source) throws IOException {
        try {
            DataInputStream data = open(in);
            int[] dims = header(data, IMAGES_MAGIC, 3, source);
            byte[] pixels = body(data, (long) dims[0] * dims[1] * dims[2], source);
            return new Images(dims[0], dims[1], dims[2], pixels);
        } catch (ZipException | EOFException e) {
            throw corruptGzip(source, e);
        }
    }

    public static byte[] readLabels(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readLabels(in, file.toString());
        }
    }

    /** Reads a labels file from {@code in} (gzipped or not): one unsigned byte per item. */
    public static byte[] readLabels(InputStream in, String source) throws IOException {
        try {
            DataInputStream data = open(in);
            int[] dims = header(data, LABELS_MAGIC, 1, source);
            return body(data, dims[0], source);
        } catch (ZipException | EOFException e) {
            throw corruptGzip(source, e);
        }
    }

    private static FileFormatException corruptGzip(String source, IOException e) {
        return new FileFormatException(source + ": corrupt or truncated gzip data (" + e.getMessage() + ")");
    }

    private static DataInputStream open(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        InputStream body = (b0 == 0x1F && b1 == 0x8B) ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
        return new DataInputStream(body);
    }

    private static int[] header(DataInputStream in, int magic, int rank, String source) throws IOException {
        int found = readInt(in, source, "the magic number");
        if (found != magic) {
            throw new FileFormatException(source + ": IDX magic is " + found + " (0x" + Integer.toHexString(found)
                    + "), expected " + magic + " (" + (magic == IMAGES_MAGIC ? "images" : "labels") + "); "
                    + IMAGES_MAGIC + " is images, " + LABELS_MAGIC + " labels");
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = readInt(in, source, "dimension " + i);
            if (dims[i] < 0) {
                throw new FileFormatException(source + ": IDX dimension " + i + " is " + dims[i] + ", must be >= 0");
            }
        }
        return dims;
    }

    private static byte[] body(DataInputStream in, long count, String source) throws IOException {
        if (count > MAX_BYTES) {
            throw new FileFormatException(source + ": IDX dimensions give " + count + " bytes, more than "
                    + MAX_BYTES + " can be read into memory");
        }
        byte[] bytes = in.readNBytes((int) count);
        if (bytes.length < count) {
            throw new FileFormatException(source + ": truncated: the IDX header promises " + count
                    + " data bytes, the file has " + bytes.length);
        }
        if (in.read() >= 0) {
            throw new FileFormatException(source + ": bytes follow the " + count + " data bytes the IDX header promises");
        }
        return bytes;
    }

    private static int readInt(DataInputStream in, String source, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new FileFormatException(source + ": truncated: the file ends inside the IDX header (" + what + ")");
        }
    }
}
