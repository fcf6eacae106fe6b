package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moe4j.dist.Communicator;
import org.moe4j.dist.LocalGroup;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;
import org.moe4j.tensor.Rng;
import org.moe4j.text.CharTokenizer;

/**
 * One model served by an in-process group of ranks (rank 0 the HTTP front and scheduler, the others
 * {@link ReplicaRank}s, experts split over all) answers greedy completions, alone and batched
 * together, with the text of one process; closing the server stops the other ranks.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistributedServingTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int CONTEXT = 64;

    /**
     * A seeded model like {@link TinyModel}'s (a MoE layer of 4 experts, top-2, and a dense layer)
     * over the 26 letters, so every token it draws shows in the answer's text (byte tokens above 0x7f
     * would all read as U+FFFD and hide a wrong token).
     */
    static ServedModel letters() {
        CharTokenizer tok = CharTokenizer.fromText("abcdefghijklmnopqrstuvwxyz", false);
        TransformerConfig c = new TransformerConfig(tok.vocabSize(), 32, 4, 2, CONTEXT, 10000.0, 1e-5f,
                List.of(MoeSpec.mixtral(4, 2, 32), new FeedForwardSpec.Dense(32)), false, 7);
        try {
            return ServedModel.of("letters", new TransformerLM(c), tok);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ServerConfig config() {
        KvCacheConfig d = KvCacheConfig.defaults();
        return ServerConfig.defaults().withPort(0).withLimits(1 << 16, 8, 16, 32)
                .withKvCache(new KvCacheConfig(d.blocks(), d.blockSize(), 8, KvCacheConfig.PrefixReuse.OFF));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void greedyCompletionsOfTheGroupAreThoseOfOneProcess(int ranks) throws Exception {
        Rng rng = new Rng(5);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            StringBuilder p = new StringBuilder();
            int length = 1 + rng.nextInt(20);
            for (int c = 0; c < length; c++) p.append((char) ('a' + rng.nextInt(26)));
            prompts.add(p.toString());
        }
        int maxTokens = 12;
        List<String> single = new ArrayList<>();
        ServedModel reference = letters();
        try (CompletionServer server = CompletionServer.start(reference, config())) {
            TestClient client = new TestClient(server.baseUri());
            for (String p : prompts) single.add(post(client, p, maxTokens));
        }

        List<List<String>> answers = LocalGroup.run(ranks, TIMEOUT, comm -> {
            ServedModel model = letters();
            model.model().splitExpertsOver(comm);
            if (comm.rank() != 0) {
                ReplicaRank.follow(model, comm);
                return null;
            }
            List<String> got = new ArrayList<>();
            try (CompletionServer server = CompletionServer.startLeader(model, config(), comm, e -> { throw new AssertionError(e); });
                 ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                TestClient client = new TestClient(server.baseUri());
                // one after another, then all together (batched steps, sequences created and freed mid-flight)
                for (String p : prompts) got.add(post(client, p, maxTokens));
                CountDownLatch go = new CountDownLatch(1);
                List<Future<String>> together = new ArrayList<>();
                for (String p : prompts) {
                    together.add(clients.submit(() -> {
                        go.await();
                        return post(client, p, maxTokens);
                    }));
                }
                go.countDown();
                for (Future<String> f : together) got.add(f.get(60, TimeUnit.SECONDS));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
            return got;
        });
        List<String> got = answers.getFirst();
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(maxTokens, single.get(i).length(), "prompt " + i + ": one letter per token");
            assertEquals(single.get(i), got.get(i), "prompt " + i + " alone on " + ranks + " ranks");
            assertEquals(single.get(i), got.get(prompts.size() + i), "prompt " + i + " batched on " + ranks + " ranks");
        }
    }

    @Test
    void aGroupRefusesPrefixReuse() {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        List<Communicator> group = LocalGroup.create(2, TIMEOUT);
        ServedModel model = letters();
        ServerConfig withReuse = ServerConfig.defaults().withPort(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompletionServer.startLeader(model, withReuse, group.getFirst(), seen::set));
        assertEquals("prefix reuse is ON, but a serving group needs it OFF (--no-prefix-reuse)", e.getMessage());
        assertNull(seen.get());
    }

    private static String post(TestClient client, String prompt, int maxTokens) throws Exception {
        TestClient.Response r = client.post("/v1/completions", TestClient.greedy(prompt, maxTokens, ""));
        assertEquals(200, r.status(), r.body());
        return r.text();
    }
}
