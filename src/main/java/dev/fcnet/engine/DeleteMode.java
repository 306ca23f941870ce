package dev.fcnet.engine;

/** How Delete treats a network that is not (completely) there. */
public enum DeleteMode {
    /**
     * Every object the network consists of must exist; otherwise Delete fails naming the missing
     * ones and removes nothing ("network tap0 does not exist").
     */
    STRICT,
    /** Removes whatever part of the network exists, e.g. to clean up after a crash; missing parts are no error. */
    IDEMPOTENT
}
