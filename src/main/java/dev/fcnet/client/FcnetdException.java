package dev.fcnet.client;

import dev.fcnet.FirecrackerNetworkOperation;
import java.io.Serial;
import java.util.Objects;

/**
 * The daemon answered a request with an error instead of {@code OK}: the operation failed, the
 * network was invalid, the daemon refused it, or (for Check) the network is incomplete. The
 * connection stays usable.
 */
public final class FcnetdException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The operation that was requested. */
    private final FirecrackerNetworkOperation operation;
    /** The daemon's answer. */
    private final String reason;

    FcnetdException(FirecrackerNetworkOperation operation, String reason) {
        super(operation + " failed: " + reason);
        this.operation = Objects.requireNonNull(operation, "operation");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** {@return the operation that was requested} */
    public FirecrackerNetworkOperation operation() {
        return operation;
    }

    /** {@return the daemon's answer, verbatim} */
    public String reason() {
        return reason;
    }
}
