package dev.fcnet.engine;

/**
 * Called by the engine before each step of an Add, so tests can make any step fail (by throwing)
 * and watch the rollback. Production engines use {@link #NONE}.
 */
@FunctionalInterface
interface FaultInjector {
    FaultInjector NONE = (step, object) -> { };

    /** Throws to make the step fail as if the kernel had refused it. */
    void beforeStep(String step, String object);
}
