package org.moe4j.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.moe4j.io.Json;

/**
 * A closed-loop load generator for {@code POST /v1/completions} (or, as chat clients,
 * {@code POST /v1/chat/completions} with each prompt as one user message) on a loopback server: C clients,
 * each sending its next request as soon as the previous one is answered, until a fixed number of
 * requests has been sent. Greedy, non-streamed requests of {@code maxTokens} tokens over a list of
 * prompts; measures requests and generated tokens per second over the wall time and the latency
 * percentiles of the successful requests.
 */
public final class LoadGenerator implements AutoCloseable {
    /** Which API the clients call. */
    public enum Api { COMPLETIONS, CHAT }

    private final URI base;
    private final Api api;
    private final String apiKey;
    private final List<String> prompts;
    private final int maxTokens;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * One load level's figures.
     *
     * @param seconds          wall time from the first request sent to the last answer
     * @param completionTokens tokens generated over all successful requests
     * @param p50, p99         latency percentiles in seconds (nearest rank) over successful requests
     * @param steps            what the server's scheduler did meanwhile (null for a server without moe4j's /metrics)
     */
    public record Level(int clients, int requests, int failures, double seconds, long completionTokens, double p50, double p99,
            StepProfile steps) {
        public double requestsPerSecond() {
            return (requests - failures) / seconds;
        }

        public double tokensPerSecond() {
            return completionTokens / seconds;
        }
    }

    public LoadGenerator(URI base, String apiKey, List<String> prompts, int maxTokens, Duration timeout) {
        this(base, Api.COMPLETIONS, apiKey, prompts, maxTokens, timeout);
    }

    public LoadGenerator(URI base, Api api, String apiKey, List<String> prompts, int maxTokens, Duration timeout) {
        requireLoopback(base);
        this.api = api;
        if (prompts.isEmpty()) throw new IllegalArgumentException("load generator: no prompts");
        if (maxTokens < 1) throw new IllegalArgumentException("load generator: max tokens is " + maxTokens + ", must be >= 1");
        this.base = base;
        this.apiKey = apiKey;
        this.prompts = List.copyOf(prompts);
        this.maxTokens = maxTokens;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Refuses any target that is not this machine: the load generator never loads someone else's server. */
    static void requireLoopback(URI url) {
        if (!"http".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("load generator: " + url + " is not an http://host:port URL");
        }
        boolean loopback;
        try {
            loopback = InetAddress.getByName(url.getHost()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            loopback = false;
        }
        if (!loopback) throw new IllegalArgumentException("load generator: " + url.getHost() + " is not a loopback address (use 127.0.0.1)");
    }

    /** Sends {@code requests} requests from {@code clients} concurrent clients and measures them. */
    public Level run(int clients, int requests) throws InterruptedException {
        if (clients < 1 || requests < 1) {
            throw new IllegalArgumentException("load generator: " + clients + " clients, " + requests + " requests; both must be >= 1");
        }
        Map<String, Double> before = metrics();
        AtomicInteger next = new AtomicInteger();
        double[] latency = new double[requests];
        long[] tokens = new long[requests];
        boolean[] failed = new boolean[requests];
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < requests; ) {
                        long start = System.nanoTime();
                        long generated = send(prompts.get(i % prompts.size()));
                        latency[i] = (System.nanoTime() - start) / 1e9;
                        failed[i] = generated < 0;
                        tokens[i] = Math.max(0, generated);
                    }
                    return null;
                });
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        StepProfile steps = StepProfile.between(before, metrics());
        int failures = 0;
        long total = 0;
        List<Double> ok = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            if (failed[i]) {
                failures++;
            } else {
                ok.add(latency[i]);
                total += tokens[i];
            }
        }
        double[] sorted = ok.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Level(clients, requests, failures, seconds, total, percentile(sorted, 0.50), percentile(sorted, 0.99), steps);
    }

    /** The server's /metrics samples, or null when it has none of moe4j's (another server, or a key it refuses). */
    private Map<String, Double> metrics() throws InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/metrics")).timeout(timeout).GET();
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? StepProfile.scrape(r.body()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Tokens generated for one request, or -1 if it failed. */
    private long send(String prompt) {
        String input = api == Api.CHAT ? "\"messages\":[{\"role\":\"user\",\"content\":" + Json.quote(prompt) + "}]"
                : "\"prompt\":" + Json.quote(prompt);
        String body = "{" + input + ",\"max_tokens\":" + maxTokens + ",\"temperature\":0}";
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(api == Api.CHAT ? "/v1/chat/completions" : "/v1/completions")).timeout(timeout)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) b.header("Authorization", "Bearer " + apiKey);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) return -1;
            Object usage = ((Map<?, ?>) Json.parse(r.body())).get("usage");
            return ((Number) ((Map<?, ?>) usage).get("completion_tokens")).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The nearest-rank percentile q of sorted values (NaN when empty). */
    static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    /**
     * Level figures as a Markdown table, speed-ups and latency ratios relative to the first level
     * (one client): the p99 against both the median and the p99 of one client.
     */
    public static String table(List<Level> levels) {
        StringBuilder out = new StringBuilder();
        out.append("| clients | requests | failed | requests/s | tokens/s | tokens/s vs 1 client | p50 latency (s) | p99 latency (s) "
                + "| p99 vs p50 at 1 client | p99 vs p99 at 1 client |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Level first = levels.getFirst();
        for (Level l : levels) {
            out.append(String.format(java.util.Locale.ROOT, "| %d | %d | %d | %.2f | %.1f | %.2fx | %.3f | %.3f | %.2fx | %.2fx |%n",
                    l.clients(), l.requests(), l.failures(), l.requestsPerSecond(), l.tokensPerSecond(),
                    l.tokensPerSecond() / first.tokensPerSecond(), l.p50(), l.p99(), l.p99() / first.p50(), l.p99() / first.p99()));
        }
        return out.toString();
    }

    /**
     * Where each level's time went, from the scheduler's counters (levels of a server without them
     * are left out): steps, their mean time, sequences and prompt tokens per step, the share of the
     * wall time the scheduler spent in steps, the steps a median request spans (p50 latency over the
     * mean step), and the mean wait for admission and for the first token.
     */
    public static String stepTable(List<Level> levels) {
        StringBuilder out = new StringBuilder();
        out.append("| clients | steps | mean step (ms) | sequences per step | prompt tokens per step | busy | p50 latency / mean step "
                + "| mean queue wait (ms) | mean time to first token (ms) |\n");
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Level l : levels) {
            StepProfile s = l.steps();
            if (s == null) continue;
            out.append(String.format(java.util.Locale.ROOT, "| %d | %d | %.3f | %.1f | %.1f | %.0f%% | %.1f | %.2f | %.2f |%n",
                    l.clients(), s.steps(), s.meanStepMs(), s.meanSequences(), s.promptTokensPerStep(),
                    100 * s.stepSeconds() / l.seconds(), 1e3 * l.p50() / s.meanStepMs(), s.meanQueueWaitMs(), s.meanFirstTokenMs()));
        }
        return out.toString();
    }

    @Override
    public void close() {
        http.close();
    }
}
