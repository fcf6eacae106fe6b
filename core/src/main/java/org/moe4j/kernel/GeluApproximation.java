package org.moe4j.kernel;

/** Which GELU formula to use, as PyTorch's {@code approximate='none'} (the default) or {@code 'tanh'}. */
public enum GeluApproximation {
    /** GELU(x) = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (Hendrycks and Gimpel 2016, eq. 1). */
    NONE,
    /** GELU(x) ~ 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (Hendrycks and Gimpel 2016, section 2), as in GPT-2. */
    TANH
}
