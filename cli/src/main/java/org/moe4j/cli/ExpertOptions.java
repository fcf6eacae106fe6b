package org.moe4j.cli;

import java.io.PrintStream;
import java.util.Locale;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ExpertResidency;
import picocli.CommandLine.Option;

/**
 * Expert offload options ({@link ExpertResidency}): how many of each MoE layer's experts to keep in
 * RAM, by count or by memory, the rest read from the mapped file; and the per-layer hit rates.
 */
final class ExpertOptions {
    @Option(names = "--experts-in-ram", paramLabel = "N",
            description = "Keep the N most used experts of each MoE layer in RAM and read the others from the file.")
    Integer expertsInRam;

    @Option(names = "--memory", paramLabel = "GiB",
            description = "Keep as many of the most used experts in RAM as GiB of copies hold (split evenly over the MoE layers).")
    Double memoryGib;

    @Option(names = "--stats", description = "Print each MoE layer's expert hit rate (routed experts found in RAM) at the end.")
    boolean stats;

    /** Whether any of these options was given. */
    boolean inUse() {
        return expertsInRam != null || memoryGib != null || stats;
    }

    /** Refuses options that contradict each other or are out of range, before anything is loaded. */
    void check() {
        if (expertsInRam != null && memoryGib != null) {
            throw new IllegalArgumentException("give --experts-in-ram or --memory, not both");
        }
        if (memoryGib != null && !(memoryGib >= 0)) throw new IllegalArgumentException("--memory is " + memoryGib + ", must be >= 0");
    }

    /** The residency the options ask for, or null. */
    ExpertResidency apply(DecoderModel model) {
        check();
        if (memoryGib != null) {
            return model.keepExpertsWithin((long) (memoryGib * (1L << 30)));
        }
        return expertsInRam == null ? null : model.keepExpertsInRam(expertsInRam);
    }

    /** With --stats: one line per MoE layer on {@code err}, and the bytes kept. */
    void report(ExpertResidency r, PrintStream err) {
        if (!stats || r == null) return;
        long lookups = 0, hits = 0;
        for (ExpertResidency.LayerStats s : r.stats()) {
            err.printf(Locale.ROOT, "layer %d: %d experts in RAM, %d of %d routed experts found there (%.1f%%)%n", s.layer(), s.resident(),
                    s.hits(), s.lookups(), 100 * s.hitRate());
            lookups += s.lookups();
            hits += s.hits();
        }
        err.printf(Locale.ROOT, "experts in RAM: %.2f GiB; hit rate %.1f%% over all layers%n", r.residentBytes() / (double) (1L << 30),
                lookups == 0 ? 0 : 100.0 * hits / lookups);
    }
}
