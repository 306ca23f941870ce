package dev.fcnet.bench;

import java.lang.management.ManagementFactory;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Bytes the benchmark thread allocates inside the timed operation only. {@code -prof gc}'s
 * per-op figure also counts the untimed per-invocation set-up and clean-up (dumps of 10,000-rule
 * chains, processes), so the engine benchmarks add these two counters; the results writer divides
 * {@code allocBytes} by {@code allocOps}.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class Allocation {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public long allocBytes;
    public long allocOps;

    @Setup(Level.Iteration)
    public void reset() {
        allocBytes = 0;
        allocOps = 0;
    }

    /** Runs {@code operation}, counting what the calling thread allocates in it. */
    <T> T measure(Supplier<T> operation) {
        long start = THREADS.getCurrentThreadAllocatedBytes();
        T result = operation.get();
        allocBytes += THREADS.getCurrentThreadAllocatedBytes() - start;
        allocOps++;
        return result;
    }
}
