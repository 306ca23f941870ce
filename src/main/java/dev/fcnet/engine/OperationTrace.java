package dev.fcnet.engine;

import java.lang.System.Logger.Level;
import jdk.jfr.FlightRecorder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * What the engine tells about each network of an operation when its outcome is known: a Flight
 * Recorder event ({@link OperationEvent}), a DEBUG line through {@code System.Logger}
 * ({@code dev.fcnet.engine}) and the caller's progress callback of a bulk operation. One per
 * operation (single or bulk); networks are told apart by index.
 */
final class OperationTrace<R extends OperationResult> {
    /** A progress callback that does nothing. */
    static <R extends OperationResult> Consumer<Outcome<R>> noProgress() {
        return o -> {};
    }

    private final String operation;
    private final Supplier<OperationEvent> events;
    private final ToIntFunction<R> steps;
    private final Consumer<? super Outcome<R>> progress;
    private final OperationEvent[] started;
    private final long[] startNanos;

    /**
     * @param operation Add, Check or Delete, for the log
     * @param events makes the operation's event
     * @param steps the steps a result counts
     * @param progress told each network's outcome, from the thread that settled it
     * @param networks how many networks the operation has
     */
    OperationTrace(String operation, Supplier<OperationEvent> events, ToIntFunction<R> steps,
            Consumer<? super Outcome<R>> progress, int networks) {
        this.operation = operation;
        this.events = events;
        this.steps = steps;
        this.progress = progress;
        this.started = new OperationEvent[networks];
        this.startNanos = new long[networks];
    }

    /** Add, Check or Delete. */
    String operation() {
        return operation;
    }

    /** Network {@code index}'s first step begins (later calls for it are ignored). */
    void begin(int index) {
        if (startNanos[index] != 0) return;
        startNanos[index] = System.nanoTime();
        // Loading an event class costs a process hundreds of milliseconds unless Flight Recorder
        // runs already (a one-shot CLI would pay it for nothing); a recording started later is
        // initialised by then.
        if (FlightRecorder.isInitialized()) {
            OperationEvent e = events.get();
            e.begin();
            started[index] = e;
        }
    }

    /** Network {@code index} has its outcome; {@code stepsDone} for a failure. */
    void end(int index, Outcome<R> outcome, int stepsDone) {
        OperationEvent e = started[index];
        long nanos = System.nanoTime() - startNanos[index];
        String id = Networks.id(outcome.network());
        String result;
        int count;
        String failedStep = null;
        if (outcome instanceof Outcome.Failed<R> f) {
            result = f.failure().kind().name();
            failedStep = f.failure().step().label();
            count = stepsDone;
        } else {
            result = "ok";
            count = steps.applyAsInt(outcome.orThrow());
        }
        if (e != null && e.shouldCommit()) {
            e.network = id;
            e.outcome = result;
            e.steps = count;
            e.failedStep = failedStep;
            e.commit();
        }
        String at = failedStep == null ? "" : " at step \"" + failedStep + "\"";
        int n = count;
        FcnetEngine.debug(() -> operation + " " + id + ": " + result + at + ", " + n + " steps, "
                + String.format("%.3f ms", nanos / 1e6));
        try {
            progress.accept(outcome);
        } catch (RuntimeException x) {
            // The caller's callback must not break the operation of the other networks.
            FcnetEngine.log(Level.WARNING, "progress callback failed for " + id + ": " + x);
        }
    }
}
