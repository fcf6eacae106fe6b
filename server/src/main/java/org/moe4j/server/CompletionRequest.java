package org.moe4j.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.io.Json;
import org.moe4j.text.Tokenizer;

/**
 * One OpenAI-style {@code POST /v1/completions} body, checked: every fault is a
 * {@link BadRequestException} naming the field. Supported: prompt (a non-empty string), max_tokens
 * (default 16), temperature (default 1; 0 is greedy), top_p, top_k (an extension; 0 = all), seed,
 * stop (a string or up to 4), stream, model, user. Fields whose other values would change the
 * answer in ways this server does not implement (n, best_of, echo, logprobs, suffix, penalties,
 * logit_bias) are accepted only at their neutral value; any other field is refused, so a misspelt
 * option cannot be silently ignored.
 *
 * @param promptTokens the prompt's token ids (at least one, fewer than the context length)
 */
public record CompletionRequest(String prompt, int[] promptTokens, int maxTokens, SamplingConfig sampling, List<String> stop,
                                boolean stream) {
    public static final int DEFAULT_MAX_TOKENS = 16;
    public static final int MAX_STOP_STRINGS = 4;

    private static final Set<String> FIELDS = Set.of("model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "seed", "stop",
            "stream", "user", "n", "best_of", "echo", "logprobs", "suffix", "presence_penalty", "frequency_penalty", "logit_bias");

    /**
     * Parses and checks a request body against the model: the prompt must tokenize to between 1 and
     * {@code context - 1} tokens (room for one new token), max_tokens lie in [1, maxTokensLimit].
     * Without a seed, {@code seeds} supplies one.
     */
    public static CompletionRequest parse(byte[] body, String modelName, Tokenizer tokenizer, int context, int maxTokensLimit,
                                          LongSupplier seeds) {
        Object json;
        try {
            json = Json.parse(body);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(null, "the body is not valid JSON: " + e.getMessage());
        }
        if (!(json instanceof Map<?, ?> m)) {
            throw new BadRequestException(null, "the body must be a JSON object, got " + kind(json));
        }
        for (Object key : m.keySet()) {
            if (!FIELDS.contains((String) key)) {
                throw new BadRequestException((String) key, "unknown field " + Json.quoteForMessage((String) key)
                        + " (this server reads: model, prompt, max_tokens, temperature, top_p, top_k, seed, stop, stream, user)");
            }
        }
        Object model = m.get("model");
        if (model != null && !(model instanceof String)) {
            throw new BadRequestException("model", "model must be a string, got " + kind(model));
        }
        if (model != null && !model.equals(modelName)) {
            throw new BadRequestException(404, "model", "model " + Json.quoteForMessage((String) model) + " is not served here (this server has "
                    + Json.quoteForMessage(modelName) + ")");
        }
        requireNeutral(m);
        Object user = m.get("user");
        if (user != null && !(user instanceof String)) throw new BadRequestException("user", "user must be a string, got " + kind(user));

        if (!m.containsKey("prompt")) throw new BadRequestException("prompt", "prompt is missing (give the text to continue)");
        Object p = m.get("prompt");
        if (p instanceof List<?>) {
            throw new BadRequestException("prompt", "prompt must be one string: a list of prompts or of token ids is not supported (send one request per prompt)");
        }
        if (!(p instanceof String prompt)) throw new BadRequestException("prompt", "prompt must be a string, got " + kind(p));
        if (prompt.isEmpty()) throw new BadRequestException("prompt", "prompt is empty (give at least one character)");
        int[] ids;
        try {
            ids = tokenizer.encode(prompt);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("prompt", "prompt cannot be tokenized: " + e.getMessage());
        }
        if (ids.length == 0) throw new BadRequestException("prompt", "prompt encodes to no tokens");
        if (ids.length >= context) {
            throw new BadRequestException("prompt", "prompt has " + ids.length + " tokens, the context holds " + context
                    + " (at most " + (context - 1) + " leave room for a new token)");
        }

        int maxTokens = (int) integer(m, "max_tokens", DEFAULT_MAX_TOKENS, 1, maxTokensLimit);
        double temperature = number(m, "temperature", 1, 0, 2);
        double topP = number(m, "top_p", 1, 0, 1);
        if (!(topP > 0)) throw new BadRequestException("top_p", "top_p must be a number in (0, 1], got " + topP);
        int topK = (int) integer(m, "top_k", 0, 0, Integer.MAX_VALUE);
        long seed = m.get("seed") == null ? seeds.getAsLong() : integer(m, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
        List<String> stop = stopStrings(m.get("stop"));
        Object stream = m.get("stream");
        if (stream != null && !(stream instanceof Boolean)) throw new BadRequestException("stream", "stream must be true or false, got " + kind(stream));
        return new CompletionRequest(prompt, ids, maxTokens, new SamplingConfig(temperature, topK, topP, seed), stop,
                Boolean.TRUE.equals(stream));
    }

    private static void requireNeutral(Map<?, ?> m) {
        neutral(m, "n", 1L, "only one completion per request (n = 1) is supported");
        neutral(m, "best_of", 1L, "best_of other than 1 is not supported");
        neutral(m, "echo", Boolean.FALSE, "echo is not supported (must be false)");
        neutral(m, "suffix", "", "suffix (insertion) is not supported");
        Object logprobs = m.get("logprobs");
        if (logprobs != null && !Long.valueOf(0).equals(logprobs)) {
            throw new BadRequestException("logprobs", "logprobs are not supported (omit the field or give null)");
        }
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            Object v = m.get(penalty);
            if (v != null && !(v instanceof Number n && n.doubleValue() == 0)) {
                throw new BadRequestException(penalty, penalty + " is not supported (omit it or give 0), got " + Json.write(v));
            }
        }
        Object bias = m.get("logit_bias");
        if (bias != null && !(bias instanceof Map<?, ?> b && b.isEmpty())) {
            throw new BadRequestException("logit_bias", "logit_bias is not supported (omit it or give {})");
        }
    }

    private static void neutral(Map<?, ?> m, String field, Object neutral, String message) {
        Object v = m.get(field);
        if (v != null && !v.equals(neutral)) throw new BadRequestException(field, message + ", got " + Json.write(v));
    }

    private static long integer(Map<?, ?> m, String field, long absent, long min, long max) {
        Object v = m.get(field);
        if (v == null) return absent;
        if (!(v instanceof Long n) || n < min || n > max) {
            throw new BadRequestException(field, field + " must be an integer in [" + min + ", " + max + "], got " + shortJson(v));
        }
        return n;
    }

    private static double number(Map<?, ?> m, String field, double absent, double min, double max) {
        Object v = m.get(field);
        if (v == null) return absent;
        if (!(v instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max)) {
            throw new BadRequestException(field, field + " must be a number in [" + min + ", " + max + "], got " + shortJson(v));
        }
        return n.doubleValue();
    }

    private static List<String> stopStrings(Object v) {
        if (v == null) return List.of();
        List<?> items = v instanceof List<?> l ? l : List.of(v);
        if (items.size() > MAX_STOP_STRINGS) {
            throw new BadRequestException("stop", "stop holds " + items.size() + " strings, at most " + MAX_STOP_STRINGS + " are allowed");
        }
        List<String> out = new ArrayList<>();
        for (Object s : items) {
            if (!(s instanceof String str) || str.isEmpty()) {
                throw new BadRequestException("stop", "stop must be a non-empty string or a list of them, got " + shortJson(v));
            }
            out.add(str);
        }
        return List.copyOf(out);
    }

    private static String shortJson(Object v) {
        String s = Json.write(v);
        return s.length() <= 80 ? s : s.substring(0, 80) + "... (" + s.length() + " characters)";
    }

    private static String kind(Object v) {
        return switch (v) {
            case null -> "null";
            case String _ -> "a string";
            case Boolean _ -> "a boolean";
            case Number _ -> "a number";
            case List<?> _ -> "an array";
            case Map<?, ?> _ -> "an object";
            default -> v.getClass().getSimpleName();
        };
    }
}
