package org.moe4j.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One token per UTF-8 byte: ids 0..255 are the byte values, followed by optional special tokens
 * (ids 256, 257, ...). Every string round-trips; strings holding lone surrogates (not Unicode) are
 * encoded the way {@link String#getBytes} does it, with '?' for each.
 */
public final class ByteTokenizer implements Tokenizer {
    static final String KIND = "byte";

    private final SpecialTokens specials;

    /** Bytes only, vocabulary 256. */
    public ByteTokenizer() {
        this(List.of());
    }

    /** Bytes and the given special tokens, vocabulary {@code 256 + specialTokens.size()}. */
    public ByteTokenizer(List<String> specialTokens) {
        this.specials = new SpecialTokens(specialTokens, 256);
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        return Utf8.decode(decodeBytes(ids));
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            TokenIds.check("ByteTokenizer.decode", ids, i, vocabSize());
            if (id < 256) {
                out.write(id);
            } else {
                out.writeBytes(specials.bytesOf(id));
            }
        }
        return out.toByteArray();
    }

    @Override
    public int vocabSize() {
        return 256 + specials.count();
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int specialTokenId(String name) {
        return specials.idOf(name);
    }

    @Override
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("specialTokens", specials.toJson());
        return json;
    }

    static ByteTokenizer fromJson(Map<String, Object> json) {
        return new ByteTokenizer(TokenizerFile.strings(json, "specialTokens"));
    }
}
