package dev.fcnet.engine;

import dev.fcnet.engine.FcnetException.Step;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;

/**
 * The steps of an all-or-nothing Add: each completed step may leave an undo action; when a step
 * fails, the undo actions run in reverse order and the failure is thrown as an
 * {@link FcnetException} naming the step and its object. Not thread-safe: one per operation.
 */
final class UndoLog {
    private record Undo(String what, Runnable action) {}

    private final String operation;
    private final FaultInjector faults;
    private final Deque<Undo> undos = new ArrayDeque<>();
    private int completed;

    /** {@code operation} names the operation and network for messages, e.g. {@code Add tap0}. */
    UndoLog(String operation, FaultInjector faults) {
        this.operation = operation;
        this.faults = faults;
    }

    /** Runs a step that leaves nothing to undo of its own (it goes with an object already undoable). */
    void step(Step step, String object, Runnable action) {
        step(step, object, () -> {
            action.run();
            return null;
        });
    }

    /** Runs a step and returns its result; on failure rolls back and throws. */
    <T> T step(Step step, String object, Supplier<T> action) {
        try {
            faults.beforeStep(step.label(), object);
            T result = action.get();
            completed++;
            return result;
        } catch (RuntimeException e) {
            throw fail(step, object, e);
        }
    }

    /** How many steps completed. */
    int completed() {
        return completed;
    }

    /** Registers how to undo the step that just completed, e.g. {@code delete link tap0}. */
    void onRollback(String what, Runnable action) {
        undos.push(new Undo(what, action));
    }

    /**
     * Undoes every completed step (newest first) and returns the exception to throw. An undo that
     * fails does not stop the others; its failure is named in the message and suppressed.
     */
    FcnetException fail(Step step, String object, RuntimeException cause) {
        StringBuilder notUndone = new StringBuilder();
        int undone = 0;
        RuntimeException[] undoFailures = new RuntimeException[undos.size()];
        int failures = 0;
        while (!undos.isEmpty()) {
            Undo u = undos.pop();
            try {
                u.action().run();
                undone++;
            } catch (RuntimeException e) {
                undoFailures[failures++] = e;
                notUndone.append(notUndone.isEmpty() ? "" : "; ").append(u.what()).append(": ").append(e.getMessage());
            }
        }
        String message = operation + ": step \"" + step + "\" (" + object + ") failed: " + cause.getMessage()
                + (completed == 0 ? "; nothing to undo"
                        : "; " + completed + (completed == 1 ? " completed step" : " completed steps")
                        + " rolled back (" + undone + " undo " + (undone == 1 ? "action" : "actions") + ")")
                + (notUndone.isEmpty() ? "" : "; ROLLBACK INCOMPLETE: " + notUndone);
        // A step refused by the engine itself (e.g. a conflict) keeps its kind.
        FcnetException e = new FcnetException(cause instanceof FcnetException f ? f.kind() : null, message, step, object,
                cause);
        for (int i = 0; i < failures; i++) e.addSuppressed(undoFailures[i]);
        return e;
    }
}
