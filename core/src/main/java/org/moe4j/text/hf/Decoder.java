package org.moe4j.text.hf;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the token strings of some ids back into text (the library's decoders). Each step maps a
 * list of strings to a list of strings ({@code decode_chain}); the text is their concatenation.
 */
interface Decoder {
    List<String> SUPPORTED = List.of("ByteLevel", "ByteFallback", "Metaspace", "Fuse", "Strip", "Replace", "BPEDecoder",
            "Sequence");

    List<String> decodeChain(List<String> tokens);

    default String decode(List<String> tokens) {
        return String.join("", decodeChain(tokens));
    }

    static Decoder fromJson(JsonNode node) {
        return switch (node.type(SUPPORTED)) {
            case "ByteLevel" -> ByteLevel.fromJson(node);
            case "Metaspace" -> Metaspace.fromJson(node);
            case "ByteFallback" -> new ByteFallback();
            case "Fuse" -> new Fuse();
            case "Strip" -> new Strip(node.get("content").codePoint(), (int) node.get("start").integer(0, Integer.MAX_VALUE),
                    (int) node.get("stop").integer(0, Integer.MAX_VALUE));
            case "Replace" -> new Replace(RegexSplit.pattern(node.get("pattern")), node.get("content").string());
            case "BPEDecoder" -> new BpeSuffix(node.get("suffix").stringOr("</w>"));
            case "Sequence" -> new Sequence(node.get("decoders").elements().stream().map(Decoder::fromJson).toList());
            default -> throw new AssertionError(node.path());
        };
    }

    /**
     * SentencePiece's byte tokens: a run of tokens {@code <0xHH>} becomes the text of those bytes
     * if they are valid UTF-8, else one U+FFFD per byte; other tokens pass unchanged.
     */
    record ByteFallback() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            ByteBuffer pending = ByteBuffer.allocate(tokens.size());
            for (String t : tokens) {
                int b = byteOf(t);
                if (b >= 0) {
                    pending.put((byte) b);
                    continue;
                }
                flush(pending, out);
                out.add(t);
            }
            flush(pending, out);
            return out;
        }

        private static void flush(ByteBuffer pending, List<String> out) {
            if (pending.position() == 0) {
                return;
            }
            pending.flip();
            int n = pending.remaining();
            try {
                out.add(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(pending).toString());
            } catch (CharacterCodingException e) {
                for (int i = 0; i < n; i++) {
                    out.add("\uFFFD");
                }
            }
            pending.clear();
        }

        /** The byte of a token {@code <0xHH>}, or -1; the two characters are read as Rust's {@code u8::from_str_radix(_, 16)}, which allows a leading '+'. */
        static int byteOf(String t) {
            if (t.length() != 6 || !t.startsWith("<0x") || t.charAt(5) != '>') {
                return -1;
            }
            char a = t.charAt(3), b = t.charAt(4);
            if (a == '+') {
                return Character.digit(b, 16) >= 0 && b < 0x80 ? Character.digit(b, 16) : -1;
            }
            int hi = a < 0x80 ? Character.digit(a, 16) : -1;
            int lo = b < 0x80 ? Character.digit(b, 16) : -1;
            return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
        }
    }

    /** All tokens as one string. */
    record Fuse() implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return List.of(String.join("", tokens));
        }
    }

    /** Removes up to {@code start} leading and {@code stop} trailing {@code content} characters from each token. */
    record Strip(int content, int start, int stop) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                int[] cps = t.codePoints().toArray();
                int from = 0;
                while (from < Math.min(start, cps.length) && cps[from] == content) {
                    from++;
                }
                int to = cps.length;
                while (cps.length - to < stop && to > from && cps[to - 1] == content) {
                    to--;
                }
                out.add(new String(cps, from, to - from));
            }
            return out;
        }
    }

    /** Every match of a pattern in each token replaced by {@code content}. */
    record Replace(OnigRegex pattern, String content) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            return tokens.stream().map(t -> Normalizer.Replace.replaceAll(pattern, t, content)).toList();
        }
    }

    /** The end-of-word suffix ({@code </w>}) becomes a space, and nothing in the last token. */
    record BpeSuffix(String suffix) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            List<String> out = new ArrayList<>(tokens.size());
            for (int i = 0; i < tokens.size(); i++) {
                out.add(tokens.get(i).replace(suffix, i == tokens.size() - 1 ? "" : " "));
            }
            return out;
        }
    }

    record Sequence(List<Decoder> steps) implements Decoder {
        @Override
        public List<String> decodeChain(List<String> tokens) {
            for (Decoder d : steps) {
                tokens = d.decodeChain(tokens);
            }
            return tokens;
        }
    }
}
