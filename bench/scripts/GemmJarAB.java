import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * A/B of moe4j's GEMM between builds, in one JVM: each jar (cli/target/moe4j.jar copied aside before
 * and after a change) gets its own class loader, so both run under the same machine load; for every
 * shape C = A.B (row-major, random A and B) runs on THREADS kernel threads, the jars taking turns
 * (the order reversed every other pair) for PAIRS pairs after 3 s of warm-up each. Prints each jar's
 * median GFLOP/s (wall clock) and the median and quartiles of the paired ratios to the first jar, the
 * figure to read on a shared machine. Both jars read the same plan (~/.cache/moe4j/gemm-plan.properties
 * or -Dmoe4j.gemm.plan). Run with JDK 25 under real-time priority, as docs/performance.md does:
 *   chrt -r 10 java --add-modules jdk.incubator.vector -XX:+UseParallelGC \
 *     -XX:CompileCommandFile=scripts/jvm-compile-commands.txt bench/scripts/GemmJarAB.java \
 *     BEFORE.jar,AFTER.jar THREADS PAIRS M,N,K [M,N,K ...]
 */
public class GemmJarAB {
    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: GemmJarAB JAR[,JAR...] THREADS PAIRS M,N,K [M,N,K ...]");
            System.exit(2);
        }
        String[] jars = args[0].split(",");
        int threads = Integer.parseInt(args[1]);
        int pairs = Integer.parseInt(args[2]);
        Method[] gemm = new Method[jars.length];
        for (int j = 0; j < jars.length; j++) {
            URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(jars[j]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            gemm[j] = loader.loadClass("org.moe4j.kernel.gemm.Gemm").getMethod("gemm", boolean.class, boolean.class,
                    int.class, int.class, int.class, float.class, float[].class, int.class, int.class, float[].class,
                    int.class, int.class, float.class, float[].class, int.class, int.class);
            loader.loadClass("org.moe4j.kernel.KernelPool").getMethod("setThreads", int.class).invoke(null, threads);
        }
        Random random = new Random(1);
        for (int s = 3; s < args.length; s++) {
            String[] size = args[s].split(",");
            int m = Integer.parseInt(size[0]), n = Integer.parseInt(size[1]), k = Integer.parseInt(size[2]);
            float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
            for (int i = 0; i < a.length; i++) a[i] = random.nextFloat() - 0.5f;
            for (int i = 0; i < b.length; i++) b[i] = random.nextFloat() - 0.5f;
            double flops = 2.0 * m * n * k;
            int calls = Math.max(1, (int) (2e9 / flops));
            for (Method g : gemm) {
                long start = System.nanoTime();
                while (System.nanoTime() - start < 3_000_000_000L) {
                    g.invoke(null, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                }
            }
            double[][] rate = new double[jars.length][pairs];
            for (int p = 0; p < pairs; p++) {
                for (int t = 0; t < jars.length; t++) {
                    int j = p % 2 == 0 ? t : jars.length - 1 - t;
                    long start = System.nanoTime();
                    for (int q = 0; q < calls; q++) {
                        gemm[j].invoke(null, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
                    }
                    rate[j][p] = flops * calls / (System.nanoTime() - start);
                }
            }
            StringBuilder out = new StringBuilder(m + "x" + n + "x" + k + ":");
            for (int j = 0; j < jars.length; j++) {
                double[] x = rate[j].clone();
                Arrays.sort(x);
                out.append(String.format(" jar%d %.1f;", j, x[pairs / 2]));
            }
            for (int j = 1; j < jars.length; j++) {
                double[] ratio = new double[pairs];
                for (int p = 0; p < pairs; p++) ratio[p] = rate[j][p] / rate[0][p];
                Arrays.sort(ratio);
                out.append(String.format(" jar%d/jar0 %.3f [%.3f..%.3f];", j, ratio[pairs / 2], ratio[pairs / 4], ratio[3 * pairs / 4]));
            }
            System.out.println(out);
        }
        System.exit(0);
    }
}
