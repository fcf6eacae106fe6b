package org.moe4j.server;

/** What the scheduler tells the HTTP side of one request, in order: text pieces, then an end. */
sealed interface CompletionEvent {
    /** New text of the completion. */
    record Text(String delta) implements CompletionEvent {}

    /** The completion ended: "stop" (a stop string) or "length" (max_tokens or the context). */
    record Finished(String finishReason, int promptTokens, int completionTokens) implements CompletionEvent {}

    /** The server could not finish the request (status and message for the client). */
    record Failed(int status, String message) implements CompletionEvent {}
}
