package org.moe4j.io;

import java.io.IOException;

/**
 * A file whose contents break its format (safetensors, IDX, checkpoint): truncated, inconsistent or
 * hostile. The message is one line naming the file, the fault, and the values involved.
 */
public final class FileFormatException extends IOException {
    public FileFormatException(String message) {
        super(message);
    }
}
