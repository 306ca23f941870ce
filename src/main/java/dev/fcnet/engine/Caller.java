package dev.fcnet.engine;

/**
 * The user an operation is carried out for. An Add records the caller's uid in the marks of the
 * links and namespace it creates; a Check or Delete for a caller other than root is refused, as
 * {@link FcnetException.Kind#NOT_OURS}, for a network whose marks record another uid. A process
 * that embeds the engine acts as {@link #ROOT}; the daemon passes each client's uid.
 *
 * @param uid the caller's user id
 */
public record Caller(int uid) {
    /** Root: may check and delete every network. */
    public static final Caller ROOT = new Caller(0);

    /**
     * Requires a uid of 0 or more.
     *
     * @throws IllegalArgumentException when {@code uid} is negative
     */
    public Caller {
        if (uid < 0) throw new IllegalArgumentException("uid " + uid + " < 0");
    }

    /** {@return true for uid 0, which may check, list and delete every network} */
    public boolean isRoot() {
        return uid == 0;
    }
}
