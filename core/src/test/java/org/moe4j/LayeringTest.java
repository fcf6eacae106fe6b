package org.moe4j;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers of docs/architecture.md, checked on core's sources: every reference from one package
 * of {@code org.moe4j} to another (an import, a static import, a fully qualified name, a
 * {@code {@link}} in a comment) must point down. A sub-package counts as its top-level package
 * ({@code org.moe4j.moe.x} is {@code moe}).
 *
 * <pre>
 *   train      infer              (siblings: neither uses the other; infer also uses engine)
 *        run                      (RunFolder: a run folder's layout and run.json)
 *        model                    engine: the inference engine (families, formats), on kernel and io
 *                                 (and dist, to split its experts over a group of ranks)
 *   moe      fff                  (siblings)
 *        nn
 *        autograd
 *        kernel
 *        tensor
 *   io -> tensor, text -> io, data -> text: used by model and everything above it
 * </pre>
 *
 * The conformance runners and the experiments are the experiments module's, above core: no package
 * of core may name them ({@link #coreHasNoExperimentsOrConformanceRunners}).
 *
 * A new package must be placed in {@link #USES}. An edge the code has but the diagram does not
 * allow, which cannot be fixed at once, goes into {@link #KNOWN_EXCEPTIONS} with the reason, never
 * into {@link #USES}.
 */
class LayeringTest {
    /** The packages each package may use directly; what they may use, it may use too. */
    private static final Map<String, Set<String>> USES = new LinkedHashMap<>();

    static {
        USES.put("tensor", Set.of());
        USES.put("kernel", Set.of("tensor"));
        USES.put("autograd", Set.of("kernel"));
        USES.put("nn", Set.of("autograd"));
        USES.put("moe", Set.of("nn"));
        USES.put("fff", Set.of("nn"));
        USES.put("io", Set.of("tensor"));
        USES.put("text", Set.of("io"));
        USES.put("data", Set.of("text"));
        USES.put("engine", Set.of("kernel", "io", "dist"));
        USES.put("model", Set.of("moe", "fff", "data"));
        USES.put("run", Set.of("model"));
        USES.put("train", Set.of("run"));
        USES.put("infer", Set.of("run", "engine"));
        USES.put("dist", Set.of());
        USES.put("parallel", Set.of("train", "dist"));
    }

    /**
     * Edges "from -> to" the diagram does not allow but the code still has, each with why it is
     * there and what would remove it. Empty: infer -> train (RunFolder) moved to the run package
     * and fff -> io (FffConformance) to the conformance runners of the experiments module.
     */
    private static final Map<String, String> KNOWN_EXCEPTIONS = Map.of();

    private static final Pattern REFERENCE = Pattern.compile("\\borg\\.moe4j\\.([a-z_][a-z0-9_]*)\\.");

    /** Everything {@code pkg} may use: what it uses directly and, in turn, what those may use. */
    static Set<String> allowed(String pkg) {
        Set<String> out = new TreeSet<>();
        List<String> todo = new ArrayList<>(USES.getOrDefault(pkg, Set.of()));
        while (!todo.isEmpty()) {
            String p = todo.removeLast();
            if (out.add(p)) todo.addAll(USES.getOrDefault(p, Set.of()));
        }
        return out;
    }

    /** One reference from a file of package {@code from} to package {@code to}. */
    record Reference(String from, String to, String where) {
        String edge() {
            return from + " -> " + to;
        }
    }

    /** The references from {@code lines} (a file of package {@code from}) to other org.moe4j packages. */
    static List<Reference> references(String from, String file, List<String> lines) {
        List<Reference> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("package ")) continue;
            Matcher m = REFERENCE.matcher(line);
            while (m.find()) {
                if (!m.group(1).equals(from)) out.add(new Reference(from, m.group(1), file + ":" + (i + 1) + ": " + line.strip()));
            }
        }
        return out;
    }

    /** The references the layers forbid and that are not known exceptions. */
    static List<Reference> violations(List<Reference> references) {
        return references.stream().filter(r -> !allowed(r.from()).contains(r.to()) && !KNOWN_EXCEPTIONS.containsKey(r.edge())).toList();
    }

    /** core/src/main/java/org/moe4j, found from where the tests were compiled to (core/target/test-classes). */
    static Path sources() throws URISyntaxException {
        Path testClasses = Path.of(LayeringTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path root = testClasses.getParent().getParent().resolve("src/main/java/org/moe4j");
        if (!Files.isDirectory(root)) root = Path.of("src/main/java/org/moe4j").toAbsolutePath();
        assertTrue(Files.isDirectory(root), "core's sources not found at " + root);
        return root;
    }

    /** Every .java file of core by its top-level package. */
    static Map<String, List<Path>> filesByPackage() throws IOException, URISyntaxException {
        Path root = sources();
        Map<String, List<Path>> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Path rel = root.relativize(p);
                String pkg = rel.getNameCount() > 1 ? rel.getName(0).toString() : "(org.moe4j itself)";
                out.computeIfAbsent(pkg, k -> new ArrayList<>()).add(p);
            }
        }
        return out;
    }

    static List<Reference> allReferences() throws IOException, URISyntaxException {
        Path root = sources();
        List<Reference> out = new ArrayList<>();
        for (var e : filesByPackage().entrySet()) {
            for (Path f : e.getValue()) {
                out.addAll(references(e.getKey(), root.relativize(f).toString(), Files.readAllLines(f, StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    @Test
    void everyReferenceBetweenPackagesPointsDown() throws Exception {
        List<Reference> bad = violations(allReferences());
        StringBuilder message = new StringBuilder("references against the layers of docs/architecture.md:\n");
        for (Reference r : bad) {
            message.append("  ").append(r.edge()).append(" (").append(r.from()).append(" may use ").append(allowed(r.from()))
                    .append(")\n    ").append(r.where()).append('\n');
        }
        assertTrue(bad.isEmpty(), message.toString());
    }

    @Test
    void everyPackageHasItsPlaceInTheTable() throws Exception {
        Set<String> found = filesByPackage().keySet();
        for (String pkg : found) {
            assertTrue(USES.containsKey(pkg), "package " + pkg + " is not in LayeringTest.USES: place it in the layers "
                    + "(and in docs/architecture.md)");
        }
        for (String pkg : USES.keySet()) {
            assertTrue(found.contains(pkg), "LayeringTest.USES names " + pkg + ", which core no longer has");
        }
    }

    @Test
    void theTableIsTheLayerDiagram() {
        for (String pkg : USES.keySet()) {
            assertFalse(allowed(pkg).contains(pkg), pkg + " reaches itself: the layers have a cycle");
            assertTrue(USES.keySet().containsAll(USES.get(pkg)), pkg + " uses a package missing from the table");
        }
        assertFalse(allowed("infer").contains("train"), "infer must not use train");
        assertFalse(allowed("train").contains("infer"), "train must not use infer");
        assertFalse(allowed("moe").contains("fff"), "moe must not use fff");
        assertFalse(allowed("fff").contains("moe"), "fff must not use moe");
        assertEquals(Set.of(), allowed("tensor"));
        assertEquals(Set.of("tensor"), allowed("kernel"));
        assertEquals(Set.of("tensor"), allowed("io"));
        assertEquals(Set.of("autograd", "kernel", "tensor"), allowed("nn"));
        assertEquals(Set.of("moe", "fff", "nn", "autograd", "kernel", "tensor", "io", "text", "data"), allowed("model"));
        assertEquals(Set.of("model", "moe", "fff", "nn", "autograd", "kernel", "tensor", "io", "text", "data"), allowed("run"));
        for (String lower : List.of("tensor", "kernel", "autograd", "nn", "moe", "fff", "io", "text", "data", "model", "run")) {
            assertFalse(allowed(lower).contains("train") || allowed(lower).contains("infer"), lower + " must not use train or infer");
        }
        for (String pkg : USES.keySet()) {
            assertFalse(allowed(pkg).contains("experiment") || allowed(pkg).contains("conformance"),
                    pkg + " must not use the experiments or the conformance runners");
        }
    }

    /**
     * Core's main and test sources (this file's examples aside) name no package of the experiments
     * module: core builds and tests without it.
     */
    @Test
    void coreHasNoExperimentsOrConformanceRunners() throws Exception {
        Path root = sources();
        Path tests = root.resolveSibling("../../../test/java/org/moe4j").normalize();
        assertTrue(Files.isDirectory(tests), "core's tests not found at " + tests);
        Pattern upward = Pattern.compile("\\borg\\.moe4j\\.(conformance|experiment|hrme)\\b");
        List<String> found = new ArrayList<>();
        for (Path dir : List.of(root, tests)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path f : walk.filter(p -> p.toString().endsWith(".java") && !p.endsWith("LayeringTest.java")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                    for (int i = 0; i < lines.size(); i++) {
                        if (upward.matcher(lines.get(i)).find()) found.add(dir.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(Files.notExists(root.resolve("conformance")) && Files.notExists(root.resolve("experiment")),
                "core holds a conformance or experiment package");
        assertEquals(List.of(), found, "core names the experiments module");
    }

    @Test
    void everyKnownExceptionStillOccurs() throws Exception {
        Set<String> edges = new TreeSet<>();
        for (Reference r : allReferences()) edges.add(r.edge());
        for (String edge : KNOWN_EXCEPTIONS.keySet()) {
            assertTrue(edges.contains(edge), "known exception " + edge + " no longer occurs: remove it from LayeringTest");
            String[] ends = edge.split(" -> ");
            assertFalse(allowed(ends[0]).contains(ends[1]), edge + " is allowed by the table, so it is no exception");
        }
    }

    @Test
    void theCheckCatchesUpwardReferences() {
        List<String> infer = List.of("package org.moe4j.infer;", "", "import org.moe4j.train.RunFolder;",
                "import static org.moe4j.experiment.X.y;", "import org.moe4j.model.TransformerLM;",
                "/** See {@link org.moe4j.cli.Main}. */", "class A { Object o = org.moe4j.server.Server.class; }");
        List<Reference> bad = violations(references("infer", "infer/A.java", infer));
        assertEquals(List.of("infer -> train", "infer -> experiment", "infer -> cli", "infer -> server"),
                bad.stream().map(Reference::edge).toList());
        assertEquals("infer/A.java:3: import org.moe4j.train.RunFolder;", bad.getFirst().where());
        List<String> kernel = List.of("package org.moe4j.kernel;", "import org.moe4j.tensor.Tensor;", "import org.moe4j.autograd.Variable;",
                "import org.moe4j.kernel.sub.Thing;");
        assertEquals(List.of("kernel -> autograd"), violations(references("kernel", "kernel/K.java", kernel)).stream()
                .map(Reference::edge).toList());
        List<String> fff = List.of("import org.moe4j.conformance.FffConformance;", "import org.moe4j.nn.Module;");
        assertEquals(List.of("fff -> conformance"), violations(references("fff", "fff/F.java", fff)).stream().map(Reference::edge).toList());
        List<String> io = List.of("import org.moe4j.text.Tokenizer;", "import org.moe4j.tensor.Tensor;");
        assertEquals(List.of("io -> text"), violations(references("io", "io/I.java", io)).stream().map(Reference::edge).toList());
    }
}
