package dev.fcnet.engine;

/** How Delete treats a network that is not (completely) there. */
public enum DeleteMode {
    /**
     * Every object the network consists of should exist: Delete of a network that is not there
     * fails and removes nothing ("network tap0 does not exist"); of one that is partly there,
     * removes what is there and fails naming the missing objects.
     */
    STRICT,
    /** Removes whatever part of the network exists, e.g. to clean up after a crash; missing parts are no error. */
    IDEMPOTENT
}
