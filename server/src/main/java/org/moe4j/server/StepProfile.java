package org.moe4j.server;

import java.util.HashMap;
import java.util.Map;

/**
 * What the scheduler did during one load level, from the difference of two {@code GET /metrics}
 * scrapes taken before and after it: how many steps it ran, their mean wall time, sequences and
 * prompt tokens, and how long new requests waited for admission and for their first token. A
 * request's latency is about (steps it spans) x (mean step time) plus its wait: these figures say
 * which of the two a tail comes from.
 *
 * @param steps            scheduler steps run
 * @param stepSeconds      their summed wall time (forward pass and drawing)
 * @param sequences        sequences summed over the steps (rows that decode or read a prompt chunk)
 * @param promptTokens     prompt tokens computed (not reused from cached blocks)
 * @param admissions       requests admitted (resumptions after a preemption not counted)
 * @param queueWaitSeconds their summed wait from submission to admission
 * @param firstTokens      first tokens drawn
 * @param firstTokenSeconds their summed time from submission
 */
public record StepProfile(long steps, double stepSeconds, double sequences, double promptTokens, long admissions,
        double queueWaitSeconds, long firstTokens, double firstTokenSeconds) {

    /** Mean step wall time in milliseconds (NaN without steps). */
    public double meanStepMs() {
        return steps == 0 ? Double.NaN : 1e3 * stepSeconds / steps;
    }

    public double meanSequences() {
        return steps == 0 ? Double.NaN : sequences / steps;
    }

    public double promptTokensPerStep() {
        return steps == 0 ? Double.NaN : promptTokens / steps;
    }

    public double meanQueueWaitMs() {
        return admissions == 0 ? Double.NaN : 1e3 * queueWaitSeconds / admissions;
    }

    public double meanFirstTokenMs() {
        return firstTokens == 0 ? Double.NaN : 1e3 * firstTokenSeconds / firstTokens;
    }

    /** The counters between two scrapes ({@link #scrape}); null if either is null (a server without moe4j's metrics). */
    static StepProfile between(Map<String, Double> before, Map<String, Double> after) {
        if (before == null || after == null) return null;
        return new StepProfile(
                Math.round(delta(before, after, "moe4j_steps_total")),
                delta(before, after, "moe4j_step_duration_seconds_sum"),
                delta(before, after, "moe4j_batch_size_sum"),
                delta(before, after, "moe4j_step_prompt_tokens_sum"),
                Math.round(delta(before, after, "moe4j_queue_wait_seconds_count")),
                delta(before, after, "moe4j_queue_wait_seconds_sum"),
                Math.round(delta(before, after, "moe4j_time_to_first_token_seconds_count")),
                delta(before, after, "moe4j_time_to_first_token_seconds_sum"));
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        Double a = after.get(name);
        Double b = before.get(name);
        if (a == null || b == null) throw new IllegalArgumentException("the server's /metrics has no " + name);
        return a - b;
    }

    /**
     * The unlabelled samples of a Prometheus text page ({@code name value} lines); null if the page
     * has none of moe4j's step counters (another server).
     */
    static Map<String, Double> scrape(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.indexOf('{') >= 0) continue;
            int space = line.lastIndexOf(' ');
            if (space <= 0) continue;
            try {
                out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            } catch (NumberFormatException e) {
                // not a sample line: skipped, as Prometheus would refuse the page rather than guess
            }
        }
        return out.containsKey("moe4j_steps_total") && out.containsKey("moe4j_step_duration_seconds_sum") ? out : null;
    }
}
