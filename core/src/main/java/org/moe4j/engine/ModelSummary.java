package org.moe4j.engine;

import java.util.Map;
import java.util.TreeMap;
import org.moe4j.engine.ModelConfig.Moe;
import org.moe4j.io.ModelFolder;
import org.moe4j.io.TensorInfo;

/**
 * What {@code moe4j inspect MODEL_DIR} prints: the architecture, sizes, parameters in total and
 * active per token (all parameters but the experts a token does not use, the usual count for MoE
 * models), and the bytes of the weights by dtype.
 */
public record ModelSummary(ModelConfig config, long totalParameters, long activeParameters, Map<String, Long> bytesByDtype,
        int moeLayers) {

    public static ModelSummary of(HfModel model) {
        ModelFolder folder = model.folder();
        long total = 0;
        Map<String, Long> bytes = new TreeMap<>();
        for (String name : folder.tensorNames()) {
            TensorInfo t = folder.info(name);
            total += t.elementCount();
            bytes.merge(t.dtype().name(), t.byteSize(), Long::sum);
        }
        return of(model.config(), total, bytes);
    }

    /** The summary of a model of {@code totalParameters} stored in {@code bytesByType} (type name to bytes). */
    public static ModelSummary of(ModelConfig c, long total, Map<String, Long> bytesByType) {
        Map<String, Long> bytes = new TreeMap<>(bytesByType);
        long inactive = 0;
        int moeLayers = 0;
        for (ModelConfig.LayerSpec l : c.layers()) {
            if (l.feedForward() instanceof Moe m) {
                moeLayers++;
                long perExpert = 3L * m.expertSize() * c.hiddenSize() + (m.expertBias() ? 2L * m.expertSize() + c.hiddenSize() : 0);
                inactive += (long) (m.numExperts() - m.topK()) * perExpert;
            }
        }
        return new ModelSummary(c, total, total - inactive, bytes, moeLayers);
    }

    /** A few lines for a terminal. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        ModelConfig c = config;
        ModelConfig.AttentionSpec a = c.attention();
        sb.append(String.format("architecture   %s%n", c.architecture()));
        sb.append(String.format("layers         %d (%d with experts), width %d, vocabulary %,d%n", c.numLayers(), moeLayers, c.hiddenSize(),
                c.vocabSize()));
        sb.append(String.format("attention      %s, %d heads, %d key/value heads, head size %d%s%s%n", a.kind(), a.heads(), a.kvHeads(),
                a.headDim(), a.sinks() ? ", sinks" : "", a.qkNorm() != ModelConfig.QkNorm.NONE ? ", q/k norm " + a.qkNorm() : ""));
        c.layers().stream().map(ModelConfig.LayerSpec::feedForward).filter(f -> f instanceof Moe).findFirst().ifPresent(f -> {
            Moe m = (Moe) f;
            sb.append(String.format("experts        %d per layer, top-%d, expert size %d, routing %s%s%n", m.numExperts(), m.topK(),
                    m.expertSize(), m.routing().rule(), m.sharedSize() > 0 ? ", shared expert size " + m.sharedSize() : ""));
        });
        sb.append(String.format("parameters     %,d in total, %,d active per token (%.1f%%)%n", totalParameters, activeParameters,
                100.0 * activeParameters / Math.max(1, totalParameters)));
        bytesByDtype.forEach((k, v) -> sb.append(String.format("weights        %s: %,d bytes%n", k, v)));
        return sb.toString();
    }
}
