package org.moe4j.text.hf;

/**
 * Receives the pieces a pre-tokenizer cuts, in order. {@code atStart} tells whether the piece
 * begins at the very start of the input text: Metaspace's {@code prepend_scheme: "first"} adds its
 * marker only there (the library asks whether the piece's original offset is 0).
 */
@FunctionalInterface
interface PieceSink {
    void accept(String piece, boolean atStart);
}
