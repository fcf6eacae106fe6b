package org.moe4j.engine;

import java.util.Map;

/**
 * Rotary position embedding (Su et al. 2021) with the frequency scalings of Hugging Face's
 * {@code modeling_rope_utils}: default, linear, llama3 and yarn (Peng et al. 2023). Position p rotates
 * pair i of a head by the angle p * invFreq[i]; cos and sin are multiplied by {@code attentionFactor}
 * (yarn's mscale). Pairs are (x[i], x[i + d/2]) in the half layout of Llama-style models, or
 * (x[2i], x[2i+1]) in the interleaved layout of DeepSeek's checkpoints.
 */
public record Rope(float[] invFreq, float attentionFactor, boolean interleaved) {

    /** Rotary dimensions: twice the number of frequencies. */
    public int dims() {
        return 2 * invFreq.length;
    }

    /**
     * The rope of {@code config.json}: {@code rope_parameters} (transformers 5) or {@code rope_theta}
     * with {@code rope_scaling} (transformers 4); dim is the rotated part of a head.
     */
    public static Rope fromConfig(HfConfig c, int dim, boolean interleaved) {
        Map<String, Object> p = c.object("rope_parameters");
        if (p == null) p = c.object("rope_scaling");
        HfConfig params = new HfConfig(p == null ? Map.of() : p, c.source() + " rope parameters");
        double theta = params.has("rope_theta") ? params.number("rope_theta") : c.number("rope_theta", 10000.0);
        String type = params.has("rope_type") ? params.string("rope_type", "default") : params.string("type", "default");
        if (params.has("partial_rotary_factor") && params.number("partial_rotary_factor") != 1.0) {
            throw c.unsupported("partial_rotary_factor", params.raw("partial_rotary_factor"), "1.0");
        }
        if (dim % 2 != 0 || dim <= 0) {
            throw new EngineConfigException(c.source() + ": the rotary dimension is " + dim + ", must be even and positive");
        }
        float[] base = new float[dim / 2];
        for (int i = 0; i < base.length; i++) {
            base[i] = (float) (1.0 / Math.pow(theta, (2.0 * i) / dim));
        }
        return switch (type) {
            case "default" -> new Rope(base, 1f, interleaved);
            case "linear" -> {
                double factor = params.number("factor");
                float[] f = new float[base.length];
                for (int i = 0; i < f.length; i++) f[i] = (float) (base[i] / factor);
                yield new Rope(f, 1f, interleaved);
            }
            case "llama3" -> new Rope(llama3(base, params), 1f, interleaved);
            case "yarn" -> yarn(theta, dim, params, c, interleaved);
            default -> throw c.unsupported("rope type", type, "default, linear, llama3, yarn");
        };
    }

    private static float[] llama3(float[] base, HfConfig p) {
        double factor = p.number("factor");
        double low = p.number("low_freq_factor");
        double high = p.number("high_freq_factor");
        double oldContext = p.number("original_max_position_embeddings");
        double lowWavelen = oldContext / low;
        double highWavelen = oldContext / high;
        float[] out = new float[base.length];
        for (int i = 0; i < base.length; i++) {
            double f = base[i];
            double wavelen = 2 * Math.PI / f;
            double scaled = wavelen > lowWavelen ? f / factor : f;
            if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                double smooth = (oldContext / wavelen - low) / (high - low);
                scaled = (1 - smooth) * scaled / factor + smooth * scaled;
            }
            out[i] = (float) scaled;
        }
        return out;
    }

    /** YaRN: interpolate low frequencies, keep high ones, ramp between (Peng et al. 2023, eq. 15-17). */
    private static Rope yarn(double theta, int dim, HfConfig p, HfConfig c, boolean interleaved) {
        double factor = p.has("factor") ? p.number("factor")
                : c.number("max_position_embeddings") / p.number("original_max_position_embeddings");
        double original = p.number("original_max_position_embeddings");
        double attention;
        if (p.has("attention_factor")) {
            attention = p.number("attention_factor");
        } else if (p.has("mscale") && p.has("mscale_all_dim") && p.number("mscale") != 0 && p.number("mscale_all_dim") != 0) {
            attention = mscale(factor, p.number("mscale")) / mscale(factor, p.number("mscale_all_dim"));
        } else {
            attention = mscale(factor, 1);
        }
        double betaFast = p.number("beta_fast", 32);
        double betaSlow = p.number("beta_slow", 1);
        boolean truncate = p.bool("truncate", true);
        double low = correctionDim(betaFast, dim, theta, original);
        double high = correctionDim(betaSlow, dim, theta, original);
        if (truncate) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) high += 0.001;
        float[] out = new float[dim / 2];
        for (int i = 0; i < out.length; i++) {
            float posFreq = (float) Math.pow(theta, (float) (2 * i) / dim);
            float extrapolation = 1f / posFreq;
            float interpolation = (float) (1.0 / (factor * posFreq));
            float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
            float keep = 1 - ramp;
            out[i] = interpolation * (1 - keep) + extrapolation * keep;
        }
        return new Rope(out, (float) attention, interleaved);
    }

    static double mscale(double scale, double m) {
        return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
    }

    private static double correctionDim(double rotations, int dim, double base, double maxPositions) {
        return dim * Math.log(maxPositions / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
    }

    /** cos and sin of every frequency at {@code position}, into {@code table[off ..]} as (cos, sin) halves. */
    // table: (2 * dims/2) from off: cos[0..n) then sin[0..n)
    public void angles(int position, float[] table, int off) {
        int n = invFreq.length;
        for (int i = 0; i < n; i++) {
            float angle = invFreq[i] * (float) position;
            table[off + i] = (float) Math.cos(angle) * attentionFactor;
            table[off + n + i] = (float) Math.sin(angle) * attentionFactor;
        }
    }

    /**
     * Rotates {@code x[off .. off + dims())} by {@code delta} positions without the attention factor:
     * a key rotated for position p becomes the key for p + delta (rotations compose), as a context
     * shift needs.
     */
    public void shift(float[] x, int off, int delta) {
        int n = invFreq.length;
        for (int i = 0; i < n; i++) {
            double angle = (double) invFreq[i] * delta;
            rotatePair(x, off, i, (float) Math.cos(angle), (float) Math.sin(angle));
        }
    }

    /** Rotates {@code x[off .. off + dims())} with the angles of {@link #angles}. */
    public void rotate(float[] x, int off, float[] table, int tableOff) {
        int n = invFreq.length;
        for (int i = 0; i < n; i++) {
            rotatePair(x, off, i, table[tableOff + i], table[tableOff + n + i]);
        }
    }

    /** Pair i of the head at {@code off} turned by the angle whose cosine and sine are given. */
    private void rotatePair(float[] x, int off, int i, float cos, float sin) {
        int a = interleaved ? off + 2 * i : off + i;
        int b = interleaved ? a + 1 : off + invFreq.length + i;
        float x0 = x[a];
        float x1 = x[b];
        x[a] = x0 * cos - x1 * sin;
        x[b] = x1 * cos + x0 * sin;
    }
}
