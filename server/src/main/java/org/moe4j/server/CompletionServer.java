package org.moe4j.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.moe4j.dist.Communicator;

/**
 * The HTTP side: the JDK's own {@link HttpServer}, one virtual thread per exchange, in front of a
 * {@link BatchScheduler}. Endpoints: {@code POST /v1/chat/completions}, {@code POST /v1/completions}, {@code GET /v1/models},
 * {@code GET /health} (never needs the key), {@code GET /metrics}, and the web chat at {@code GET /}. Every answer is JSON (the
 * metrics are Prometheus text); any failure inside a handler becomes a JSON error, never a dead
 * server.
 */
public final class CompletionServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CompletionServer.class.getName());

    private final ServedModel served;
    private final ServerConfig config;
    private final ServerMetrics metrics = new ServerMetrics();
    private final BatchScheduler scheduler;
    private final CompletionEndpoint completions;
    private final ChatEndpoint chat;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer http;
    private final byte[] expectedAuthorization;

    private interface Route {
        /** Answers the exchange and returns the status sent. */
        int answer(HttpExchange ex) throws IOException;
    }

    private CompletionServer(ServedModel served, ServerConfig config, ReplicaChannel replicas, Consumer<Throwable> groupFailure)
            throws IOException {
        this.served = served;
        this.config = config;
        this.expectedAuthorization = config.apiKey() == null ? null : ("Bearer " + config.apiKey()).getBytes(StandardCharsets.UTF_8);
        this.scheduler = new BatchScheduler(served, config, metrics, replicas, groupFailure);
        this.completions = new CompletionEndpoint(served, config, scheduler);
        this.chat = new ChatEndpoint(served, config, scheduler);
        try {
            this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        } catch (IOException e) {
            scheduler.close();
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        http.setExecutor(executor);
        route("/v1/completions", "POST", true, completions::handle);
        route("/v1/chat/completions", "POST", true, chat::handle);
        route("/v1/models", "GET", true, this::models);
        route("/health", "GET", false, this::health);
        route("/metrics", "GET", true, ex -> {
            Exchanges.text(ex, 200, PrometheusText.CONTENT_TYPE, metrics.render());
            return 200;
        });
        http.createContext("/", ex -> guarded(ex, false, e -> {
            if (WebPage.serves(e.getRequestURI().getPath())) return WebPage.answer(e);
            Exchanges.error(e, 404, null, "no endpoint " + e.getRequestURI().getPath()
                    + " (try POST /v1/chat/completions, POST /v1/completions, GET /v1/models, /health, /metrics)");
            return 404;
        }));
    }

    /** Starts serving; the caller closes the server. */
    public static CompletionServer start(ServedModel served, ServerConfig config) throws IOException {
        CompletionServer s = new CompletionServer(served, config, null, null);
        s.http.start();
        return s;
    }

    /**
     * Starts serving as rank 0 of {@code group}, whose other ranks run {@link ReplicaRank#follow}; the
     * model must already be split over the group ({@link org.moe4j.engine.DecoderModel#splitExpertsOver})
     * and prefix reuse be off. A step that fails here leaves the other ranks inside its collectives:
     * {@code groupFailure} is then told, once, and must end the group. Closing the server stops the
     * other ranks.
     */
    public static CompletionServer startLeader(ServedModel served, ServerConfig config, Communicator group,
                                               Consumer<Throwable> groupFailure) throws IOException {
        if (group.rank() != 0) throw new IllegalArgumentException("rank " + group.rank() + " cannot lead: rank 0 serves HTTP");
        CompletionServer s = new CompletionServer(served, config, new ReplicaChannel(group), groupFailure);
        s.http.start();
        return s;
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** http://host:port, with the port actually bound. */
    public URI baseUri() {
        return URI.create("http://" + config.host() + ":" + address().getPort());
    }

    /**
     * Asks this server for {@code GET /health} over a socket, as a client would, and refuses a status
     * other than 200. The first exchange of a JVM's HTTP server loads and runs its code for the first
     * time (about 0.1 s on a small machine), which the first user would otherwise wait for; /metrics
     * counts this request as any other.
     */
    public void checkHealth() throws IOException {
        java.net.InetAddress to = address().getAddress().isAnyLocalAddress() ? java.net.InetAddress.getLoopbackAddress() : address().getAddress();
        try (java.net.Socket socket = new java.net.Socket(to, address().getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: " + config.host() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String status = answer.lines().findFirst().orElse("");
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IOException("the server's own GET /health answered '" + status + "', not HTTP/1.1 200");
            }
        }
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    private void route(String path, String method, boolean needsKey, Route route) {
        http.createContext(path, ex -> guarded(ex, needsKey, e -> {
            if (!e.getRequestURI().getPath().equals(path)) {
                Exchanges.error(e, 404, null, "no endpoint " + e.getRequestURI().getPath());
                return 404;
            }
            if (!e.getRequestMethod().equals(method)) {
                e.getResponseHeaders().set("Allow", method);
                Exchanges.error(e, 405, null, path + " answers " + method + ", not " + e.getRequestMethod());
                return 405;
            }
            return route.answer(e);
        }));
    }

    /** Checks the key, runs the route, turns every failure into a JSON error, records the status and time. */
    private void guarded(HttpExchange ex, boolean needsKey, Route route) {
        long t0 = System.nanoTime();
        int status;
        try {
            if (needsKey && !authorized(ex)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
                Exchanges.error(ex, 401, null, "a valid API key is required (header Authorization: Bearer KEY)");
                status = 401;
            } else {
                status = route.answer(ex);
            }
        } catch (BadRequestException e) {
            status = e.status();
            trySend(ex, status, e.param(), e.getMessage());
        } catch (IOException e) {
            status = CompletionEndpoint.CLIENT_CLOSED;
        } catch (RuntimeException | Error e) {
            status = 500;
            LOG.log(System.Logger.Level.ERROR, ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " failed", e);
            trySend(ex, 500, null, "internal error (the server log has the details)");
        } finally {
            ex.close();
        }
        String path = ex.getRequestURI().getPath();
        boolean isCompletion = path.equals("/v1/completions") || path.equals("/v1/chat/completions");
        metrics.request(status, isCompletion ? (System.nanoTime() - t0) / 1e9 : -1);
    }

    private static void trySend(HttpExchange ex, int status, String param, String message) {
        try {
            if (ex.getResponseCode() == -1) Exchanges.error(ex, status, param, message);
        } catch (IOException ignored) {
            // the client is gone; nothing else to tell it
        }
    }

    private boolean authorized(HttpExchange ex) {
        if (expectedAuthorization == null) return true;
        String given = ex.getRequestHeaders().getFirst("Authorization");
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expectedAuthorization);
    }

    private int models(HttpExchange ex) throws IOException {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", served.name());
        model.put("object", "model");
        model.put("created", 0L);
        model.put("owned_by", "moe4j");
        model.put("context_length", (long) served.contextLength());
        model.put("chat_template", served.hasChatTemplate());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("object", "list");
        m.put("data", List.of(model));
        Exchanges.json(ex, 200, m);
        return 200;
    }

    private int health(HttpExchange ex) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", "ok");
        m.put("model", served.name());
        m.put("active_sequences", (long) scheduler.activeSequences());
        m.put("queue_length", (long) scheduler.queueLength());
        m.put("kv_blocks", (long) scheduler.poolBlocks());
        m.put("kv_blocks_available", (long) scheduler.availableBlocks());
        Exchanges.json(ex, 200, m);
        return 200;
    }

    /** Stops listening, fails what is still running with 503, and stops the scheduler. */
    @Override
    public void close() {
        http.stop(0);
        scheduler.close();
        executor.shutdownNow();
    }
}
