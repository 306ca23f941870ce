package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import java.util.Objects;

/**
 * What a bulk operation ({@link FcnetEngine#addAll}, {@link FcnetEngine#checkAll},
 * {@link FcnetEngine#deleteAll}) did with one of its networks: its result, or its own failure.
 * Each network succeeds or fails on its own, as if it had been the only one: a failed Add changed
 * nothing, and did not keep the others from being added.
 *
 * @param <R> the result of the operation
 */
public sealed interface Outcome<R extends OperationResult> permits Outcome.Done, Outcome.Failed {
    /** {@return the network this outcome is about} */
    FirecrackerNetwork network();

    /** {@return whether the operation succeeded for this network} */
    boolean ok();

    /**
     * The result, or the failure thrown.
     *
     * @return the result
     * @throws FcnetException why the operation failed for this network
     */
    R orThrow();

    /**
     * The operation succeeded.
     *
     * @param <R> the result of the operation
     * @param result the result
     */
    record Done<R extends OperationResult>(R result) implements Outcome<R> {
        /** Requires the result. */
        public Done {
            Objects.requireNonNull(result, "result");
        }

        @Override
        public FirecrackerNetwork network() {
            return result.network();
        }

        @Override
        public boolean ok() {
            return true;
        }

        @Override
        public R orThrow() {
            return result;
        }
    }

    /**
     * The operation failed for this network, as {@code failure} says.
     *
     * @param <R> the result the operation would have had
     * @param network the network
     * @param failure why it failed
     */
    record Failed<R extends OperationResult>(FirecrackerNetwork network, FcnetException failure) implements Outcome<R> {
        /** Requires both parts. */
        public Failed {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(failure, "failure");
        }

        @Override
        public boolean ok() {
            return false;
        }

        @Override
        public R orThrow() {
            throw failure;
        }
    }
}
