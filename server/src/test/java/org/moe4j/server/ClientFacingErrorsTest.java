package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.moe4j.io.Json;
import org.moe4j.text.ByteTokenizer;
import org.moe4j.text.Tokenizer;

/**
 * What a client is told when things go wrong: a body over the limit gets its 413 as JSON before
 * the connection closes (declared, undeclared and streamed bodies), and a failure inside the
 * server reaches the client as a plain sentence while the log keeps the exception.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientFacingErrorsTest {
    private static final int LIMIT = 1 << 16;

    @Test
    void aBodyOverTheLimitSentInFullGetsA413JsonBeforeTheConnectionCloses() throws Exception {
        try (CompletionServer server = CompletionServer.start(TinyModel.served(64),
                ServerConfig.defaults().withPort(0).withLimits(LIMIT, 4, 4, 16))) {
            byte[] body = TestClient.greedy("x".repeat(2 << 20), 2, "").getBytes(StandardCharsets.UTF_8);
            try (Socket socket = new Socket("127.0.0.1", server.address().getPort())) {
                socket.setSoTimeout(20_000);
                OutputStream out = socket.getOutputStream();
                // the whole body goes out from another thread, as a client that does not wait for 100-continue sends it
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                    try {
                        out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.write(body);
                        out.flush();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
                assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), answer);
                Map<?, ?> error = (Map<?, ?>) ((Map<?, ?>) Json.parse(answer.substring(answer.indexOf("\r\n\r\n") + 4))).get("error");
                assertEquals("the body has " + body.length + " bytes, the limit is " + LIMIT, error.get("message"));
                assertEquals("invalid_request_error", error.get("type"));
                sending.get(20, TimeUnit.SECONDS);
            }
            TestClient client = new TestClient(server.baseUri());
            // the JDK client sends a body of unknown length chunked: no Content-Length to refuse early
            HttpRequest chunked = client.builder("/v1/completions").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
            TestClient.Response r = client.send(chunked);
            assertEquals(413, r.status(), r.body());
            assertEquals("the body has more than " + LIMIT + " bytes, the limit", ((Map<?, ?>) r.json().get("error")).get("message"));
            assertEquals(413, client.post("/v1/completions", new String(body, StandardCharsets.UTF_8)).status());
            assertEquals(200, client.post("/v1/completions", TestClient.greedy("after", 2, "")).status(), "still serving");
        }
    }

    @Test
    void aFailureInsideTheServerIsASentenceForTheClientAndTheExceptionGoesToTheLog() throws Exception {
        // a tokenizer that maps 'z' to an id the model does not have: the model step throws
        ByteTokenizer bytes = new ByteTokenizer();
        Tokenizer broken = new DelegatingTokenizer(bytes) {
            @Override
            public int[] encode(String text) {
                int[] ids = bytes.encode(text);
                for (int i = 0; i < ids.length; i++) if (ids[i] == 'z') ids[i] = 1_000_000;
                return ids;
            }
        };
        ServedModel tiny = TinyModel.served(64);
        ServedModel served = new ServedModel("tiny", tiny.model(), broken, 64, java.util.Set.of(), () -> {});
        List<LogRecord> logged = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (logged) {
                    logged.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger log = Logger.getLogger(BatchScheduler.class.getName());
        log.addHandler(capture);
        try (CompletionServer server = CompletionServer.start(served, ServerConfig.defaults().withPort(0).withLimits(LIMIT, 4, 4, 16))) {
            TestClient client = new TestClient(server.baseUri());
            for (String stream : List.of("false", "true")) {
                TestClient.Response r = client.post("/v1/completions", TestClient.greedy("buzz", 3, "\"stream\":" + stream));
                String body = r.body();
                if (stream.equals("false")) {
                    assertEquals(500, r.status(), body);
                    assertEquals("server_error", ((Map<?, ?>) r.json().get("error")).get("type"));
                }
                assertTrue(body.contains("the model step failed (the server log has the details)"), body);
                assertFalse(body.contains("Exception"), body);
                assertFalse(body.contains("1000000"), "the detail stays in the log: " + body);
            }
            assertEquals(200, client.post("/v1/completions", TestClient.greedy("fine", 3, "")).status(), "the others are served");
        } finally {
            log.removeHandler(capture);
        }
        synchronized (logged) {
            assertEquals(2, logged.size());
            assertInstanceOf(IllegalArgumentException.class, logged.getFirst().getThrown());
            assertTrue(logged.getFirst().getThrown().getMessage().contains("token id 1000000"), logged.getFirst().getThrown().getMessage());
        }
    }

    /** Passes every call to another tokenizer; tests override what they break. */
    static class DelegatingTokenizer implements Tokenizer {
        private final Tokenizer inner;

        DelegatingTokenizer(Tokenizer inner) {
            this.inner = inner;
        }

        @Override
        public int[] encode(String text) {
            return inner.encode(text);
        }

        @Override
        public String decode(int[] ids) {
            return inner.decode(ids);
        }

        @Override
        public byte[] decodeBytes(int[] ids) {
            return inner.decodeBytes(ids);
        }

        @Override
        public int vocabSize() {
            return inner.vocabSize();
        }

        @Override
        public String kind() {
            return inner.kind();
        }

        @Override
        public int specialTokenId(String name) {
            return inner.specialTokenId(name);
        }

        @Override
        public Map<String, Object> toJson() {
            return inner.toJson();
        }
    }
}
