package org.moe4j.bench;

import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Variable;
import org.moe4j.kernel.KernelPool;
import org.moe4j.nn.Linear;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

/**
 * One Linear+ReLU+Linear training step through moe4j's autograd: forward, then backward from a
 * fixed upstream gradient (no loss, no optimizer), the same work as bench/scripts/numpy_mlp_step.py
 * does with numpy matrix multiplies, so the two can be compared side by side.
 */
public final class MlpStepBench {
    private MlpStepBench() {}

    /** Median milliseconds per step. */
    public static double millisPerStep(int batch, int in, int hidden, int out, int threads, int runs) {
        if (batch < 1 || in < 1 || hidden < 1 || out < 1) {
            throw new IllegalArgumentException("bench mlp-step: batch " + batch + ", in " + in + ", hidden " + hidden
                    + ", out " + out + " must all be >= 1");
        }
        Rng rng = new Rng(1);
        Linear fc1 = new Linear(in, hidden, true, rng);
        Linear fc2 = new Linear(hidden, out, true, rng);
        Tensor x = Init.normal(Tensor.zeros(batch, in), rng, 0, 1);
        Tensor dy = Init.normal(Tensor.zeros(batch, out), rng, 0, 1);
        Runnable step = () -> {
            fc1.zeroGrad();
            fc2.zeroGrad();
            Variable y = fc2.forward(Activation.relu(fc1.forward(Variable.constant(x))));
            y.backward(dy);
        };
        int before = KernelPool.threads();
        KernelPool.setThreads(threads);
        try {
            return Timing.medianSeconds(step, 5, runs, 0.2) * 1e3;
        } finally {
            KernelPool.setThreads(before);
        }
    }
}
