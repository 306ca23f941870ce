package dev.fcnet.engine;

/**
 * Whether Delete may remove links and namespaces the engine did not create. The engine marks what
 * it creates: its links carry the alias {@link FcnetEngine#LINK_ALIAS}, and so does the loopback
 * device of a netns it made.
 */
public enum ForeignObjects {
    /**
     * Delete removes a network's objects whoever made them (by Rust fcnet, by hand), as long as
     * they are of the right kind: a tap for a Simple network's tap, a veth for veth1. Only for
     * root: a Delete for another {@link Caller} removes only what is marked as added for it.
     */
    ALLOW,
    /**
     * Delete first verifies that every link and netns it would remove carries the engine's mark,
     * and otherwise removes nothing: a caller cannot delete, say, {@code eth0} by naming it as a
     * tap. For services acting for less privileged clients.
     */
    REFUSE
}
