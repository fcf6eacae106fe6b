package org.moe4j.cli;

import picocli.CommandLine;

/**
 * Turns the errors a user can cause (bad arguments, bad files, impossible configs) into one clear
 * line on standard error and exit code 2, instead of a stack trace. Set MOE4J_DEBUG=1 for the trace.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        if (System.getenv("MOE4J_DEBUG") != null) {
            ex.printStackTrace();
        }
        if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex instanceof IndexOutOfBoundsException || ex instanceof java.io.IOException
                || ex instanceof java.io.UncheckedIOException) {
            String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            cmd.getErr().println("moe4j " + cmd.getCommandName() + ": " + msg);
            return 2;
        }
        cmd.getErr().println("moe4j " + cmd.getCommandName() + ": internal error: " + ex
                + " (run with MOE4J_DEBUG=1 for the stack trace, and please report it)");
        return 70;
    }
}
