package dev.fcnet;

import java.io.Serial;

/**
 * A network configuration that cannot work, or a JSON document that does not describe one. The
 * message names the field (by its JSON name, e.g. {@code tap_name}) and the offending value.
 */
public final class InvalidNetworkException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    public InvalidNetworkException(String message) {
        super(message);
    }

    public InvalidNetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
