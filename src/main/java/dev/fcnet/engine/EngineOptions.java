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
 */
public record EngineOptions(Optional<Path> hostNetns, ForwardingPolicy forwarding, ForeignObjects foreignObjects,
        RulesetKind ruleset) {
    /** Requires every component. */
    public EngineOptions {
        Objects.requireNonNull(hostNetns, "hostNetns");
        Objects.requireNonNull(forwarding, "forwarding");
        Objects.requireNonNull(foreignObjects, "foreignObjects");
        Objects.requireNonNull(ruleset, "ruleset");
    }

    /**
     * These components, with fcnet's ruleset.
     *
     * @param hostNetns the host netns; empty for the process's own
     * @param forwarding what Add does about host IP forwarding
     * @param foreignObjects whether Delete may remove links and namespaces the engine did not make
     */
    public EngineOptions(Optional<Path> hostNetns, ForwardingPolicy forwarding, ForeignObjects foreignObjects) {
        this(hostNetns, forwarding, foreignObjects, RulesetKind.FCNET);
    }

    /**
     * {@return the process's own netns as host, {@link ForwardingPolicy#WARN}, {@link ForeignObjects#ALLOW},
     * {@link RulesetKind#FCNET}}
     */
    public static EngineOptions defaults() {
        return new EngineOptions(Optional.empty(), ForwardingPolicy.WARN, ForeignObjects.ALLOW, RulesetKind.FCNET);
    }

    /**
     * Another host netns.
     *
     * @param path the namespace's file, e.g. {@code /run/netns/vmhost}
     * @return these options with that host netns
     */
    public EngineOptions withHostNetns(Path path) {
        return new EngineOptions(Optional.of(path), forwarding, foreignObjects, ruleset);
    }

    /**
     * Another forwarding policy.
     *
     * @param policy what Add does about host IP forwarding
     * @return these options with that policy
     */
    public EngineOptions withForwarding(ForwardingPolicy policy) {
        return new EngineOptions(hostNetns, policy, foreignObjects, ruleset);
    }

    /**
     * Another rule for foreign objects.
     *
     * @param foreign whether Delete may remove links and namespaces the engine did not make
     * @return these options with that rule
     */
    public EngineOptions withForeignObjects(ForeignObjects foreign) {
        return new EngineOptions(hostNetns, forwarding, foreign, ruleset);
    }

    /**
     * Another ruleset.
     *
     * @param kind how networks' parts are kept in the host's fcnet table
     * @return these options with that ruleset
     */
    public EngineOptions withRuleset(RulesetKind kind) {
        return new EngineOptions(hostNetns, forwarding, foreignObjects, kind);
    }
}
