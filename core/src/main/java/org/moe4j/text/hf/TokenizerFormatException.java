package org.moe4j.text.hf;

/**
 * A tokenizer.json (or tokenizer_config.json) that moe4j cannot read exactly as the Hugging Face
 * {@code tokenizers} library would: malformed, or using a component moe4j does not implement. The
 * message names the JSON path and, for an unsupported component, the types that are supported.
 */
public final class TokenizerFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public TokenizerFormatException(String message) {
        super(message);
    }
}
