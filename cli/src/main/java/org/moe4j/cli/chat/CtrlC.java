package org.moe4j.cli.chat;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C in a chat: while an answer is being generated it stops the answer (the chat goes on); at the
 * prompt the first one prints a hint and a second one leaves. The JVM's own SIGINT handler (exit at
 * once) is set aside while the chat runs and put back by {@link #close}.
 *
 * <p>The handler runs on a thread of the JVM's; the main thread is blocked reading standard input
 * or generating, so the chat polls {@link #stopRequested} between tokens, and leaving exits the JVM
 * from the handler (a blocked read cannot be woken).
 */
final class CtrlC implements AutoCloseable {
    /** The exit status after Ctrl-C at the prompt: 128 + SIGINT, as shells report an interrupted command. */
    static final int EXIT_STATUS = 130;

    private static final Signal INT = new Signal("INT");

    private final AtomicBoolean stop = new AtomicBoolean();
    private final Runnable hint;
    private final Runnable leave;
    private final SignalHandler previous;
    private volatile boolean answering;
    private volatile boolean armed;

    /**
     * @param hint  prints what a second Ctrl-C does (called at the prompt)
     * @param leave ends the chat (called for the second Ctrl-C at the prompt)
     */
    CtrlC(Runnable hint, Runnable leave) {
        this.hint = hint;
        this.leave = leave;
        SignalHandler old;
        try {
            old = Signal.handle(INT, s -> pressed());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            old = null;   // SIGINT is the VM's (-Xrs) or unknown here: Ctrl-C keeps its default, leaving at once
        }
        previous = old;
    }

    /** Ctrl-C pressed: what it means depends on whether an answer is being generated. */
    void pressed() {
        if (answering) {
            stop.set(true);
        } else if (armed) {
            leave.run();
        } else {
            armed = true;
            hint.run();
        }
    }

    /** An answer begins: Ctrl-C now stops it. */
    void answerBegins() {
        stop.set(false);
        armed = false;
        answering = true;
    }

    void answerEnds() {
        answering = false;
    }

    /** A line was typed: the next Ctrl-C at the prompt gives the hint again. */
    void typed() {
        armed = false;
    }

    boolean stopRequested() {
        return stop.get();
    }

    @Override
    public void close() {
        if (previous != null) Signal.handle(INT, previous);
    }
}
