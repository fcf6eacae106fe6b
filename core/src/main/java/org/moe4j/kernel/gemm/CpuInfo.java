package org.moe4j.kernel.gemm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What the GEMM needs to know about the CPU it runs on: who made it and which core it is (vendor,
 * family and model from /proc/cpuinfo), the vector width the Vector API compiles to, and the sizes
 * of the data caches of core 0 (from /sys/devices/system/cpu/cpu0/cache). Anything that cannot be
 * read is left unknown ("" or 0) rather than guessed; the plan table then falls back to the rules
 * that need only the vector width.
 *
 * @param arch       os.arch, such as amd64 or aarch64
 * @param vendor     vendor_id (GenuineIntel, AuthenticAMD) or the Arm implementer code, "" if unknown
 * @param family     cpu family, -1 if unknown
 * @param model      model number, -1 if unknown
 * @param modelName  the model name lscpu shows, "" if unknown
 * @param vectorBits bits of the Vector API's preferred float species (512 with AVX-512, 256 with AVX2)
 * @param l1d        bytes of level-1 data cache per core, 0 if unknown
 * @param l2         bytes of level-2 cache of core 0, 0 if unknown
 * @param cores      processors the JVM may use
 */
record CpuInfo(String arch, String vendor, int family, int model, String modelName, int vectorBits,
               long l1d, long l2, int cores) {

    CpuInfo {
        if (vectorBits < 64 || vectorBits > 2048 || Integer.bitCount(vectorBits) != 1) {
            throw new IllegalArgumentException("CpuInfo.vectorBits is " + vectorBits + ", must be a power of two in [64, 2048]");
        }
        if (l1d < 0 || l2 < 0) {
            throw new IllegalArgumentException("CpuInfo cache sizes are l1d " + l1d + ", l2 " + l2 + ", must be >= 0 (0 = unknown)");
        }
        if (cores < 1) {
            throw new IllegalArgumentException("CpuInfo.cores is " + cores + ", must be >= 1");
        }
    }

    /** This machine, read once from the JVM, /proc/cpuinfo and sysfs. */
    static CpuInfo detect() {
        List<String> cpuinfo = readLines(Path.of("/proc/cpuinfo"));
        String vendor = field(cpuinfo, "vendor_id");
        if (vendor.isEmpty()) {
            vendor = field(cpuinfo, "CPU implementer");
        }
        Path cache = Path.of("/sys/devices/system/cpu/cpu0/cache");
        long l1d = 0, l2 = 0;
        for (int index = 0; index < 8; index++) {
            Path dir = cache.resolve("index" + index);
            String level = readFirst(dir.resolve("level"));
            String type = readFirst(dir.resolve("type"));
            long size = parseSize(readFirst(dir.resolve("size")));
            if (level.equals("1") && type.equals("Data")) {
                l1d = size;
            } else if (level.equals("2")) {
                l2 = size;
            }
        }
        return new CpuInfo(System.getProperty("os.arch", ""), vendor, parseInt(field(cpuinfo, "cpu family")),
                parseInt(field(cpuinfo, "model")), field(cpuinfo, "model name"),
                GemmMicroKernel.SPECIES.vectorBitSize(), l1d, l2, Runtime.getRuntime().availableProcessors());
    }

    /**
     * The identity a cached calibration belongs to: a home folder shared between machines, or a JVM
     * that compiles to another vector width, must not reuse another CPU's choice.
     */
    String key() {
        return String.join("|", arch, vendor, Integer.toString(family), Integer.toString(model), modelName,
                Integer.toString(vectorBits), Long.toString(l1d), Long.toString(l2), Integer.toString(cores));
    }

    /** One line for humans: "Intel(R) Xeon(R) Processor (GenuineIntel family 6 model 167), 512-bit vectors, L1d 48 KiB, L2 2048 KiB, 2 cores". */
    String describe() {
        String name = modelName.isEmpty() ? arch : modelName;
        return String.format(Locale.ROOT, "%s (%s family %d model %d), %d-bit vectors, L1d %d KiB, L2 %d KiB, %d cores",
                name, vendor.isEmpty() ? "unknown vendor" : vendor, family, model, vectorBits, l1d >> 10, l2 >> 10, cores);
    }

    /** "48K", "2048K", "1M" as sysfs writes them; 0 for anything else. */
    static long parseSize(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K")) {
            unit = 1L << 10;
        } else if (t.endsWith("M")) {
            unit = 1L << 20;
        }
        if (unit > 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t);
            return n > 0 ? n * unit : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The value of the first "name : value" line of /proc/cpuinfo, "" if there is none. */
    static String field(List<String> cpuinfo, String name) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return "";
    }

    private static int parseInt(String text) {
        try {
            return text.startsWith("0x") ? Integer.parseInt(text.substring(2), 16) : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static String readFirst(Path file) {
        List<String> lines = readLines(file);
        return lines.isEmpty() ? "" : lines.get(0).trim();
    }
}
