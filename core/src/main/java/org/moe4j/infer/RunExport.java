package org.moe4j.infer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.moe4j.io.AtomicFiles;
import org.moe4j.io.Json;
import org.moe4j.io.SafeTensorsFile;
import org.moe4j.io.SafeTensorsWriter;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.RouterKind;
import org.moe4j.model.TransformerConfig;
import org.moe4j.run.RunFolder;
import org.moe4j.text.CharTokenizer;
import org.moe4j.text.Tokenizer;

/**
 * {@code moe4j export RUN --out DIR}: a trained run as a Hugging Face model folder that transformers
 * loads and moe4j's engine runs like any other: config.json (MixtralForCausalLM when every layer is a
 * softmax-routed MoE of one shape, LlamaForCausalLM when every layer is dense), model.safetensors
 * (the checkpoint's tensors, already under Mixtral's names, float32, unchanged),
 * generation_config.json and a tokenizer.json equal to the run's character tokenizer. Anything
 * transformers' classes cannot express (mixed layers, other routers, shared experts, FFF) is refused
 * with the reason.
 */
public final class RunExport {
    private RunExport() {}

    public static void export(Path runPath, Path out) throws IOException {
        RunFolder run = new RunFolder(runPath);
        TransformerConfig c = run.readDescription().model();
        Map<String, Object> config = config(c);
        Tokenizer tok = Tokenizer.load(run.tokenizerFile());
        if (!(tok instanceof CharTokenizer chars)) {
            throw new IllegalArgumentException("export: the run's tokenizer is " + tok.kind()
                    + "; only the char tokenizer can be written as tokenizer.json for now");
        }
        Path weights = run.checkpoint().resolve("model.safetensors");
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException(runPath + " has no checkpoint yet (train it first)");
        }
        AtomicFiles.writeFolder(out, dir -> {
            SafeTensorsWriter w = new SafeTensorsWriter().metadata("format", "pt");
            try (SafeTensorsFile f = SafeTensorsFile.open(weights)) {
                for (String name : f.names()) w.add(name, f.floats(name), f.info(name).dtype());
            }
            w.write(dir.resolve("model.safetensors"));
            write(dir.resolve("config.json"), config);
            Map<String, Object> generation = new LinkedHashMap<>();
            generation.put("do_sample", true);
            generation.put("temperature", 0.8);
            generation.put("top_p", 0.95);
            write(dir.resolve("generation_config.json"), generation);
            write(dir.resolve("tokenizer.json"), tokenizerJson(chars));
            Map<String, Object> tc = new LinkedHashMap<>();
            tc.put("tokenizer_class", "PreTrainedTokenizerFast");
            tc.put("model_max_length", (long) c.contextLength());
            tc.put("clean_up_tokenization_spaces", false);
            write(dir.resolve("tokenizer_config.json"), tc);
        });
    }

    private static void write(Path file, Map<String, Object> json) throws IOException {
        Files.writeString(file, Json.writePretty(json) + "\n", StandardCharsets.UTF_8);
    }

    /** config.json in transformers 5's form; fails naming what a Mixtral or Llama config cannot say. */
    static Map<String, Object> config(TransformerConfig c) {
        List<FeedForwardSpec> ff = c.feedForward();
        Map<String, Object> m = new LinkedHashMap<>();
        boolean allDense = ff.stream().allMatch(s -> s instanceof FeedForwardSpec.Dense);
        if (allDense) {
            int hidden = ((FeedForwardSpec.Dense) ff.get(0)).hidden();
            if (ff.stream().anyMatch(s -> ((FeedForwardSpec.Dense) s).hidden() != hidden)) {
                throw new IllegalArgumentException("export: the dense layers differ in width; LlamaForCausalLM needs one intermediate_size");
            }
            m.put("architectures", List.of("LlamaForCausalLM"));
            m.put("model_type", "llama");
            m.put("intermediate_size", (long) hidden);
            m.put("mlp_bias", false);
        } else {
            for (int l = 0; l < ff.size(); l++) {
                if (!(ff.get(l) instanceof MoeSpec s) || s.router() != RouterKind.SOFTMAX || s.sharedHidden() != 0 || !s.equals(ff.get(0))) {
                    throw new IllegalArgumentException("export: layer " + l + " is " + ff.get(l).toJson()
                            + "; a Hugging Face folder needs every layer dense (Llama) or every layer the same softmax-routed MoE without "
                            + "shared experts (Mixtral)");
                }
            }
            MoeSpec s = (MoeSpec) ff.get(0);
            m.put("architectures", List.of("MixtralForCausalLM"));
            m.put("model_type", "mixtral");
            m.put("intermediate_size", (long) s.hidden());
            m.put("num_local_experts", (long) s.experts());
            m.put("num_experts_per_tok", (long) s.topK());
            m.put("router_aux_loss_coef", s.loadBalancing());
            m.put("output_router_logits", false);
            m.put("router_jitter_noise", 0.0);
            m.put("sliding_window", null);
        }
        m.put("vocab_size", (long) c.vocabSize());
        m.put("hidden_size", (long) c.dModel());
        m.put("num_hidden_layers", (long) ff.size());
        m.put("num_attention_heads", (long) c.heads());
        m.put("num_key_value_heads", (long) c.kvHeads());
        m.put("head_dim", (long) (c.dModel() / c.heads()));
        m.put("max_position_embeddings", (long) c.contextLength());
        m.put("rms_norm_eps", (double) c.normEps());
        m.put("rope_parameters", Map.of("rope_type", "default", "rope_theta", c.ropeTheta()));
        m.put("hidden_act", "silu");
        m.put("attention_bias", false);
        m.put("attention_dropout", 0.0);
        m.put("tie_word_embeddings", c.tieEmbeddings());
        m.put("dtype", "float32");
        m.put("bos_token_id", null);
        m.put("eos_token_id", null);
        m.put("use_cache", true);
        return m;
    }

    /** The character tokenizer as a tokenizers-library BPE model without merges: each character one token, joined back by Fuse. */
    static Map<String, Object> tokenizerJson(CharTokenizer tok) {
        Map<String, Object> vocab = new LinkedHashMap<>();
        int chars = tok.specialTokenId(CharTokenizer.UNKNOWN) >= 0 ? tok.vocabSize() - 1 : tok.vocabSize();
        for (int id = 0; id < chars; id++) vocab.put(new String(Character.toChars(tok.codePointOf(id))), (long) id);
        List<Object> added = List.of();
        Object unk = null;
        if (chars < tok.vocabSize()) {
            vocab.put(CharTokenizer.UNKNOWN, (long) chars);
            unk = CharTokenizer.UNKNOWN;
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("id", (long) chars);
            a.put("content", CharTokenizer.UNKNOWN);
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
            added = List.of(a);
        }
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("dropout", null);
        model.put("unk_token", unk);
        model.put("continuing_subword_prefix", null);
        model.put("end_of_word_suffix", null);
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        model.put("vocab", vocab);
        model.put("merges", List.of());
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("version", "1.0");
        t.put("truncation", null);
        t.put("padding", null);
        t.put("added_tokens", added);
        t.put("normalizer", null);
        t.put("pre_tokenizer", null);
        t.put("post_processor", null);
        t.put("decoder", Map.of("type", "Fuse"));
        t.put("model", model);
        return t;
    }
}
