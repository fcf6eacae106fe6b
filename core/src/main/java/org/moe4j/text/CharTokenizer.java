package org.moe4j.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One token per Unicode code point: the vocabulary is the sorted distinct code points of a training
 * text (Moby Dick has 83), id i being the i-th smallest. A character outside the vocabulary is
 * handled one of two ways, chosen when the tokenizer is built and saved with it:
 * <ul>
 *   <li>strict (the default): {@link #encode} throws, naming the character and its position, so a
 *       model never silently sees text it was not trained on;</li>
 *   <li>with an unknown token: one more id ({@link #UNKNOWN}, the last) stands for every unseen
 *       character and decodes to U+FFFD; the round trip then holds only for known characters.</li>
 * </ul>
 */
public final class CharTokenizer implements Tokenizer {
    static final String KIND = "char";
    /** Name of the unknown-character token, when there is one. */
    public static final String UNKNOWN = "<|unk|>";

    // sorted ascending, distinct
    private final int[] codePoints;
    private final boolean hasUnknown;

    private CharTokenizer(int[] codePoints, boolean hasUnknown) {
        for (int i = 0; i < codePoints.length; i++) {
            if (!Character.isValidCodePoint(codePoints[i])) {
                throw new IllegalArgumentException("CharTokenizer: code point " + codePoints[i] + " at index " + i
                        + " is not in [0, 0x10FFFF]");
            }
            if (i > 0 && codePoints[i] <= codePoints[i - 1]) {
                throw new IllegalArgumentException("CharTokenizer: code points must be strictly increasing, but index "
                        + i + " holds " + codePoints[i] + " after " + codePoints[i - 1]);
            }
        }
        if (codePoints.length == 0 && !hasUnknown) {
            throw new IllegalArgumentException("CharTokenizer: the vocabulary is empty (the training text has no characters)");
        }
        this.codePoints = codePoints;
        this.hasUnknown = hasUnknown;
    }

    /** The strict tokenizer of {@code text}'s characters. */
    public static CharTokenizer fromText(String text) {
        return fromText(text, false);
    }

    /** The tokenizer of {@code text}'s characters, with an unknown token if {@code unknownToken}. */
    public static CharTokenizer fromText(String text, boolean unknownToken) {
        return new CharTokenizer(text.codePoints().sorted().distinct().toArray(), unknownToken);
    }

    /** The tokenizer over exactly these code points (any order, duplicates removed). */
    public static CharTokenizer of(int[] codePoints, boolean unknownToken) {
        return new CharTokenizer(Arrays.stream(codePoints).sorted().distinct().toArray(), unknownToken);
    }

    @Override
    public int[] encode(String text) {
        int[] ids = new int[text.codePointCount(0, text.length())];
        int n = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int id = Arrays.binarySearch(codePoints, cp);
            if (id < 0) {
                if (!hasUnknown) {
                    throw new IllegalArgumentException("CharTokenizer.encode: character " + describe(cp) + " at index " + i
                            + " is not in the vocabulary of " + codePoints.length + " characters");
                }
                id = codePoints.length;
            }
            ids[n++] = id;
            i += Character.charCount(cp);
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder sb = new StringBuilder(ids.length);
        for (int i = 0; i < ids.length; i++) {
            TokenIds.check("CharTokenizer.decode", ids, i, vocabSize());
            sb.appendCodePoint(ids[i] < codePoints.length ? codePoints[ids[i]] : Utf8.REPLACEMENT);
        }
        return sb.toString();
    }

    @Override
    public byte[] decodeBytes(int[] ids) {
        return decode(ids).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return codePoints.length + (hasUnknown ? 1 : 0);
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int specialTokenId(String name) {
        return hasUnknown && UNKNOWN.equals(name) ? codePoints.length : -1;
    }

    /** The code point of id {@code id} (not the unknown token). */
    public int codePointOf(int id) {
        if (id < 0 || id >= codePoints.length) {
            throw new IllegalArgumentException("CharTokenizer.codePointOf: id " + id + " is out of range [0, "
                    + codePoints.length + ")");
        }
        return codePoints[id];
    }

    @Override
    public Map<String, Object> toJson() {
        List<Object> list = new ArrayList<>(codePoints.length);
        for (int cp : codePoints) {
            list.add((long) cp);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("codePoints", list);
        json.put("unknownToken", hasUnknown);
        return json;
    }

    static CharTokenizer fromJson(Map<String, Object> json) {
        List<?> list = TokenizerFile.list(json, "codePoints");
        int[] cps = new int[list.size()];
        for (int i = 0; i < cps.length; i++) {
            cps[i] = TokenizerFile.intIn(list, i, "codePoints", 0, Character.MAX_CODE_POINT);
        }
        Object unknown = json.get("unknownToken");
        if (!(unknown instanceof Boolean u)) {
            throw new IllegalArgumentException("field \"unknownToken\" is " + unknown + ", expected true or false");
        }
        return new CharTokenizer(cps, u);
    }

    private static String describe(int cp) {
        String name = Character.getName(cp);
        return String.format("U+%04X", cp) + (name == null ? "" : " (" + name + ")");
    }
}
