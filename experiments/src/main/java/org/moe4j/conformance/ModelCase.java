package org.moe4j.conformance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.engine.DecoderModel;
import org.moe4j.engine.ForwardObserver;
import org.moe4j.engine.HfModel;
import org.moe4j.engine.Sequence;
import org.moe4j.io.DType;
import org.moe4j.io.Json;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.SafeTensorsWriter;
import org.moe4j.tensor.Tensor;

/**
 * A whole-model conformance case: a Hugging Face model folder with {@code expected.safetensors}
 * (input_ids, logits, hidden states, router logits and choices, loss, greedy ids from transformers)
 * and {@code case.json} (tolerances). {@link #run} reproduces every expected tensor with moe4j's
 * engine under the same names; {@link #check} compares them as the case's README prescribes.
 */
public final class ModelCase {
    private ModelCase() {}

    /** What a run produced: float tensors and integer tensors by name. */
    public record Result(Map<String, Tensor> floats, Map<String, long[]> integers, Map<String, int[]> integerShapes) {
        public void write(Path file) throws IOException {
            SafeTensorsWriter w = new SafeTensorsWriter();
            floats.forEach((k, v) -> w.add(k, v, DType.F32));
            integers.forEach((k, v) -> w.addLongs(k, v, integerShapes.get(k)));
            w.write(file);
        }
    }

    /** Runs the case's inputs through the model in {@code dir}. */
    public static Result run(Path dir) throws IOException {
        try (HfModel hf = HfModel.load(dir)) {
            return run(hf.model(), dir);
        }
    }

    /** Runs the inputs of the case in {@code dir} through {@code model} (the case's model in another form, e.g. a GGUF file). */
    public static Result run(DecoderModel model, Path dir) throws IOException {
        try (SafeTensorsFile expected = SafeTensorsFile.open(dir.resolve("expected.safetensors"))) {
            int[] shape = expected.info("input_ids").intShape();
            int B = shape[0];
            int S = shape[1];
            long[] input = expected.longs("input_ids");
            int V = model.config().vocabSize();
            int H = model.config().hiddenSize();
            int G = expected.contains("greedy_ids") ? expected.info("greedy_ids").intShape()[1] - S : 0;
            Map<String, Tensor> floats = new LinkedHashMap<>();
            Map<String, long[]> ints = new LinkedHashMap<>();
            Map<String, int[]> intShapes = new LinkedHashMap<>();
            float[] logits = new float[B * S * V];
            float[] hiddenLast = new float[B * S * H];
            float[] hiddenNormed = new float[B * S * H];
            Map<Integer, float[]> routerLogits = new LinkedHashMap<>();
            Map<Integer, int[]> chosen = new LinkedHashMap<>();
            Map<Integer, float[]> weights = new LinkedHashMap<>();
            Map<Integer, int[]> dims = new LinkedHashMap<>();
            long[] greedy = new long[B * (S + G)];
            double lossSum = 0;
            for (int b = 0; b < B; b++) {
                int row = b * S;
                int[] prompt = new int[S];
                for (int i = 0; i < S; i++) prompt[i] = (int) input[b * S + i];
                ForwardObserver capture = new ForwardObserver() {
                    @Override
                    public void routerLogits(int layer, float[] l, int T, int E) {
                        float[] all = routerLogits.computeIfAbsent(layer, k -> new float[B * S * E]);
                        System.arraycopy(l, 0, all, row * E, T * E);
                    }

                    @Override
                    public void routing(int layer, int[] experts, float[] w, int T, int k) {
                        int[] idx = chosen.computeIfAbsent(layer, x -> new int[B * S * k]);
                        float[] wt = weights.computeIfAbsent(layer, x -> new float[B * S * k]);
                        dims.put(layer, new int[] {k});
                        for (int t = 0; t < T; t++) {
                            Integer[] order = new Integer[k];
                            for (int j = 0; j < k; j++) order[j] = j;
                            final int tt = t;
                            Arrays.sort(order, (x, y) -> Integer.compare(experts[tt * k + x], experts[tt * k + y]));
                            for (int j = 0; j < k; j++) {
                                idx[(row + t) * k + j] = experts[t * k + order[j]];
                                wt[(row + t) * k + j] = w[t * k + order[j]];
                            }
                        }
                    }

                    @Override
                    public void hiddenLast(float[] h, int T, int width) {
                        System.arraycopy(h, 0, hiddenLast, row * H, T * H);
                    }

                    @Override
                    public void hiddenNormed(float[] h, int T, int width) {
                        System.arraycopy(h, 0, hiddenNormed, row * H, T * H);
                    }
                };
                Sequence seq = model.newSequence(S + Math.max(G, 1));
                float[] out = model.forward(List.of(seq), List.of(prompt), true, capture);
                System.arraycopy(out, 0, logits, row * V, S * V);
                for (int t = 0; t + 1 < S; t++) lossSum += DecoderModel.negativeLogLikelihood(out, t * V, V, prompt[t + 1]);
                for (int i = 0; i < S; i++) greedy[b * (S + G) + i] = prompt[i];
                float[] last = Arrays.copyOfRange(out, (S - 1) * V, S * V);
                for (int g = 0; g < G; g++) {
                    int next = argmax(last, V);
                    greedy[b * (S + G) + S + g] = next;
                    if (g + 1 < G) last = model.forward(List.of(seq), List.of(new int[] {next}), false, ForwardObserver.NONE);
                }
            }
            floats.put("logits", Tensor.of(logits, B, S, V));
            floats.put("hidden_last", Tensor.of(hiddenLast, B, S, H));
            floats.put("hidden_normed", Tensor.of(hiddenNormed, B, S, H));
            floats.put("loss", Tensor.of(new float[] {(float) (lossSum / (B * (S - 1)))}));
            for (var e : routerLogits.entrySet()) {
                int E = e.getValue().length / (B * S);
                floats.put("router_logits." + e.getKey(), Tensor.of(e.getValue(), B * S, E));
            }
            for (var e : chosen.entrySet()) {
                int k = dims.get(e.getKey())[0];
                long[] v = Arrays.stream(e.getValue()).asLongStream().toArray();
                ints.put("expert_idx." + e.getKey(), v);
                intShapes.put("expert_idx." + e.getKey(), new int[] {B * S, k});
                floats.put("expert_weight." + e.getKey(), Tensor.of(weights.get(e.getKey()), B * S, k));
            }
            ints.put("input_ids", input);
            intShapes.put("input_ids", new int[] {B, S});
            if (G > 0) {
                ints.put("greedy_ids", greedy);
                intShapes.put("greedy_ids", new int[] {B, S + G});
            }
            return new Result(floats, ints, intShapes);
        }
    }

    private static int argmax(float[] x, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[i] > x[best]) best = i;
        }
        return best;
    }

    /** One expected tensor's comparison with the case's tolerance for its kind. */
    public record Line(String name, boolean pass, double maxAbsError, double atol, String detail) {}

    /** The failing lines, one per line of text with its error, tolerance and detail; empty when all pass. */
    public static String failures(List<Line> lines) {
        StringBuilder out = new StringBuilder();
        for (Line l : lines) {
            if (!l.pass()) {
                out.append("\n  ").append(l.name()).append(": max error ").append(l.maxAbsError()).append(" (atol ")
                        .append(l.atol()).append("), ").append(l.detail());
            }
        }
        return out.toString();
    }

    /** Compares a result with the case's expected tensors it names; tensors the result lacks are skipped. */
    public static List<Line> check(Path dir, Result r) throws IOException {
        Map<?, ?> tol = tolerances(dir);
        List<Line> lines = new ArrayList<>();
        try (SafeTensorsFile expected = SafeTensorsFile.open(dir.resolve("expected.safetensors"))) {
            for (String name : expected.names()) {
                if (r.floats().containsKey(name)) {
                    double[] at = tolerance(tol, name);
                    lines.add(compare(name, expected.floats(name).toArray(), r.floats().get(name).toArray(), at[0], at[1]));
                } else if (r.integers().containsKey(name)) {
                    boolean same = Arrays.equals(expected.longs(name), r.integers().get(name));
                    lines.add(new Line(name, same, same ? 0 : Double.NaN, 0, same ? "exact" : firstDifference(expected.longs(name), r.integers().get(name))));
                }
            }
        }
        return lines;
    }

    private static String firstDifference(long[] want, long[] got) {
        if (want.length != got.length) return "length " + got.length + ", expected " + want.length;
        for (int i = 0; i < want.length; i++) {
            if (want[i] != got[i]) return "element " + i + ": " + got[i] + " vs " + want[i];
        }
        return "exact";
    }

    private static Map<?, ?> tolerances(Path dir) throws IOException {
        Path caseJson = dir.resolve("case.json");
        if (!Files.isRegularFile(caseJson)) return Map.of();
        Object o = ((Map<?, ?>) Json.parse(Files.readString(caseJson, StandardCharsets.UTF_8))).get("tolerance");
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    /** (atol, rtol) for a tensor: the case's entry for its kind, else the README's floors. */
    static double[] tolerance(Map<?, ?> tol, String name) {
        String kind = name.startsWith("router_logits") ? "router_logits"
                : name.startsWith("expert_weight") ? "expert_weight"
                : name.startsWith("hidden") ? "hidden"
                : name.contains("loss") ? "loss" : "logits";
        double atol = kind.equals("expert_weight") || kind.equals("loss") ? 1e-5 : 1e-4;
        double rtol = kind.equals("loss") ? 1e-5 : 1e-4;
        if (tol.get(kind) instanceof Map<?, ?> m) {
            if (m.get("atol") instanceof Number n) atol = n.doubleValue();
            if (m.get("rtol") instanceof Number n) rtol = n.doubleValue();
        }
        return new double[] {atol, rtol};
    }

    static Line compare(String name, float[] want, float[] got, double atol, double rtol) {
        if (want.length != got.length) {
            return new Line(name, false, Double.NaN, atol, got.length + " elements, expected " + want.length);
        }
        double max = 0;
        int worst = -1;
        for (int i = 0; i < want.length; i++) {
            double diff = Math.abs((double) got[i] - want[i]);
            if (!(diff <= atol + rtol * Math.abs(want[i])) && (worst < 0 || diff > Math.abs((double) got[worst] - want[worst]))) worst = i;
            if (!(diff <= max)) max = diff;
        }
        return new Line(name, worst < 0, max, atol, worst < 0 ? "ok" : "element " + worst + ": " + got[worst] + " vs " + want[worst]);
    }
}
