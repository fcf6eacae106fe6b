package org.moe4j.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.moe4j.io.Json;

/** Reading bodies and writing JSON or text answers on a {@link HttpExchange}. */
final class Exchanges {
    private Exchanges() {}

    /**
     * The request body, refused with 413 when longer than {@code limit} bytes (declared or actual).
     * The refusal is sent before the body is read further, with {@code Connection: close}; then the
     * rest of the body is read and dropped (at most {@link #DRAIN_LIMIT} bytes) before the
     * connection closes. Closing a socket with unread bytes in its receive buffer makes TCP answer
     * with a reset, and a reset can destroy the 413 in the client's buffer before it is read: the
     * client would see "connection reset" instead of the JSON error (the "lingering close" of web
     * servers).
     */
    static byte[] body(HttpExchange ex, int limit) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        try (InputStream in = ex.getRequestBody()) {
            if (declared != null) {
                long length;
                try {
                    length = Long.parseLong(declared.trim());
                } catch (NumberFormatException e) {
                    throw new BadRequestException(null, "Content-Length is not a number: " + Json.quoteForMessage(declared));
                }
                if (length > limit) refuseTooLarge(ex, in, "the body has " + length + " bytes, the limit is " + limit);
            }
            byte[] b = in.readNBytes(limit + 1);
            if (b.length > limit) refuseTooLarge(ex, in, "the body has more than " + limit + " bytes, the limit");
            return b;
        }
    }

    /** Most bytes of a refused body read and dropped so the 413 reaches the client; beyond, the connection is just closed. */
    static final long DRAIN_LIMIT = 64L << 20;

    private static void refuseTooLarge(HttpExchange ex, InputStream in, String message) throws IOException {
        byte[] b = (Json.write(errorBody(413, null, message)) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Connection", "close");
        ex.sendResponseHeaders(413, b.length);
        // the answer is flushed now, but the stream stays open while the body is read: closing it
        // would drain only 64 KiB (the JDK's sun.net.httpserver.drainAmount) and then close the socket
        OutputStream out = ex.getResponseBody();
        out.write(b);
        out.flush();
        byte[] sink = new byte[1 << 16];
        long drained = 0;
        for (int n; drained < DRAIN_LIMIT && (n = in.read(sink)) > 0; ) drained += n;
        out.close();
        throw new BadRequestException(413, null, message);
    }

    static void json(HttpExchange ex, int status, Object value) throws IOException {
        send(ex, status, "application/json", Json.write(value) + "\n");
    }

    static void text(HttpExchange ex, int status, String contentType, String text) throws IOException {
        send(ex, status, contentType, text);
    }

    /** An OpenAI-style error body: {"error": {"message", "type", "param", "code"}}. */
    static void error(HttpExchange ex, int status, String param, String message) throws IOException {
        json(ex, status, errorBody(status, param, message));
    }

    static Map<String, Object> errorBody(int status, String param, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", message);
        e.put("type", status >= 500 ? "server_error" : status == 401 ? "authentication_error"
                : status == 429 ? "rate_limit_error" : status == 404 ? "not_found_error" : "invalid_request_error");
        e.put("param", param);
        e.put("code", null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", e);
        return m;
    }

    private static void send(HttpExchange ex, int status, String contentType, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        }
    }
}
