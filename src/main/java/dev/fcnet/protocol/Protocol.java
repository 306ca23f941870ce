package dev.fcnet.protocol;

/** What the daemon and its client agree on beyond the request's JSON (DESIGN §5). */
public final class Protocol {
    private Protocol() {}

    /**
     * The longest request (or password) line the daemon reads, in bytes, without its newline; the
     * client reads answers up to the same length.
     */
    public static final int MAX_LINE = 64 * 1024;
    /** The answer of a request that succeeded (a clean Check's, unless it asked for detail). */
    public static final String OK = "OK";

    /**
     * Waits for {@code t} to end, whatever interrupts come meanwhile (kept for the caller): both
     * ends run a connection's requests or writes on threads that must finish what they started.
     */
    public static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
