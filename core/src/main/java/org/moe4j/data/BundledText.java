package org.moe4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The text bundled with moe4j: Herman Melville's Moby-Dick (1,204,997 bytes of UTF-8, 83 distinct
 * characters; source and licence in the README beside it, in the datasets module), the default corpus.
 */
public final class BundledText {
    /** Name by which corpora and token files refer to the bundled text. */
    public static final String MOBY_DICK = "moby-dick";
    static final String RESOURCE = "/org/moe4j/data/moby-dick.txt";

    private BundledText() {}

    /** The bytes of Moby-Dick. */
    public static byte[] mobyDickBytes() {
        try (InputStream in = BundledText.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled text " + RESOURCE + " is missing from the class path; it ships in the moe4j-datasets jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading bundled text " + RESOURCE, e);
        }
    }

    /** The text of Moby-Dick. */
    public static String mobyDick() {
        return new String(mobyDickBytes(), StandardCharsets.UTF_8);
    }
}
