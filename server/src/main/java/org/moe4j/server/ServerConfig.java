package org.moe4j.server;

import java.time.Duration;

/**
 * How the server listens and what it accepts.
 *
 * @param host            address to bind; loopback unless the operator asks for another
 * @param port            TCP port (0: any free port)
 * @param apiKey          bearer token every request except /health must carry, or null for none
 * @param maxBodyBytes    largest request body read; a larger one is answered 413
 * @param maxBatch        sequences decoded together in one step at most
 * @param maxQueue        requests waiting for a batch slot at most; beyond, 429 with Retry-After
 * @param maxTokens       the largest max_tokens a request may ask for
 * @param requestTimeout  a non-streamed request not finished by then is cancelled (504)
 * @param kvCache         the paged KV cache: pool size, block size, prefill chunk, prefix reuse
 */
public record ServerConfig(String host, int port, String apiKey, int maxBodyBytes, int maxBatch, int maxQueue, int maxTokens,
                           Duration requestTimeout, KvCacheConfig kvCache) {
    public static final String LOOPBACK = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;

    public ServerConfig {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("server: host is empty (default " + LOOPBACK + ")");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("server: port is " + port + ", must be in [0, 65535]");
        if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("server: the API key is blank (omit it for no key)");
        if (maxBodyBytes < 1) throw new IllegalArgumentException("server: max body bytes is " + maxBodyBytes + ", must be >= 1");
        if (maxBatch < 1) throw new IllegalArgumentException("server: max batch is " + maxBatch + ", must be >= 1");
        if (maxQueue < 1) throw new IllegalArgumentException("server: max queue is " + maxQueue + ", must be >= 1");
        if (maxTokens < 1) throw new IllegalArgumentException("server: max tokens is " + maxTokens + ", must be >= 1");
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("server: request timeout is " + requestTimeout + ", must be positive");
        }
        if (kvCache == null) throw new IllegalArgumentException("server: the KV cache configuration is null (use KvCacheConfig.defaults())");
    }

    public ServerConfig(String host, int port, String apiKey, int maxBodyBytes, int maxBatch, int maxQueue, int maxTokens,
                        Duration requestTimeout) {
        this(host, port, apiKey, maxBodyBytes, maxBatch, maxQueue, maxTokens, requestTimeout, KvCacheConfig.defaults());
    }

    /** Loopback on port 8080, no key, 1 MiB bodies, batches of 32, 256 queued, max_tokens up to 1024, 5 minutes per request. */
    public static ServerConfig defaults() {
        return new ServerConfig(LOOPBACK, DEFAULT_PORT, null, 1 << 20, 32, 256, 1024, Duration.ofMinutes(5));
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, apiKey, maxBodyBytes, maxBatch, maxQueue, maxTokens, requestTimeout, kvCache);
    }

    public ServerConfig withApiKey(String key) {
        return new ServerConfig(host, port, key, maxBodyBytes, maxBatch, maxQueue, maxTokens, requestTimeout, kvCache);
    }

    public ServerConfig withLimits(int bodyBytes, int batch, int queue, int tokens) {
        return new ServerConfig(host, port, apiKey, bodyBytes, batch, queue, tokens, requestTimeout, kvCache);
    }

    public ServerConfig withRequestTimeout(Duration timeout) {
        return new ServerConfig(host, port, apiKey, maxBodyBytes, maxBatch, maxQueue, maxTokens, timeout, kvCache);
    }

    public ServerConfig withKvCache(KvCacheConfig kv) {
        return new ServerConfig(host, port, apiKey, maxBodyBytes, maxBatch, maxQueue, maxTokens, requestTimeout, kv);
    }
}
