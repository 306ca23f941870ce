package dev.fcnet.client;

import dev.fcnet.FirecrackerNetworkOperation;
import java.io.Serial;
import dev.fcnet.engine.FcnetException;
import java.util.Objects;

/**
 * The daemon answered a request with an error instead of {@code OK}: the operation failed, the
 * network was invalid, the daemon refused it, or (for Check) the network is incomplete. Its
 * {@link #kind()} says which, as {@link FcnetException#kind()} does for the library. The connection
 * stays usable.
 */
public final class FcnetdException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The operation that was requested. */
    private final FirecrackerNetworkOperation operation;
    /** What kind of failure the daemon answered. */
    private final FcnetException.Kind kind;
    /** The daemon's answer. */
    private final String reason;

    FcnetdException(FirecrackerNetworkOperation operation, FcnetException.Kind kind, String reason) {
        super(operation + " failed: " + reason);
        this.operation = Objects.requireNonNull(operation, "operation");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * {@return what kind of failure it was: the engine's kind (ALREADY_EXISTS, NOT_FOUND, INCOMPLETE
     * for a Check that found problems, NOT_OURS, ...), INVALID for a request the daemon could not
     * use, PERMISSION for one it refused; KERNEL for an answer that names no kind (fcnetd's own)}
     */
    public FcnetException.Kind kind() {
        return kind;
    }

    /** {@return the operation that was requested} */
    public FirecrackerNetworkOperation operation() {
        return operation;
    }

    /** {@return the daemon's reason, e.g. {@code Add tap0: tap0 already exists in the host netns; nothing was changed}} */
    public String reason() {
        return reason;
    }
}
