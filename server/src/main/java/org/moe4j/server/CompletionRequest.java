package org.moe4j.server;

import static org.moe4j.server.RequestFields.*;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.moe4j.infer.SamplingConfig;
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
    public static final int MAX_STOP_STRINGS = RequestFields.MAX_STOP_STRINGS;

    private static final Set<String> FIELDS = Set.of("model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "seed", "stop",
            "stream", "user", "n", "best_of", "echo", "logprobs", "suffix", "presence_penalty", "frequency_penalty", "logit_bias");

    /**
     * Parses and checks a request body against the model: the prompt must tokenize to between 1 and
     * {@code context - 1} tokens (room for one new token), max_tokens lie in [1, maxTokensLimit].
     * Without a seed, {@code seeds} supplies one.
     */
    public static CompletionRequest parse(byte[] body, String modelName, Tokenizer tokenizer, int context, int maxTokensLimit,
                                          LongSupplier seeds) {
        Map<?, ?> m = object(body);
        onlyKnown(m, FIELDS, "model, prompt, max_tokens, temperature, top_p, top_k, seed, stop, stream, user");
        model(m, modelName);
        neutral(m, "n", 1L, "only one completion per request (n = 1) is supported");
        neutral(m, "best_of", 1L, "best_of other than 1 is not supported");
        neutral(m, "echo", Boolean.FALSE, "echo is not supported (must be false)");
        neutral(m, "suffix", "", "suffix (insertion) is not supported");
        Object logprobs = m.get("logprobs");
        if (logprobs != null && !Long.valueOf(0).equals(logprobs)) {
            throw new BadRequestException("logprobs", "logprobs are not supported (omit the field or give null)");
        }
        noPenalties(m);
        string(m, "user");

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
        fitsContext(ids, context, "prompt");

        int maxTokens = (int) integer(m, "max_tokens", DEFAULT_MAX_TOKENS, 1, maxTokensLimit);
        SamplingConfig sampling = sampling(m, seeds);
        List<String> stop = stopStrings(m.get("stop"));
        return new CompletionRequest(prompt, ids, maxTokens, sampling, stop, bool(m, "stream"));
    }

    /** temperature [0, 2] (default 1), top_p (0, 1], top_k >= 0 (an extension), seed (else one from {@code seeds}). */
    static SamplingConfig sampling(Map<?, ?> m, LongSupplier seeds) {
        double temperature = number(m, "temperature", 1, 0, 2);
        double topP = number(m, "top_p", 1, 0, 1);
        if (!(topP > 0)) throw new BadRequestException("top_p", "top_p must be a number in (0, 1], got " + topP);
        int topK = (int) integer(m, "top_k", 0, 0, Integer.MAX_VALUE);
        long seed = m.get("seed") == null ? seeds.getAsLong() : integer(m, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
        return new SamplingConfig(temperature, topK, topP, seed);
    }

    Generation generation() {
        return new Generation(promptTokens, maxTokens, sampling, stop);
    }
}
