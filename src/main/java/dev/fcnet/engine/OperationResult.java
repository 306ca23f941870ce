package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;

/** The value an operation returns: {@link AddResult}, {@link CheckReport} or {@link DeleteResult}. */
public sealed interface OperationResult permits AddResult, CheckReport, DeleteResult {
    /** {@return the network the operation was run on} */
    FirecrackerNetwork network();
}
