package org.moe4j.kernel.gemm;

/**
 * The families of cores the GEMM plan table tells apart: what matters to a register-tiled GEMM is
 * the vector width the Vector API compiles to, how many vector registers there are (32 with AVX-512
 * and on Arm, 16 with AVX2) and how the core executes 512-bit FMAs (Intel: two ports, one of them
 * shared with shuffles and broadcasts; AMD Zen 4: 256-bit units used twice; Zen 5: full 512-bit units).
 */
enum CoreKind {
    INTEL_AVX512(32, "Intel with AVX-512"),
    AMD_ZEN4(32, "AMD Zen 4 (AVX-512 on 256-bit units)"),
    AMD_ZEN5(32, "AMD Zen 5 (full 512-bit AVX-512)"),
    OTHER_AVX512(32, "other x86 with AVX-512"),
    AVX2(16, "x86 with AVX2, 16 vector registers"),
    ARM(32, "Arm (NEON/SVE), 32 vector registers"),
    OTHER(16, "unrecognised CPU, assuming 16 vector registers");

    /** Architectural vector registers, which bounds the register tile. */
    final int registers;
    final String label;

    CoreKind(int registers, String label) {
        this.registers = registers;
        this.label = label;
    }

    /** The kind of {@code cpu}: vendor and family decide among the 512-bit x86 cores, the vector width elsewhere. */
    static CoreKind of(CpuInfo cpu) {
        boolean x86 = cpu.arch().equals("amd64") || cpu.arch().equals("x86_64");
        if (cpu.arch().equals("aarch64") || cpu.arch().equals("arm64")) {
            return ARM;
        }
        if (x86 && cpu.vectorBits() >= 512) {
            if (cpu.vendor().equals("GenuineIntel")) {
                return INTEL_AVX512;
            }
            if (cpu.vendor().equals("AuthenticAMD") && cpu.family() == 0x19) {
                return AMD_ZEN4;
            }
            if (cpu.vendor().equals("AuthenticAMD") && cpu.family() == 0x1a) {
                return AMD_ZEN5;
            }
            return OTHER_AVX512;
        }
        return x86 && cpu.vectorBits() == 256 ? AVX2 : OTHER;
    }
}
