package org.moe4j.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Compares produced tensors with a case's expected ones as the case README prescribes: a float
 * element fails where |cand - ref| &gt; 1e-5 + 1e-4 |ref|; integer tensors must match exactly.
 */
public final class ConformanceCheck {
    public static final double ATOL = 1e-5;
    public static final double RTOL = 1e-4;

    /** One expected tensor's comparison. */
    public record Line(String name, boolean pass, double maxAbsError, String detail) {}

    private ConformanceCheck() {}

    public static List<Line> compare(Path caseFile, CaseTensors candidate) throws IOException {
        ConformanceCase c = ConformanceCase.read(caseFile);
        List<Line> lines = new ArrayList<>();
        try (SafeTensorsFile f = SafeTensors.open(caseFile)) {
            for (String name : c.expected()) {
                if (!candidate.contains(name)) {
                    lines.add(new Line(name, false, Double.NaN, "missing"));
                } else if (f.info(name).dtype().isFloat()) {
                    lines.add(compareFloats(name, f.floats(name), candidate.floats().get(name)));
                } else {
                    CaseTensors.Integers got = candidate.integers().get(name);
                    long[] want = f.longs(name);
                    boolean same = got != null && Arrays.equals(want, got.values())
                            && Arrays.equals(f.info(name).intShape(), got.shape());
                    lines.add(new Line(name, same, same ? 0 : Double.NaN, same ? "exact" : "integers differ"));
                }
            }
        }
        return lines;
    }

    static Line compareFloats(String name, Tensor want, Tensor got) {
        if (got == null || !Arrays.equals(want.shape(), got.shape())) {
            return new Line(name, false, Double.NaN, "shape " + (got == null ? "missing" : Shape.str(got.shape()))
                    + ", expected " + Shape.str(want.shape()));
        }
        double max = 0;
        int worst = -1;
        float[] w = want.toArray();
        float[] g = got.toArray();
        for (int i = 0; i < w.length; i++) {
            double diff = Math.abs((double) g[i] - w[i]);
            if (!(diff <= ATOL + RTOL * Math.abs(w[i]))) {
                if (worst < 0 || Double.isNaN(diff) || diff > max) worst = i;
            }
            if (diff > max || Double.isNaN(diff)) max = diff;
        }
        return new Line(name, worst < 0, max, worst < 0 ? "ok" : "element " + worst + ": " + g[worst] + " vs " + w[worst]);
    }
}
