package org.moe4j.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The web chat at {@code /}: three plain files (HTML, JavaScript, CSS) served from the class path
 * as they are, no build step. The page talks to the same API as every client, so it needs the API
 * key when the server has one (it asks for it); the files themselves are public.
 */
final class WebPage {
    private record Asset(String contentType, byte[] bytes) {}

    private static final Map<String, Asset> ASSETS = Map.of(
            "/", load("index.html", "text/html; charset=utf-8"),
            "/chat.js", load("chat.js", "text/javascript; charset=utf-8"),
            "/chat.css", load("chat.css", "text/css; charset=utf-8"));

    private WebPage() {}

    private static Asset load(String name, String contentType) {
        try (InputStream in = WebPage.class.getResourceAsStream("web/" + name)) {
            if (in == null) throw new IllegalStateException("the web chat's " + name + " is missing from the class path");
            return new Asset(contentType, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code path} is one of the page's files. */
    static boolean serves(String path) {
        return ASSETS.containsKey(path);
    }

    /** Sends the file of the request's path (GET or HEAD); returns the status sent. */
    static int answer(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            Exchanges.error(ex, 405, null, ex.getRequestURI().getPath() + " answers GET, not " + method);
            return 405;
        }
        Asset a = ASSETS.get(ex.getRequestURI().getPath());
        ex.getResponseHeaders().set("Content-Type", a.contentType());
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        if (method.equals("HEAD")) {
            ex.sendResponseHeaders(200, -1);
            return 200;
        }
        ex.sendResponseHeaders(200, a.bytes().length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(a.bytes());
        }
        return 200;
    }
}
