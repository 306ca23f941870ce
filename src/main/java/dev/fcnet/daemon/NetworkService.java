package dev.fcnet.daemon;

import dev.fcnet.FcnetdRequest;

/**
 * What the daemon does with a well-formed request: {@link EngineService} in production, a fake in
 * the protocol's tests. Called from many connection threads at once.
 */
@FunctionalInterface
public interface NetworkService {
    /**
     * Carries out the request. Returning normally means success: the client is answered {@code OK}.
     *
     * @throws OperationFailedException with the reason sent to the client
     */
    void run(FcnetdRequest request) throws OperationFailedException;
}
