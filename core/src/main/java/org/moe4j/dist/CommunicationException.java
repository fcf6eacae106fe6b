package org.moe4j.dist;

/**
 * A collective that could not complete: a peer failed or timed out, the MPI library is missing,
 * of the wrong kind or returned an error. The message says which rank, which call and why.
 */
public class CommunicationException extends RuntimeException {
    public CommunicationException(String message) {
        super(message);
    }

    public CommunicationException(String message, Throwable cause) {
        super(message, cause);
    }
}
