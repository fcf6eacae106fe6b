package org.moe4j.text.hf;

/**
 * A token added on top of the model's vocabulary (an element of tokenizer.json's
 * {@code added_tokens}), matched in the input before normalization ({@code normalized: false}) or
 * after it ({@code normalized: true}, matched by its normalized form). {@code singleWord}: only when
 * no word character touches it; {@code lstrip}/{@code rstrip}: it swallows the whitespace on that
 * side; {@code special}: skipped by {@code decode(ids, skipSpecialTokens = true)}.
 */
public record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
        boolean normalized) {
    public AddedToken {
        if (content == null || content.isEmpty()) {
            throw new IllegalArgumentException("AddedToken: content is empty; an added token needs text");
        }
    }

    /** An element of {@code added_tokens}; the library gives {@code normalized} the default {@code !special}. */
    static AddedToken fromJson(JsonNode node) {
        boolean special = node.get("special").boolOr(false);
        return new AddedToken((int) node.get("id").integer(0, Integer.MAX_VALUE - 1), node.get("content").string(), special,
                node.get("single_word").boolOr(false), node.get("lstrip").boolOr(false), node.get("rstrip").boolOr(false),
                node.get("normalized").boolOr(!special));
    }

    /** The same token under another id. */
    AddedToken withId(int newId) {
        return new AddedToken(newId, content, special, singleWord, lstrip, rstrip, normalized);
    }

    /** Equal in everything but the id (the library compares added tokens so). */
    boolean sameAs(AddedToken other) {
        return content.equals(other.content) && special == other.special && singleWord == other.singleWord
                && lstrip == other.lstrip && rstrip == other.rstrip && normalized == other.normalized;
    }
}
