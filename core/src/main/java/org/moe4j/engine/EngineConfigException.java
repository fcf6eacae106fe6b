package org.moe4j.engine;

/** A model folder this engine cannot run as asked: the message names the file, the key and what is allowed. */
public final class EngineConfigException extends IllegalArgumentException {
    public EngineConfigException(String message) {
        super(message);
    }
}
