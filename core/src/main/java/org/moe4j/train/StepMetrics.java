package org.moe4j.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.io.JsonFields;
import org.moe4j.io.JsonRecords;
import org.moe4j.moe.MoeDiagnostics;
import org.moe4j.moe.hierarchical.HierarchicalMoeLayer;
import org.moe4j.nn.RoutingDiagnostics;

/**
 * One step of language-model training as the loop reports it (to the caller's progress) and
 * writes it (one line of metrics.jsonl). The line is this record in snake_case, in this order:
 * {@code step, loss, lm_loss, grad_norm, lr, tokens_per_second, elapsed_seconds}, then
 * {@code aux} when the model has auxiliary losses, {@code layers} when some feed-forward block has
 * experts ({@code {}} for a block without), and {@code val_loss} on the steps that validated.
 *
 * @param step            optimizer steps taken, this one included
 * @param loss            the optimised loss: language-model loss plus the weighted auxiliary losses
 * @param lmLoss          the language-model (cross-entropy) loss, nats per token
 * @param gradNorm        global gradient norm before clipping
 * @param lr              the learning rate of this step (peak times the schedule's factor)
 * @param tokensPerSecond training tokens of this step over its wall time
 * @param elapsedSeconds  wall time since the loop started
 * @param aux             each auxiliary loss by name, summed over the layers that add it (empty if none)
 * @param layers          each feed-forward block's routing diagnostics, null for a block without experts
 *                        (empty when no block has experts)
 * @param valLoss         validation loss, NaN on the steps that did not validate
 */
public record StepMetrics(long step, double loss, double lmLoss, double gradNorm, double lr, double tokensPerSecond,
                          double elapsedSeconds, Map<String, Double> aux, List<RoutingDiagnostics> layers, double valLoss) {
    public StepMetrics {
        if (step < 1) throw new IllegalArgumentException("StepMetrics: step is " + step + ", must be >= 1");
        aux = Collections.unmodifiableMap(new LinkedHashMap<>(aux));
        layers = Collections.unmodifiableList(new ArrayList<>(layers));
    }

    /** Whether this step validated. */
    public boolean validated() {
        return !Double.isNaN(valLoss);
    }

    /** The mean of {@code loadCv} over the blocks with experts; NaN when there are none. */
    public double meanLoadCv() {
        double sum = 0;
        int n = 0;
        for (RoutingDiagnostics d : layers) {
            if (d != null) {
                sum += d.loadCv();
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** The metrics.jsonl object of this step (keys and order in the class comment). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        m.put("loss", loss);
        m.put("lm_loss", lmLoss);
        m.put("grad_norm", gradNorm);
        m.put("lr", lr);
        m.put("tokens_per_second", tokensPerSecond);
        m.put("elapsed_seconds", elapsedSeconds);
        if (!aux.isEmpty()) m.put("aux", new LinkedHashMap<String, Object>(aux));
        if (layers.stream().anyMatch(d -> d != null)) {
            List<Object> out = new ArrayList<>();
            for (RoutingDiagnostics d : layers) out.add(d == null ? new LinkedHashMap<>() : JsonRecords.toJson((Record) d));
            m.put("layers", out);
        }
        if (validated()) m.put("val_loss", valLoss);
        return m;
    }

    /**
     * A step from its metrics.jsonl object: a layer with {@code routed_per_expert} is a MoE layer's
     * {@link MoeDiagnostics}, one with only tokens per expert and load CV a hierarchical layer's, {@code {}} none.
     */
    public static StepMetrics fromJson(Map<?, ?> m, String where) {
        Map<String, Double> aux = new LinkedHashMap<>();
        if (m.get("aux") instanceof Map<?, ?> a) {
            for (var e : a.entrySet()) aux.put((String) e.getKey(), JsonFields.number(a, (String) e.getKey(), where + ".aux"));
        }
        List<RoutingDiagnostics> layers = new ArrayList<>();
        if (m.get("layers") != null) {
            List<?> list = list(m, "layers", where);
            for (int l = 0; l < list.size(); l++) {
                String at = where + ".layers[" + l + "]";
                if (!(list.get(l) instanceof Map<?, ?> layer)) throw new IllegalArgumentException(at + " must be an object");
                layers.add(layer(layer, at));
            }
        }
        return new StepMetrics(JsonFields.longValue(m, "step", where), JsonFields.number(m, "loss", where),
                JsonFields.number(m, "lm_loss", where), JsonFields.number(m, "grad_norm", where), JsonFields.number(m, "lr", where),
                JsonFields.number(m, "tokens_per_second", where), JsonFields.number(m, "elapsed_seconds", where), aux, layers,
                m.containsKey("val_loss") ? JsonFields.number(m, "val_loss", where) : Double.NaN);
    }

    private static RoutingDiagnostics layer(Map<?, ?> m, String where) {
        if (m.isEmpty()) return null;
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("tokens_per_expert", counts(m, "tokens_per_expert", where));
        if (m.containsKey("routed_per_expert")) {
            counts.put("routed_per_expert", counts(m, "routed_per_expert", where));
            return JsonRecords.fromJson(MoeDiagnostics.class, m, where, counts);
        }
        return JsonRecords.fromJson(HierarchicalMoeLayer.ExpertLoad.class, m, where, counts);
    }

    private static int[] counts(Map<?, ?> m, String key, String where) {
        List<?> list = list(m, key, where);
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long v)) throw new IllegalArgumentException(where + "." + key + "[" + i + "] must be an integer");
            out[i] = Math.toIntExact(v);
        }
        return out;
    }

    private static List<?> list(Map<?, ?> m, String key, String where) {
        if (JsonFields.field(m, key, where) instanceof List<?> l) return l;
        throw new IllegalArgumentException(where + ": field \"" + key + "\" must be a list");
    }
}
