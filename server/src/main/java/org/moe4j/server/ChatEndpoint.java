package org.moe4j.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.moe4j.io.Json;

/**
 * {@code POST /v1/chat/completions}, as OpenAI's API answers it. Not streamed: one
 * {@code chat.completion} object with the assistant message (content, and reasoning_content when
 * the model marks its thinking) and usage. Streamed: server-sent {@code chat.completion.chunk}
 * events: the role first, then deltas of content or reasoning_content, then an empty delta with
 * the finish_reason, with {@code stream_options.include_usage} one more chunk with no choices and
 * the usage (every earlier chunk then has {@code "usage": null}), then {@code [DONE]}.
 */
final class ChatEndpoint {
    private final ServedModel served;
    private final ServerConfig config;
    private final BatchScheduler scheduler;
    private final AtomicLong ids = new AtomicLong();

    ChatEndpoint(ServedModel served, ServerConfig config, BatchScheduler scheduler) {
        this.served = served;
        this.config = config;
        this.scheduler = scheduler;
    }

    int handle(HttpExchange ex) throws IOException {
        byte[] body = Exchanges.body(ex, config.maxBodyBytes());
        long n = ids.incrementAndGet();
        ChatRequest request = ChatRequest.parse(body, served, config.maxTokens(), () -> System.nanoTime() ^ (n * 0x9E3779B97F4A7C15L));
        CompletionJob job = new CompletionJob(request.generation(), served.tokenizer());
        int refused = CompletionEndpoint.submit(ex, scheduler, job, config);
        if (refused != 0) return refused;
        String id = "chatcmpl-" + n;
        long created = System.currentTimeMillis() / 1000;
        ChatFormat format = served.chat();
        ReasoningSplitter split = new ReasoningSplitter(format.thinkOpen(), format.thinkClose(), request.startsInReasoning());
        try {
            return request.stream() ? stream(ex, job, split, request.includeUsage(), id, created) : collect(ex, job, split, id, created);
        } catch (InterruptedException e) {
            job.cancel();
            Thread.currentThread().interrupt();
            throw new IOException("chat completion " + id + " interrupted", e);
        }
    }

    private int collect(HttpExchange ex, CompletionJob job, ReasoningSplitter split, String id, long created)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + config.requestTimeout().toNanos();
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        while (true) {
            CompletionEvent event = job.events().poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            switch (event) {
                case null -> {
                    job.cancel();
                    Exchanges.error(ex, 504, null, "the completion did not finish within " + config.requestTimeout().toSeconds() + " s");
                    return 504;
                }
                case CompletionEvent.Text t -> append(split.add(t.delta()), reasoning, content);
                case CompletionEvent.Finished f -> {
                    append(split.flush(), reasoning, content);
                    Map<String, Object> message = new LinkedHashMap<>();
                    message.put("role", "assistant");
                    message.put("content", content.toString());
                    if (served.chat().marksReasoning()) message.put("reasoning_content", reasoning.isEmpty() ? null : reasoning.toString());
                    Map<String, Object> choice = new LinkedHashMap<>();
                    choice.put("index", 0L);
                    choice.put("message", message);
                    choice.put("logprobs", null);
                    choice.put("finish_reason", f.finishReason());
                    Map<String, Object> answer = envelope(id, "chat.completion", created, List.of(choice));
                    answer.put("usage", CompletionEndpoint.usage(f));
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

    private static void append(ReasoningSplitter.Split s, StringBuilder reasoning, StringBuilder content) {
        reasoning.append(s.reasoning());
        content.append(s.content());
    }

    private int stream(HttpExchange ex, CompletionJob job, ReasoningSplitter split, boolean includeUsage, String id, long created)
            throws IOException, InterruptedException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        long deadline = System.nanoTime() + config.requestTimeout().toNanos();
        try (OutputStream out = ex.getResponseBody()) {
            Map<String, Object> role = new LinkedHashMap<>();
            role.put("role", "assistant");
            role.put("content", "");
            send(out, chunk(id, created, role, null, includeUsage));
            while (true) {
                CompletionEvent event = job.events().poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                switch (event) {
                    case null -> {
                        job.cancel();
                        CompletionEndpoint.send(out, Json.write(Exchanges.errorBody(504, null, "the completion did not finish within "
                                + config.requestTimeout().toSeconds() + " s")));
                        return 504;
                    }
                    case CompletionEvent.Text t -> sendDeltas(out, split.add(t.delta()), id, created, includeUsage);
                    case CompletionEvent.Finished f -> {
                        sendDeltas(out, split.flush(), id, created, includeUsage);
                        send(out, chunk(id, created, Map.of(), f.finishReason(), includeUsage));
                        if (includeUsage) {
                            Map<String, Object> usage = envelope(id, "chat.completion.chunk", created, List.of());
                            usage.put("usage", CompletionEndpoint.usage(f));
                            send(out, usage);
                        }
                        CompletionEndpoint.send(out, "[DONE]");
                        return 200;
                    }
                    case CompletionEvent.Failed f -> {
                        CompletionEndpoint.send(out, Json.write(Exchanges.errorBody(f.status(), null, f.message())));
                        return f.status();
                    }
                }
            }
        } catch (IOException e) {
            job.cancel();
            return CompletionEndpoint.CLIENT_CLOSED;
        }
    }

    private void sendDeltas(OutputStream out, ReasoningSplitter.Split s, String id, long created, boolean includeUsage) throws IOException {
        if (!s.reasoning().isEmpty()) send(out, chunk(id, created, Map.of("reasoning_content", s.reasoning()), null, includeUsage));
        if (!s.content().isEmpty()) send(out, chunk(id, created, Map.of("content", s.content()), null, includeUsage));
    }

    private static void send(OutputStream out, Map<String, Object> chunk) throws IOException {
        CompletionEndpoint.send(out, Json.write(chunk));
    }

    private Map<String, Object> chunk(String id, long created, Map<String, Object> delta, String finishReason, boolean includeUsage) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0L);
        choice.put("delta", delta);
        choice.put("logprobs", null);
        choice.put("finish_reason", finishReason);
        Map<String, Object> m = envelope(id, "chat.completion.chunk", created, List.of(choice));
        if (includeUsage) m.put("usage", null);
        return m;
    }

    private Map<String, Object> envelope(String id, String object, long created, List<Object> choices) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("object", object);
        m.put("created", created);
        m.put("model", served.name());
        m.put("system_fingerprint", null);
        m.put("choices", new ArrayList<>(choices));
        return m;
    }
}
