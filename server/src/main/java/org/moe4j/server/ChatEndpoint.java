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
 * {@code chat.completion} object with the assistant message (content, reasoning_content when the
 * model marks its thinking, tool_calls when the template asked for {@code <tool_call>} blocks and
 * the model wrote some; finish_reason "tool_calls" then) and usage. Streamed: server-sent {@code chat.completion.chunk}
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
        CompletionJob job = new CompletionJob(request.generation(), served.tokenizer(), request.stream());
        int refused = CompletionEndpoint.submit(ex, scheduler, job, config);
        if (refused != 0) return refused;
        String id = "chatcmpl-" + n;
        long created = System.currentTimeMillis() / 1000;
        AnswerParts parts = new AnswerParts(served.chat(), request.startsInReasoning(), request.parsesToolCalls());
        try {
            return request.stream() ? stream(ex, job, parts, request.includeUsage(), id, created) : collect(ex, job, parts, id, created);
        } catch (InterruptedException e) {
            job.cancel();
            Thread.currentThread().interrupt();
            throw new IOException("chat completion " + id + " interrupted", e);
        }
    }

    private int collect(HttpExchange ex, CompletionJob job, AnswerParts parts, String id, long created)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + config.requestTimeout().toNanos();
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        List<ToolCallParser.Call> calls = new ArrayList<>();
        while (true) {
            CompletionEvent event = job.events().poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            switch (event) {
                case null -> {
                    job.cancel();
                    Exchanges.error(ex, 504, null, "the completion did not finish within " + config.requestTimeout().toSeconds() + " s");
                    return 504;
                }
                case CompletionEvent.Text t -> append(parts.add(t.delta()), reasoning, content, calls);
                case CompletionEvent.Finished f -> {
                    append(parts.finish(), reasoning, content, calls);
                    Map<String, Object> message = new LinkedHashMap<>();
                    message.put("role", "assistant");
                    // OpenAI's API gives no content beside tool calls when the model wrote nothing else
                    message.put("content", calls.isEmpty() || !content.toString().isBlank() ? content.toString() : null);
                    if (served.chat().marksReasoning()) message.put("reasoning_content", reasoning.isEmpty() ? null : reasoning.toString());
                    if (!calls.isEmpty()) {
                        List<Object> list = new ArrayList<>();
                        for (int i = 0; i < calls.size(); i++) list.add(toolCall(id, i, calls.get(i), false));
                        message.put("tool_calls", list);
                    }
                    Map<String, Object> choice = new LinkedHashMap<>();
                    choice.put("index", 0L);
                    choice.put("message", message);
                    choice.put("logprobs", null);
                    choice.put("finish_reason", finishReason(f, !calls.isEmpty()));
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

    private static void append(AnswerParts.Piece p, StringBuilder reasoning, StringBuilder content, List<ToolCallParser.Call> calls) {
        reasoning.append(p.reasoning());
        content.append(p.content());
        calls.addAll(p.calls());
    }

    /** "tool_calls" when the answer ended by itself after calling tools, as OpenAI's API says it. */
    private static String finishReason(CompletionEvent.Finished f, boolean called) {
        return called && f.finishReason().equals("stop") ? "tool_calls" : f.finishReason();
    }

    /** A call as the API shows it: in a message, or (streamed) as a delta with its index. */
    private static Map<String, Object> toolCall(String id, int index, ToolCallParser.Call call, boolean delta) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", call.name());
        function.put("arguments", call.arguments());
        Map<String, Object> m = new LinkedHashMap<>();
        if (delta) m.put("index", (long) index);
        m.put("id", "call_" + id.substring(id.indexOf('-') + 1) + "_" + index);
        m.put("type", "function");
        m.put("function", function);
        return m;
    }

    private int stream(HttpExchange ex, CompletionJob job, AnswerParts parts, boolean includeUsage, String id, long created)
            throws IOException, InterruptedException {
        int[] callsSent = new int[1];
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
                    case CompletionEvent.Text t -> sendDeltas(out, parts.add(t.delta()), id, created, includeUsage, callsSent);
                    case CompletionEvent.Finished f -> {
                        sendDeltas(out, parts.finish(), id, created, includeUsage, callsSent);
                        send(out, chunk(id, created, Map.of(), finishReason(f, callsSent[0] > 0), includeUsage));
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

    private void sendDeltas(OutputStream out, AnswerParts.Piece p, String id, long created, boolean includeUsage, int[] callsSent)
            throws IOException {
        if (!p.reasoning().isEmpty()) send(out, chunk(id, created, Map.of("reasoning_content", p.reasoning()), null, includeUsage));
        if (!p.content().isEmpty()) send(out, chunk(id, created, Map.of("content", p.content()), null, includeUsage));
        for (ToolCallParser.Call call : p.calls()) {
            send(out, chunk(id, created, Map.of("tool_calls", List.of(toolCall(id, callsSent[0], call, true))), null, includeUsage));
            callsSent[0]++;
        }
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
