package org.moe4j.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.moe4j.io.Json;

/**
 * {@code POST /v1/completions}: checks the body, queues the request for the scheduler (429 with
 * Retry-After when the queue is full), then either collects the whole completion into one JSON
 * answer or streams it as server-sent events ({@code data: {...}} per piece of text, then
 * {@code data: [DONE]}). A stream whose write fails, or a collected request that runs out of time
 * or whose thread is interrupted, cancels its job, which frees its batch slot.
 */
final class CompletionEndpoint {
    /** Status recorded for a stream the client closed before its end (nginx's convention). */
    static final int CLIENT_CLOSED = 499;

    private final ServedModel served;
    private final ServerConfig config;
    private final BatchScheduler scheduler;
    private final AtomicLong ids = new AtomicLong();

    CompletionEndpoint(ServedModel served, ServerConfig config, BatchScheduler scheduler) {
        this.served = served;
        this.config = config;
        this.scheduler = scheduler;
    }

    /** Answers the exchange; returns the status sent, for the metrics. */
    int handle(HttpExchange ex) throws IOException {
        byte[] body = Exchanges.body(ex, config.maxBodyBytes());
        long n = ids.incrementAndGet();
        CompletionRequest request = CompletionRequest.parse(body, served.name(), served.tokenizer(), served.contextLength(),
                config.maxTokens(), () -> System.nanoTime() ^ n);
        CompletionJob job = new CompletionJob(request.generation(), served.tokenizer(), request.stream());
        int refused = submit(ex, scheduler, job, config);
        if (refused != 0) return refused;
        String id = "cmpl-" + n;
        long created = System.currentTimeMillis() / 1000;
        try {
            return request.stream() ? stream(ex, job, id, created) : collect(ex, job, id, created);
        } catch (InterruptedException e) {
            job.cancel();
            Thread.currentThread().interrupt();
            throw new IOException("completion " + id + " interrupted", e);
        }
    }

    /** Queues the job; 0, or the status sent when the queue or the KV pool is full (429 with Retry-After). */
    static int submit(HttpExchange ex, BatchScheduler scheduler, CompletionJob job, ServerConfig config) throws IOException {
        BatchScheduler.Refusal refusal = scheduler.submit(job);
        if (refusal == BatchScheduler.Refusal.NONE) return 0;
        ex.getResponseHeaders().set("Retry-After", "1");
        Exchanges.error(ex, 429, null, refusal == BatchScheduler.Refusal.QUEUE_FULL
                ? "the server is busy: " + scheduler.queueLength() + " requests are waiting (the limit is " + config.maxQueue()
                        + "); retry after 1 s"
                : "the server is busy: its KV cache is full (" + scheduler.availableBlocks() + " of " + scheduler.poolBlocks()
                        + " blocks free, not enough for the waiting prompts and this one); retry after 1 s");
        return 429;
    }

    private int collect(HttpExchange ex, CompletionJob job, String id, long created) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + config.requestTimeout().toNanos();
        StringBuilder text = new StringBuilder();
        while (true) {
            CompletionEvent event = job.events().poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            switch (event) {
                case null -> {
                    job.cancel();
                    Exchanges.error(ex, 504, null, "the completion did not finish within " + config.requestTimeout().toSeconds() + " s");
                    return 504;
                }
                case CompletionEvent.Text t -> text.append(t.delta());
                case CompletionEvent.Finished f -> {
                    Map<String, Object> answer = chunk(id, created, text.toString(), f.finishReason());
                    answer.put("usage", usage(f));
                    Exchanges.json(ex, 200, answer);
                    return 200;
                }
                case CompletionEvent.Failed f -> {
                    Exchanges.error(ex, f.status(), null, f.message());
                    return f.status();
                }
            }
        }
    }

    private int stream(HttpExchange ex, CompletionJob job, String id, long created) throws IOException, InterruptedException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        long deadline = System.nanoTime() + config.requestTimeout().toNanos();
        try (OutputStream out = ex.getResponseBody()) {
            while (true) {
                CompletionEvent event = job.events().poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                switch (event) {
                    case null -> {
                        job.cancel();
                        send(out, Json.write(Exchanges.errorBody(504, null, "the completion did not finish within "
                                + config.requestTimeout().toSeconds() + " s")));
                        return 504;
                    }
                    case CompletionEvent.Text t -> send(out, Json.write(chunk(id, created, t.delta(), null)));
                    case CompletionEvent.Finished f -> {
                        Map<String, Object> last = chunk(id, created, "", f.finishReason());
                        last.put("usage", usage(f));
                        send(out, Json.write(last));
                        send(out, "[DONE]");
                        return 200;
                    }
                    case CompletionEvent.Failed f -> {
                        send(out, Json.write(Exchanges.errorBody(f.status(), null, f.message())));
                        return f.status();
                    }
                }
            }
        } catch (IOException e) {
            job.cancel();
            return CLIENT_CLOSED;
        }
    }

    /** One server-sent event. */
    static void send(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private Map<String, Object> chunk(String id, long created, String text, String finishReason) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("text", text);
        choice.put("index", 0L);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("object", "text_completion");
        m.put("created", created);
        m.put("model", served.name());
        m.put("choices", List.of(choice));
        return m;
    }

    static Map<String, Object> usage(CompletionEvent.Finished f) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", (long) f.promptTokens());
        u.put("completion_tokens", (long) f.completionTokens());
        u.put("total_tokens", (long) f.promptTokens() + f.completionTokens());
        return u;
    }
}
