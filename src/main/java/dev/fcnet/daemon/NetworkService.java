package dev.fcnet.daemon;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.protocol.Protocol;
import java.util.List;
import java.util.Objects;

/**
 * What the daemon does with a well-formed request: {@link EngineService} in production, a fake in
 * the protocol's tests. Called from many connection threads at once.
 */
@FunctionalInterface
public interface NetworkService {
    /**
     * What a request came to.
     *
     * @param line the answer: {@code OK}, or with {@code "detail":true} a JSON document (a Check's report)
     * @param warnings warnings for the log (the protocol has no place for them), e.g. that host
     *     forwarding is off; empty when none
     */
    record Answer(String line, List<String> warnings) {
        public Answer {
            Objects.requireNonNull(line, "line");
            warnings = List.copyOf(warnings);
        }

        /** {@code OK}, with these warnings for the log. */
        public static Answer ok(List<String> warnings) {
            return new Answer(Protocol.OK, warnings);
        }
    }

    /**
     * Carries out the request for {@code peer}.
     *
     * @throws OperationFailedException with the reason sent to the client
     */
    Answer run(Peer peer, FcnetdRequest request) throws OperationFailedException;

    /**
     * The networks {@code peer} may see (root: all), as one JSON line: the daemon's {@code List}.
     *
     * @throws OperationFailedException with the reason sent to the client
     */
    default String list(Peer peer) throws OperationFailedException {
        throw new OperationFailedException(dev.fcnet.engine.FcnetException.Kind.INVALID, "List is not served here");
    }
}
