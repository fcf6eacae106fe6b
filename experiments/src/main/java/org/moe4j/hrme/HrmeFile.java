package org.moe4j.hrme;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.moe4j.io.FileFormatException;
import org.moe4j.io.Json;
import org.moe4j.io.JsonFields;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.SafeTensorsWriter;

/**
 * An HRME model as one safetensors file: every number as an F64 tensor (exact), the shape of the
 * tree and the configuration as JSON in the header's metadata.
 * <ul>
 *   <li>metadata {@code format} = "moe4j-hrme", {@code version} = "1", {@code config} (the
 *       {@link HrmeConfig} fields), {@code tree} (nested nodes: {@code id}, {@code depth},
 *       {@code grown_rows}, and {@code threshold}, {@code left}, {@code right} for a split or
 *       {@code variance} for a leaf); nodes are numbered as a heap: root 1, children 2i and 2i + 1;</li>
 *   <li>tensors {@code standardizer.mean} and {@code standardizer.scale} (d), and per node
 *       {@code nodes.ID.router} or {@code nodes.ID.leaf} (the expert's flattened parameters).</li>
 * </ul>
 * Loading checks every tensor's length against the configuration, so a file written for another
 * feature count or expert kind is refused by name.
 */
public final class HrmeFile {
    public static final String FORMAT = "moe4j-hrme";
    public static final String VERSION = "1";

    private HrmeFile() {}

    public static void save(HrmeModel model, Path file) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        int d = model.features();
        w.addDoubles("standardizer.mean", model.standardizer().mean(), d);
        w.addDoubles("standardizer.scale", model.standardizer().scale(), d);
        Map<String, Object> tree = writeNode(model.root, 1, w);
        w.metadata("format", FORMAT).metadata("version", VERSION).metadata("config", Json.write(configJson(model.config())))
                .metadata("tree", Json.write(tree));
        w.write(file);
    }

    private static Map<String, Object> writeNode(TreeNode n, long id, SafeTensorsWriter w) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("depth", (long) n.depth);
        m.put("grown_rows", (long) n.grownRows);
        if (n.isLeaf()) {
            m.put("variance", n.variance);
            double[] p = n.leaf.parameters();
            w.addDoubles("nodes." + id + ".leaf", p, p.length);
        } else {
            m.put("threshold", n.threshold);
            double[] p = n.router.parameters();
            w.addDoubles("nodes." + id + ".router", p, p.length);
            m.put("left", writeNode(n.left, 2 * id, w));
            m.put("right", writeNode(n.right, 2 * id + 1, w));
        }
        return m;
    }

    /** Loads a model and refuses it unless it takes {@code features} inputs. */
    public static HrmeModel load(Path file, int features) throws IOException {
        HrmeModel m = load(file);
        if (m.features() != features) {
            throw new FileFormatException(file + ": the HRME model takes " + m.features() + " features, expected " + features);
        }
        return m;
    }

    public static HrmeModel load(Path file) throws IOException {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            Map<String, String> meta = f.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new FileFormatException(file + ": format is " + meta.get("format") + ", expected " + FORMAT);
            }
            if (!VERSION.equals(meta.get("version"))) {
                throw new FileFormatException(file + ": " + FORMAT + " version " + meta.get("version") + ", this build reads " + VERSION);
            }
            try {
                HrmeConfig config = configFromJson(asMap(Json.parse(require(meta, "config", file)), "config"));
                double[] mean = f.doubles("standardizer.mean");
                double[] scale = f.doubles("standardizer.scale");
                Standardizer s = new Standardizer(mean, scale);
                TreeNode root = readNode(asMap(Json.parse(require(meta, "tree", file)), "tree"), 1, 0, config, s.features(), f);
                return new HrmeModel(config, s, root);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new FileFormatException(file + ": not a valid HRME model: " + e.getMessage());
            }
        }
    }

    private static String require(Map<String, String> meta, String key, Path file) throws FileFormatException {
        String v = meta.get(key);
        if (v == null) throw new FileFormatException(file + ": metadata \"" + key + "\" is missing");
        return v;
    }

    private static Map<?, ?> asMap(Object o, String what) {
        if (o instanceof Map<?, ?> m) return m;
        throw new IllegalArgumentException(what + " must be a JSON object");
    }

    private static TreeNode readNode(Map<?, ?> m, long id, int depth, HrmeConfig config, int features, SafeTensorsFile f) {
        String where = "tree node " + id;
        if (JsonFields.longValue(m, "id", where) != id) {
            throw new IllegalArgumentException(where + ": id is " + m.get("id") + ", expected " + id);
        }
        if (depth > config.maxDepth()) {
            throw new IllegalArgumentException(where + " is at depth " + depth + ", deeper than maxDepth " + config.maxDepth());
        }
        int grown = JsonFields.integer(m, "grown_rows", where);
        if (m.containsKey("threshold")) {
            RoutingClassifier r = RoutingClassifier.create(config, features, 0);
            load(f, "nodes." + id + ".router", r::load);
            TreeNode n = new TreeNode(depth, null, Double.NaN, grown);
            n.split(r, JsonFields.number(m, "threshold", where),
                    readNode(asMap(JsonFields.field(m, "left", where), where + " left"), 2 * id, depth + 1, config, features, f),
                    readNode(asMap(JsonFields.field(m, "right", where), where + " right"), 2 * id + 1, depth + 1, config, features, f));
            return n;
        }
        double variance = JsonFields.number(m, "variance", where);
        if (!(variance > 0) || !Double.isFinite(variance)) {
            throw new IllegalArgumentException(where + ": variance is " + variance + ", must be finite and > 0");
        }
        LeafRegressor leaf = LeafRegressor.create(config, features, 0);
        load(f, "nodes." + id + ".leaf", leaf::load);
        return new TreeNode(depth, leaf, variance, grown);
    }

    /** Hands tensor {@code name} to an expert's {@code load}, which checks its length against the configuration. */
    private static void load(SafeTensorsFile f, String name, java.util.function.Consumer<double[]> expert) {
        if (!f.contains(name)) throw new IllegalArgumentException("tensor " + name + " is missing");
        double[] v = f.doubles(name);
        for (double x : v) {
            if (!Double.isFinite(x)) throw new IllegalArgumentException("tensor " + name + " holds " + x + "; parameters must be finite");
        }
        try {
            expert.accept(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor " + name + " " + java.util.Arrays.toString(f.info(name).shape()) + ": "
                    + e.getMessage(), e);
        }
    }

    static Map<String, Object> configJson(HrmeConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max_depth", (long) c.maxDepth());
        m.put("min_leaf_rows", (long) c.minLeafRows());
        m.put("thresholds", (long) c.thresholds());
        m.put("min_gain", c.minGain());
        m.put("split_em_steps", (long) c.splitEmSteps());
        m.put("objective", c.objective().name().toLowerCase(Locale.ROOT));
        m.put("router", c.router().name().toLowerCase(Locale.ROOT));
        m.put("leaf", c.leaf().name().toLowerCase(Locale.ROOT));
        m.put("ridge", c.ridge());
        m.put("router_l2", c.routerL2());
        m.put("svm_c", c.svmC());
        m.put("hidden_width", (long) c.hiddenWidth());
        m.put("mlp_epochs", (long) c.mlpEpochs());
        m.put("mlp_learning_rate", c.mlpLearningRate());
        m.put("em_iterations", (long) c.emIterations());
        m.put("em_tolerance", c.emTolerance());
        m.put("seed", c.seed());
        return m;
    }

    static HrmeConfig configFromJson(Map<?, ?> m) {
        String w = "HRME config";
        return new HrmeConfig(JsonFields.integer(m, "max_depth", w), JsonFields.integer(m, "min_leaf_rows", w),
                JsonFields.integer(m, "thresholds", w), JsonFields.number(m, "min_gain", w),
                JsonFields.integer(m, "split_em_steps", w),
                enumOf(HrmeConfig.SplitObjective.class, JsonFields.string(m, "objective", w), "objective"),
                enumOf(RoutingClassifier.Kind.class, JsonFields.string(m, "router", w), "router"),
                enumOf(LeafRegressor.Kind.class, JsonFields.string(m, "leaf", w), "leaf"),
                JsonFields.number(m, "ridge", w), JsonFields.number(m, "router_l2", w), JsonFields.number(m, "svm_c", w), JsonFields.integer(m, "hidden_width", w),
                JsonFields.integer(m, "mlp_epochs", w), JsonFields.number(m, "mlp_learning_rate", w),
                JsonFields.integer(m, "em_iterations", w), JsonFields.number(m, "em_tolerance", w), JsonFields.longValue(m, "seed", w));
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String value, String field) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value)) return e;
        }
        throw new IllegalArgumentException("HRME config: " + field + " is \"" + value + "\", must be one of "
                + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
    }
}
