package org.moe4j.server;

/**
 * A request the server refuses, answered as a JSON error naming the offending field
 * ({@code param}, null when the request as a whole is wrong) with an HTTP status (400 by default).
 */
public final class BadRequestException extends RuntimeException {
    private final int status;
    private final String param;

    public BadRequestException(String param, String message) {
        this(400, param, message);
    }

    public BadRequestException(int status, String param, String message) {
        super(message);
        this.status = status;
        this.param = param;
    }

    public int status() {
        return status;
    }

    /** The request field at fault, or null. */
    public String param() {
        return param;
    }
}
