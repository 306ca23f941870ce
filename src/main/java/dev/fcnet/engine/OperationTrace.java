package dev.fcnet.engine;

import java.lang.System.Logger.Level;
import jdk.jfr.FlightRecorder;
import java.util.function.Consumer;
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
    private final ToIntFunction<R> steps;
    private final Consumer<? super Outcome<R>> progress;
    /**
     * The networks' events, while Flight Recorder runs. Typed Object, and made and committed by
     * {@link Events}, so that this class names no event class: loading them costs a process
     * time (Flight Recorder instruments them) that a one-shot CLI without a recording should not
     * pay.
     */
    private final Object[] started;
    private final long[] startNanos;

    /**
     * @param operation Add, Check or Delete: the log's word and the event's type
     * @param steps the steps a result counts
     * @param progress told each network's outcome, from the thread that settled it
     * @param networks how many networks the operation has
     */
    OperationTrace(String operation, ToIntFunction<R> steps, Consumer<? super Outcome<R>> progress, int networks) {
        this.operation = operation;
        this.steps = steps;
        this.progress = progress;
        this.started = new Object[networks];
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
        // A recording started later (jcmd JFR.start) has initialised Flight Recorder by then.
        if (FlightRecorder.isInitialized()) started[index] = Events.begin(operation);
    }

    /** Network {@code index} has its outcome; {@code stepsDone} for a failure. */
    void end(int index, Outcome<R> outcome, int stepsDone) {
        long nanos = System.nanoTime() - startNanos[index];
        String id = Layout.id(outcome.network());
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
        if (started[index] != null) Events.commit(started[index], id, result, count, failedStep);
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

    /**
     * Makes and commits the events; loaded only while Flight Recorder runs. Not in the event
     * class itself: verifying a factory there loads its subclasses while Flight Recorder is still
     * defining it (LinkageError "duplicate class definition").
     */
    private static final class Events {
        /** A started event of {@code operation} (Add, Check or Delete). */
        static Object begin(String operation) {
            OperationEvent e = switch (operation) {
                case "Add" -> new OperationEvent.Add();
                case "Check" -> new OperationEvent.Check();
                default -> new OperationEvent.Delete();
            };
            e.begin();
            return e;
        }

        /** Ends and commits an event from {@link #begin(String)}. */
        static void commit(Object event, String network, String outcome, int steps, String failedStep) {
            OperationEvent e = (OperationEvent) event;
            if (!e.shouldCommit()) return;
            e.network = network;
            e.outcome = outcome;
            e.steps = steps;
            e.failedStep = failedStep;
            e.commit();
        }
    }
}
