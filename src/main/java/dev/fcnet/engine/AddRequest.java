package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import java.util.Objects;

/**
 * One network of a bulk Add ({@link FcnetEngine#addRequests}) with its own options.
 *
 * @param network the network to add
 * @param options how to add it
 */
public record AddRequest(FirecrackerNetwork network, AddOptions options) {
    /** Requires every component. */
    public AddRequest {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(options, "options");
    }

    /**
     * {@return a request to add {@code network} with {@link AddOptions#DEFAULT}}
     *
     * @param network the network to add
     */
    public static AddRequest of(FirecrackerNetwork network) {
        return new AddRequest(network, AddOptions.DEFAULT);
    }
}
