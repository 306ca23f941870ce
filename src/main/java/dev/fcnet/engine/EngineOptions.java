package dev.fcnet.engine;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How an engine works.
 *
 * @param hostNetns the network namespace the engine treats as the host (where Simple taps, veth1,
 *     the host rules and routes go), as a path such as {@code /run/netns/vmhost}; empty for the
 *     process's own network namespace
 * @param forwarding what Add does about host IP forwarding; see {@link ForwardingPolicy}
 * @param foreignObjects whether Delete may remove links and namespaces the engine did not make;
 *     see {@link ForeignObjects}
 * @param ruleset how networks' parts are kept in the host's fcnet table; see {@link RulesetKind}
 * @param pool how many prepared clone slots the engine keeps for Namespaced Adds (DESIGN §4b); 0, the
 *     default, for none; see {@link #withPool}
 */
public record EngineOptions(Optional<Path> hostNetns, ForwardingPolicy forwarding, ForeignObjects foreignObjects,
        RulesetKind ruleset, int pool) {
    /** Requires every component, and a pool size of 0 or more. */
    public EngineOptions {
        Objects.requireNonNull(hostNetns, "hostNetns");
        Objects.requireNonNull(forwarding, "forwarding");
        Objects.requireNonNull(foreignObjects, "foreignObjects");
        Objects.requireNonNull(ruleset, "ruleset");
        if (pool < 0) throw new IllegalArgumentException("pool size " + pool + " < 0");
    }

    /**
     * These components, without a clone pool.
     *
     * @param hostNetns the host netns; empty for the process's own
     * @param forwarding what Add does about host IP forwarding
     * @param foreignObjects whether Delete may remove links and namespaces the engine did not make
     * @param ruleset how networks' parts are kept in the host's fcnet table
     */
    public EngineOptions(Optional<Path> hostNetns, ForwardingPolicy forwarding, ForeignObjects foreignObjects,
            RulesetKind ruleset) {
        this(hostNetns, forwarding, foreignObjects, ruleset, 0);
    }

    /**
     * These components, with fcnet's ruleset.
     *
     * @param hostNetns the host netns; empty for the process's own
     * @param forwarding what Add does about host IP forwarding
     * @param foreignObjects whether Delete may remove links and namespaces the engine did not make
     */
    public EngineOptions(Optional<Path> hostNetns, ForwardingPolicy forwarding, ForeignObjects foreignObjects) {
        this(hostNetns, forwarding, foreignObjects, RulesetKind.FCNET, 0);
    }

    /**
     * {@return the process's own netns as host, {@link ForwardingPolicy#WARN}, {@link ForeignObjects#ALLOW},
     * {@link RulesetKind#FCNET}}
     */
    public static EngineOptions defaults() {
        return new EngineOptions(Optional.empty(), ForwardingPolicy.WARN, ForeignObjects.ALLOW, RulesetKind.FCNET, 0);
    }

    /**
     * Another host netns.
     *
     * @param path the namespace's file, e.g. {@code /run/netns/vmhost}
     * @return these options with that host netns
     */
    public EngineOptions withHostNetns(Path path) {
        return new EngineOptions(Optional.of(path), forwarding, foreignObjects, ruleset, pool);
    }

    /**
     * Another forwarding policy.
     *
     * @param policy what Add does about host IP forwarding
     * @return these options with that policy
     */
    public EngineOptions withForwarding(ForwardingPolicy policy) {
        return new EngineOptions(hostNetns, policy, foreignObjects, ruleset, pool);
    }

    /**
     * Another rule for foreign objects.
     *
     * @param foreign whether Delete may remove links and namespaces the engine did not make
     * @return these options with that rule
     */
    public EngineOptions withForeignObjects(ForeignObjects foreign) {
        return new EngineOptions(hostNetns, forwarding, foreign, ruleset, pool);
    }

    /**
     * Another ruleset.
     *
     * @param kind how networks' parts are kept in the host's fcnet table
     * @return these options with that ruleset
     */
    public EngineOptions withRuleset(RulesetKind kind) {
        return new EngineOptions(hostNetns, forwarding, foreignObjects, kind, pool);
    }

    /**
     * A clone pool of {@code size} slots (DESIGN §4b): the engine keeps up to that many Namespaced
     * networks' netns, veth pair and tap made ahead, down, under pool names ({@code fcpool-ID},
     * {@code fcpID} on the host, {@code fcqID} and {@code fctID} inside), refilled by a thread of
     * its own; a Namespaced Add takes one when one is ready and a Delete returns an IPv4 network's
     * to the pool while it is below its size. The pool's slots go when the engine is closed; a
     * later engine adopts (or, without a pool, destroys) those an engine that died left.
     *
     * @param size how many slots to keep ready; 0 for no pool
     * @return these options with that pool size
     */
    public EngineOptions withPool(int size) {
        return new EngineOptions(hostNetns, forwarding, foreignObjects, ruleset, size);
    }
}
