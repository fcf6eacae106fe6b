package org.moe4j.conformance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.moe4j.io.SafeTensors;
import org.moe4j.io.SafeTensorsWriter;
import org.moe4j.tensor.Tensor;

/**
 * Runs a conformance case through moe4j's layers and writes every expected tensor under its own
 * name. The kind in the case's metadata picks the {@link CaseKind}; each kind builds moe4j's
 * general components from the case's config (no peer is special-cased in the layers). Kinds are
 * registered by name.
 */
public final class ConformanceRunner {
    private final Map<String, CaseKind> kinds = new TreeMap<>();

    /** A runner that knows every kind of this build: mixtral, switch, shazeer and fff. */
    public static ConformanceRunner withAllKinds() {
        return new ConformanceRunner()
                .register("mixtral", new MixtralKind())
                .register("switch", new SwitchKind())
                .register("shazeer", new ShazeerKind())
                .register("fff", new FffKind());
    }

    public ConformanceRunner register(String kind, CaseKind runner) {
        kinds.put(kind, runner);
        return this;
    }

    /** The tensors the case expects, as this build computes them. */
    public CaseTensors run(ConformanceCase c) {
        CaseKind kind = kinds.get(c.kind());
        if (kind == null) {
            throw new IllegalArgumentException("conformance: case " + c.name() + " has kind '" + c.kind()
                    + "', which this build cannot run; known kinds: " + String.join(", ", kinds.keySet()));
        }
        CaseTensors all = kind.run(c);
        List<String> missing = c.expected().stream().filter(n -> !all.contains(n)).toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("conformance: kind '" + c.kind() + "' did not produce " + missing
                    + " for case " + c.name());
        }
        CaseTensors out = new CaseTensors();
        for (String name : c.expected()) {
            Tensor f = all.floats().get(name);
            if (f != null) out.put(name, f);
            else out.putIntegers(name, all.integers().get(name).values(), all.integers().get(name).shape());
        }
        return out;
    }

    /** Reads a case file, runs it and writes the result file (float32 and int64 tensors, metadata case and kind). */
    public CaseTensors run(Path caseFile, Path resultFile) throws IOException {
        ConformanceCase c = ConformanceCase.read(caseFile);
        CaseTensors result = run(c);
        SafeTensorsWriter w = SafeTensors.writer();
        result.floats().forEach(w::add);
        result.integers().forEach((n, v) -> w.addLongs(n, v.values(), v.shape()));
        w.metadata("case", c.name());
        w.metadata("kind", c.kind());
        w.metadata("producer", "moe4j");
        w.write(resultFile);
        return result;
    }
}
