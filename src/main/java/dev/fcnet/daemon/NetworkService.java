package dev.fcnet.daemon;

import dev.fcnet.FcnetdRequest;
import java.util.List;

/**
 * What the daemon does with a well-formed request: {@link EngineService} in production, a fake in
 * the protocol's tests. Called from many connection threads at once.
 */
@FunctionalInterface
public interface NetworkService {
    /**
     * Carries out the request for {@code peer}. Returning normally means success: the client is
     * answered {@code OK}.
     *
     * @return warnings for the log (the protocol has no place for them), e.g. that host forwarding
     *     is off; empty when none
     * @throws OperationFailedException with the reason sent to the client
     */
    List<String> run(Peer peer, FcnetdRequest request) throws OperationFailedException;
}
