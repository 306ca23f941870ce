package dev.fcnet.engine;

/** Waiting for the engine's own threads. */
final class Threads {
    private Threads() {}

    /**
     * Waits for {@code t} to end, whatever interrupts come meanwhile (kept for the caller): the
     * engine's threads finish what they started, or networks would be left half made.
     */
    static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
