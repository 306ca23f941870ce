package dev.fcnet.daemon;

import java.io.Serial;

/** A request the {@link NetworkService} could not or would not carry out; the message is sent to the client. */
public final class OperationFailedException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public OperationFailedException(String message) {
        super(message);
    }

    public OperationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
