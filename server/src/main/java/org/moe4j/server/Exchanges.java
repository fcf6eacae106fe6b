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

    /** The request body, refused with 413 when longer than {@code limit} bytes (declared or actual). */
    static byte[] body(HttpExchange ex, int limit) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                throw new BadRequestException(null, "Content-Length is not a number: " + Json.quoteForMessage(declared));
            }
            if (length > limit) throw new BadRequestException(413, null, "the body has " + length + " bytes, the limit is " + limit);
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(limit + 1);
            if (b.length > limit) throw new BadRequestException(413, null, "the body has more than " + limit + " bytes, the limit");
            return b;
        }
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
