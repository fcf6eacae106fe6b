package org.moe4j.autograd;

import org.moe4j.kernel.Softmax;
import org.moe4j.tensor.Shape;
import org.moe4j.tensor.Tensor;

/**
 * Softmax cross-entropy fused into one operation, as torch.nn.functional.cross_entropy with mean
 * reduction: loss = -(1/N) sum over counted rows r of log softmax(logits_r)[target_r], where rows
 * whose target is {@link #IGNORE} are not counted. Backward: dlogits_r = (softmax(logits_r) -
 * onehot(target_r)) / N for counted rows, 0 for ignored ones. Never forms the softmax twice.
 */
public final class CrossEntropy {
    /** A target that contributes nothing (padding). */
    public static final int IGNORE = -100;

    private CrossEntropy() {}

    // logits: (N, C)   targets: (N) class indices in [0, C) or IGNORE   loss: ()
    public static Variable loss(Variable logits, int[] targets) {
        Tensor z = logits.value();
        int rows = z.rows();
        int classes = z.cols();
        if (z.rank() < 1 || targets.length != rows) {
            throw new IllegalArgumentException("cross_entropy: logits " + Shape.str(z.shape()) + " have " + rows
                    + " rows but there are " + targets.length + " targets");
        }
        int counted = 0;
        for (int r = 0; r < rows; r++) {
            int t = targets[r];
            if (t == IGNORE) continue;
            if (t < 0 || t >= classes) {
                throw new IndexOutOfBoundsException("cross_entropy: target " + t + " at row " + r + " is out of range [0, "
                        + classes + ") (or " + IGNORE + " to ignore the row)");
            }
            counted++;
        }
        Tensor logp = Tensor.zeros(rows, classes);
        Softmax.logSoftmax(z.data(), z.offset(), rows, classes, logp.data(), 0);
        double total = 0;
        float[] lp = logp.data();
        for (int r = 0; r < rows; r++) {
            if (targets[r] != IGNORE) total -= lp[r * classes + targets[r]];
        }
        int n = counted;
        float loss = n == 0 ? 0f : (float) (total / n);
        return Variable.result("cross_entropy", Tensor.scalar(loss), dLoss -> {
            Tensor dz = Tensor.zeros(z.shape());
            if (n == 0) {
                logits.accumulateGrad(dz);
                return;
            }
            float scale = dLoss.item() / n;
            float[] g = dz.data();
            for (int r = 0; r < rows; r++) {
                if (targets[r] == IGNORE) continue;
                int base = r * classes;
                for (int c = 0; c < classes; c++) g[base + c] = (float) Math.exp(lp[base + c]) * scale;
                g[base + targets[r]] -= scale;
            }
            logits.accumulateGrad(dz);
        }, logits);
    }
}
