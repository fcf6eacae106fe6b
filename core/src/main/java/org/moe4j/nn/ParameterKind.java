package org.moe4j.nn;

/**
 * What a parameter is, so optimizers can treat kinds differently by default: AdamW decays only
 * {@link #WEIGHT} and {@link #ROUTER} matrices, never norms, biases or embeddings; MoE routers
 * can get a learning rate of their own.
 */
public enum ParameterKind {
    WEIGHT,
    BIAS,
    NORM,
    EMBEDDING,
    ROUTER
}
