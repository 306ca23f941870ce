package dev.fcnet.daemon;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.protocol.Protocol;
import java.util.ArrayList;
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
     * What one request of {@link #runAll} came to: its answer, why it failed, or the unexpected
     * exception it ended with (exactly one of them).
     */
    record Result(Answer answer, OperationFailedException failure, RuntimeException error) {
        public Result {
            if ((answer != null ? 1 : 0) + (failure != null ? 1 : 0) + (error != null ? 1 : 0) != 1) {
                throw new IllegalArgumentException("exactly one of answer, failure and error");
            }
        }

        static Result of(Answer answer) {
            return new Result(answer, null, null);
        }

        static Result of(OperationFailedException failure) {
            return new Result(null, failure, null);
        }
    }

    /**
     * Carries out requests of one operation for {@code peer} that share no network, name or
     * address (pipelined lines that arrived together), as if each ran alone at the same time.
     * This default runs each on a virtual thread of its own, so that a service that batches
     * concurrent calls sees them together; a service with bulk operations uses them.
     *
     * @return one result per request, in order
     */
    default List<Result> runAll(Peer peer, List<FcnetdRequest> requests) {
        Result[] results = new Result[requests.size()];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            int k = i;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    results[k] = Result.of(run(peer, requests.get(k)));
                } catch (OperationFailedException e) {
                    results[k] = Result.of(e);
                } catch (RuntimeException e) {
                    results[k] = new Result(null, null, e);
                }
            }));
        }
        for (Thread t : threads) Protocol.joinUninterruptibly(t);
        return List.of(results);
    }

    /**
     * The networks {@code peer} may see (root: all), as one JSON line: the daemon's {@code List}.
     *
     * @throws OperationFailedException with the reason sent to the client
     */
    default String list(Peer peer) throws OperationFailedException {
        throw new OperationFailedException(dev.fcnet.engine.FcnetException.Kind.INVALID, "List is not served here");
    }
}
