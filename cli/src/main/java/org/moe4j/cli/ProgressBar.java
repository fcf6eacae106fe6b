package org.moe4j.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on standard error: bar, percentage, count, rate, ETA and whatever
 * metrics the caller passes (loss, accuracy, expert balance). On a terminal it redraws in place
 * at most ten times a second; in a log (not a terminal) it prints a line every 10%.
 */
public final class ProgressBar {
    private static final int WIDTH = 24;

    private final String label;
    private final long total;
    private final PrintStream out;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long lastDrawNanos;
    private int lastDecile = -1;

    public ProgressBar(String label, long total) {
        this(label, total, System.err, System.console() != null && System.console().isTerminal());
    }

    ProgressBar(String label, long total, PrintStream out, boolean terminal) {
        if (total < 1) {
            throw new IllegalArgumentException("progress bar total is " + total + ", must be >= 1");
        }
        this.label = label;
        this.total = total;
        this.out = out;
        this.terminal = terminal;
    }

    /** Reports that {@code done} of the total units are complete, with extra text such as "loss 0.231". */
    public void update(long done, String metrics) {
        long now = System.nanoTime();
        boolean finished = done >= total;
        if (terminal) {
            if (!finished && now - lastDrawNanos < 100_000_000L) return;
            lastDrawNanos = now;
            out.print("\r" + line(done, metrics, now) + "\u001b[K");
            if (finished) out.println();
        } else {
            int decile = (int) Math.min(10, done * 10 / total);
            if (decile == lastDecile) return;
            lastDecile = decile;
            out.println(line(done, metrics, now));
        }
        out.flush();
    }

    String line(long done, String metrics, long now) {
        double fraction = Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        StringBuilder bar = new StringBuilder(WIDTH);
        for (int i = 0; i < WIDTH; i++) bar.append(i < filled ? '#' : '.');
        double elapsed = (now - startNanos) / 1e9;
        double rate = elapsed > 0 ? done / elapsed : 0;
        String eta = done > 0 && done < total ? formatDuration((total - done) / rate) : done >= total ? "done" : "--:--";
        return String.format(Locale.ROOT, "%s [%s] %3d%% %d/%d %.1f/s ETA %s%s", label, bar, Math.round(fraction * 100),
                done, total, rate, eta, metrics == null || metrics.isEmpty() ? "" : " | " + metrics);
    }

    static String formatDuration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
