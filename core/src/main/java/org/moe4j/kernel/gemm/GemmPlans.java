package org.moe4j.kernel.gemm;

import java.lang.management.ManagementFactory;
import java.util.List;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Chooses this process's GEMM plan once, on the first blocked GEMM, and keeps it. The system
 * property {@value #PROPERTY} decides how:
 * <ul>
 *   <li>{@code calibrate} (the default): the plan cached for this CPU in
 *       {@code $XDG_CACHE_HOME/moe4j/gemm-plan.properties} (or {@code ~/.cache/moe4j/...}), else the
 *       fastest of {@link GemmPlanTable#candidates} timed by {@link GemmCalibration} (the table's plan unless
 *       another is clearly faster), then saved there.
 *       A cache file that cannot be read or holds an invalid plan is ignored with a warning and
 *       rewritten; one written for another CPU (a shared home folder) is rewritten.</li>
 *   <li>{@code table}: the table's plan for this CPU, no timing and no file.</li>
 *   <li>{@code tile=14,mc=140,nc=2048,order=rows}: exactly that plan.</li>
 * </ul>
 * No plan changes a result bit (see {@link GemmPlan}), so the choice only changes speed.
 */
final class GemmPlans {
    static final String PROPERTY = "moe4j.gemm.plan";
    static final String FILE_NAME = "gemm-plan.properties";
    /**
     * The cache's format, raised when the kernels change what the candidates measure, so that a plan
     * timed with older kernels is timed again: 2 since untransposed A is packed as rows and 16-register
     * CPUs have the 4-row tile, 3 since the 14-row tile reads B ahead and B is packed along its rows.
     */
    static final int FORMAT = 3;

    private static volatile GemmPlan current;
    private static volatile CpuInfo cpu;

    private GemmPlans() {}

    /** The plan every blocked GEMM of this process uses, chosen on first call. */
    static GemmPlan current() {
        GemmPlan p = current;
        if (p == null) {
            synchronized (GemmPlans.class) {
                p = current;
                if (p == null) {
                    String setting = System.getProperty(PROPERTY, "calibrate").trim();
                    if (!optimisingCompiler(ManagementFactory.getRuntimeMXBean().getInputArguments())
                            && (setting.equals("calibrate") || setting.equals("table"))) {
                        // C1 cannot compile the 14-row tile: it would run interpreted all along, and timings taken so mean nothing
                        p = GemmPlanTable.withoutOptimisingCompiler(cpu());
                    } else {
                        p = choose(cpu(), setting, cacheFile(System.getenv(), System.getProperty("user.home", "")),
                                message -> System.err.println("moe4j: " + message), GemmCalibration::fastest);
                    }
                    current = p;
                }
            }
        }
        return p;
    }

    /**
     * False when the JVM was told not to use its optimising compiler (C2): {@code -Xint}, or
     * {@code -XX:TieredStopAtLevel} below 4, as quick-start scripts and tests sometimes set.
     */
    static boolean optimisingCompiler(List<String> jvmArguments) {
        for (String a : jvmArguments) {
            if (a.equals("-Xint")) {
                return false;
            }
            if (a.startsWith("-XX:TieredStopAtLevel=")) {
                try {
                    if (Integer.parseInt(a.substring("-XX:TieredStopAtLevel=".length()).trim()) < 4) {
                        return false;
                    }
                } catch (NumberFormatException e) {
                    return true; // the JVM itself refuses such a flag; nothing to decide here
                }
            }
        }
        return true;
    }

    /** This machine as the plan table sees it. */
    static CpuInfo cpu() {
        CpuInfo c = cpu;
        if (c == null) {
            c = CpuInfo.detect();
            cpu = c;
        }
        return c;
    }

    /** $XDG_CACHE_HOME/moe4j/gemm-plan.properties when that variable is an absolute path, else ~/.cache/moe4j/... */
    static Path cacheFile(Map<String, String> env, String userHome) {
        String xdg = env.getOrDefault("XDG_CACHE_HOME", "");
        Path base = !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(userHome, ".cache");
        return base.resolve("moe4j").resolve(FILE_NAME);
    }

    /** The plan for {@code setting} (see the class comment); warnings go to {@code warn}. */
    static GemmPlan choose(CpuInfo cpu, String setting, Path cacheFile, Consumer<String> warn,
                           Function<java.util.List<GemmPlan>, GemmCalibration.Result> calibrate) {
        String s = setting.trim();
        if (s.equals("table")) {
            GemmPlan t = GemmPlanTable.plan(cpu);
            return t.because("from the table (" + PROPERTY + "=table): " + t.why());
        }
        if (!s.equals("calibrate")) {
            return parse(s, "set by -D" + PROPERTY);
        }
        if (Files.exists(cacheFile)) {
            try {
                GemmPlan cached = read(cacheFile, cpu);
                if (cached != null) {
                    return cached;
                }
            } catch (IOException | IllegalArgumentException e) {
                warn.accept("ignoring the GEMM plan cache " + cacheFile + " (" + e.getMessage() + "); calibrating again");
            }
        }
        GemmCalibration.Result r = calibrate.apply(GemmPlanTable.candidates(cpu));
        String why = "calibrated on this CPU (" + CoreKind.of(cpu).label + ") " + Instant.now() + ": chose " + r.best().shape() + " of "
                + r.summary() + "; table said " + GemmPlanTable.plan(cpu).shape();
        GemmPlan chosen = r.best().because(why);
        try {
            write(cacheFile, cpu, chosen);
            chosen = chosen.because(why + "; saved to " + cacheFile);
        } catch (IOException | RuntimeException e) {
            warn.accept("could not save the GEMM plan to " + cacheFile + " (" + e + "); it will be timed again next start");
        }
        return chosen;
    }

    /** A plan from "tile=14,mc=140,nc=2048"; throws naming the setting and what is allowed. */
    static GemmPlan parse(String text, String why) {
        Properties p = new Properties();
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(PROPERTY + " is '" + text + "', must be calibrate, table or tile=ROWS,mc=ROWS,nc=COLUMNS[,order=rows|columns]");
            }
            p.setProperty(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        return fromProperties(p, why);
    }

    private static GemmPlan fromProperties(Properties p, String why) {
        int rows = number(p, "tile");
        GemmTile tile = null;
        for (GemmTile t : GemmTile.values()) {
            if (t.rows == rows) {
                tile = t;
            }
        }
        if (tile == null) {
            throw new IllegalArgumentException("GEMM plan tile is " + rows + ", must be the rows of a tile: "
                    + GemmTile.ROWS_4.rows + ", " + GemmTile.ROWS_6.rows + " or " + GemmTile.ROWS_14.rows);
        }
        String order = p.getProperty("order", "columns");
        if (!order.equals("rows") && !order.equals("columns")) {
            throw new IllegalArgumentException("GEMM plan order is '" + order + "', must be rows or columns");
        }
        return new GemmPlan(tile, number(p, "mc"), number(p, "nc"), order.equals("rows"), why);
    }

    private static int number(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("GEMM plan has no " + key + "; it needs tile, mc and nc");
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GEMM plan " + key + " is '" + v + "', must be a whole number");
        }
    }

    /** The cached plan, or null if the file belongs to another CPU; throws if the file is not a valid plan. */
    static GemmPlan read(Path file, CpuInfo cpu) throws IOException {
        Properties p = new Properties();
        try (Reader in = new StringReader(Files.readString(file, StandardCharsets.UTF_8))) {
            p.load(in);
        }
        if (!Integer.toString(FORMAT).equals(p.getProperty("format"))) {
            throw new IllegalArgumentException("format is '" + p.getProperty("format") + "', expected " + FORMAT);
        }
        if (!cpu.key().equals(p.getProperty("cpu"))) {
            return null;
        }
        return fromProperties(p, "cached in " + file + ": " + p.getProperty("why", "(no reason recorded)"));
    }

    /** Writes the plan next to the file and moves it into place, so a reader never sees half a file. */
    static void write(Path file, CpuInfo cpu, GemmPlan plan) throws IOException {
        Properties p = new Properties();
        p.setProperty("format", Integer.toString(FORMAT));
        p.setProperty("cpu", cpu.key());
        p.setProperty("tile", Integer.toString(plan.tile().rows));
        p.setProperty("mc", Integer.toString(plan.mc()));
        p.setProperty("nc", Integer.toString(plan.nc()));
        p.setProperty("order", plan.rowsOuter() ? "rows" : "columns");
        p.setProperty("why", plan.why());
        StringWriter text = new StringWriter();
        p.store(text, "moe4j GEMM plan for this CPU; delete the file to calibrate again");
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), FILE_NAME, ".tmp");
        try {
            Files.writeString(tmp, text.toString(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
