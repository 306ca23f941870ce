package dev.fcnet;

import java.io.Serial;
import java.util.Objects;
import java.util.Optional;

/**
 * A network configuration that cannot work, an address text that is not one, or a JSON document
 * that does not describe a network. The message names the field (by its JSON name, e.g.
 * {@code tap_name}) and the offending value; {@link #field()} gives that name to programs, e.g. to
 * mark the input it came from.
 *
 * <p>It is an {@link IllegalArgumentException}, so code that caught that from
 * {@link IpInet#parse} or the builders keeps working.
 */
public final class InvalidNetworkException extends IllegalArgumentException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Null when the error is about no one field. */
    private final String field;

    /**
     * An error about no one field, e.g. text that is not JSON or an address parsed on its own.
     *
     * @param message the reason, one line
     */
    public InvalidNetworkException(String message) {
        this(null, message, null);
    }

    /**
     * An error about no one field, caused by another exception.
     *
     * @param message the reason, one line
     * @param cause what was found wrong underneath, e.g. the JSON parser's error
     */
    public InvalidNetworkException(String message, Throwable cause) {
        this(null, message, cause);
    }

    /**
     * An error about one field.
     *
     * @param field the field's name in fcnet-types' JSON form, e.g. {@code veth1_name}
     * @param message the reason, one line, naming the field and the value
     */
    public InvalidNetworkException(String field, String message) {
        this(Objects.requireNonNull(field, "field"), message, null);
    }

    /**
     * An error about one field, caused by another exception.
     *
     * @param field the field's name in fcnet-types' JSON form, e.g. {@code guest_ip}; null for none
     * @param message the reason, one line, naming the field and the value
     * @param cause what was found wrong underneath, e.g. the address parser's error
     */
    public InvalidNetworkException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /**
     * The field the error is about, by its name in fcnet-types' JSON form without the objects
     * around it: {@code tap_name}, {@code guest_ip}, {@code veth1_name} (inside
     * {@code network_type}), {@code type} (the network type's tag), {@code operation} and
     * {@code network} (of a daemon request). When an error is about two fields that do not fit
     * together, e.g. {@code guest_ip} outside {@code tap_ip}'s subnet, it is the one the message
     * names first. Empty when the error is about no one field: text that is not JSON, or an address
     * parsed on its own with {@link IpInet#parse}.
     *
     * @return the JSON field name, or empty
     */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }
}
