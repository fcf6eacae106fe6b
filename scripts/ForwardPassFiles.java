import java.util.List;
import org.moe4j.nn.AuxiliaryLosses;
import org.moe4j.model.MoeSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.model.TransformerLM;

/**
 * One training-mode forward pass (logits and balancing losses) of the default `moe4j train` model:
 * 4 layers, d 256, 4 heads, context 128, 8 SwiGLU experts, top-2, on one sequence of 128 ids.
 * Run by scripts/forward-pass-files.sh, which lists the moe4j source files whose classes it loads.
 */
public class ForwardPassFiles {
    public static void main(String[] args) {
        MoeSpec moe = MoeSpec.mixtral(8, 2, 384);
        var config = new TransformerConfig(83, 256, 4, 4, 128, 10000.0, 1e-5f, List.of(moe, moe, moe, moe), false, 1);
        var lm = new TransformerLM(config);
        int[] ids = new int[128];
        for (int i = 0; i < ids.length; i++) ids[i] = (i * 7) % 83;
        var logits = lm.logits(ids, 128, new AuxiliaryLosses());
        System.err.println("logits " + logits.value().shape());
    }
}
