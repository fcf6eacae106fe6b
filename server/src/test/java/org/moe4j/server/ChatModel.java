package org.moe4j.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.Sequence;

/**
 * The chat test model (resources/models/qwen3-chat, made by scripts/make_chat_fixture.py): a tiny
 * random Qwen3-MoE with a byte-level Qwen3-style tokenizer and Qwen3's chat template.
 */
final class ChatModel {
    private ChatModel() {}

    static Path folder() {
        try {
            return Path.of(ChatModel.class.getResource("/models/qwen3-chat/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static ServedModel served(int context) {
        try {
            return ServedModel.load(folder(), context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of the model folder with another chat template (chat_template.jinja wins over tokenizer_config.json's). */
    static Path withTemplate(Path dir, String template) throws IOException {
        Path copy = dir.resolve("model");
        Files.createDirectories(copy);
        try (var files = Files.list(folder())) {
            for (Path f : files.toList()) Files.copy(f, copy.resolve(f.getFileName()));
        }
        Files.writeString(copy.resolve("chat_template.jinja"), template);
        return copy;
    }

    /**
     * The greedy ids after {@code prompt}, decoded alone (one sequence, plain argmax over the ids the
     * tokenizer has) on a separately opened copy of the model, up to a stop id or {@code maxTokens}.
     */
    static List<Integer> greedyIds(int[] prompt, int maxTokens, int context) {
        try (ServedModel m = ServedModel.load(folder(), context)) {
            List<Integer> ids = new ArrayList<>();
            Sequence seq = m.model().newSequence(context);
            int[] next = prompt;
            for (int n = 0; n < Math.min(maxTokens, context - prompt.length); n++) {
                float[] logits = m.model().forward(List.of(seq), List.of(next), false, ForwardObserver.NONE);
                int best = 0;
                for (int i = 1; i < m.tokenizer().vocabSize(); i++) if (logits[i] > logits[best]) best = i;
                if (m.stopIds().contains(best)) break;
                ids.add(best);
                next = new int[] {best};
            }
            return ids;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The same model whose tokens each take {@code millis} to turn into text (the scheduler thread
     * sleeps), so a test's long answer is surely still running when its client stops it. The text is
     * the same: plain UTF-8 of each id's bytes, which is what the byte-level tokenizer decodes to.
     */
    static ServedModel slowed(ServedModel m, int millis) {
        return new ServedModel(m.name(), m.model(), new ClientFacingErrorsTest.DelegatingTokenizer(m.tokenizer()) {
            @Override
            public byte[] decodeBytes(int[] ids) {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.decodeBytes(ids);
            }
        }, m.contextLength(), m.stopIds(), m.chat(), m);
    }

    /**
     * The same model whose every drawn id turns into the next character of {@code script} (ASCII),
     * starting again after its last: the model's text is scripted, so a test can check what the server
     * makes of a given answer. A script that ends with a stop string the request names is one whole
     * answer per request.
     */
    static ServedModel scripted(ServedModel m, String script) {
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
        return new ServedModel(m.name(), m.model(), new ClientFacingErrorsTest.DelegatingTokenizer(m.tokenizer()) {
            @Override
            public byte[] decodeBytes(int[] ids) {
                return new byte[] {(byte) script.charAt((int) (next.getAndIncrement() % script.length()))};
            }
        }, m.contextLength(), java.util.Set.of(), m.chat(), () -> {});
    }

    /** The text of ids, decoded at once (special tokens kept). */
    static String decode(ServedModel m, List<Integer> ids) {
        return ((org.moe4j.text.hf.HfTokenizer) m.tokenizer()).decode(ids.stream().mapToInt(Integer::intValue).toArray(), false);
    }
}
