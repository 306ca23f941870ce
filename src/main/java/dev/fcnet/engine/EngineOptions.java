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
 */
public record EngineOptions(Optional<Path> hostNetns, ForwardingPolicy forwarding, ForeignObjects foreignObjects) {
    /** Requires every component. */
    public EngineOptions {
        Objects.requireNonNull(hostNetns, "hostNetns");
        Objects.requireNonNull(forwarding, "forwarding");
        Objects.requireNonNull(foreignObjects, "foreignObjects");
    }

    /** {@return the process's own netns as host, {@link ForwardingPolicy#WARN}, {@link ForeignObjects#ALLOW}} */
    public static EngineOptions defaults() {
        return new EngineOptions(Optional.empty(), ForwardingPolicy.WARN, ForeignObjects.ALLOW);
    }

    /**
     * Another host netns.
     *
     * @param path the namespace's file, e.g. {@code /run/netns/vmhost}
     * @return these options with that host netns
     */
    public EngineOptions withHostNetns(Path path) {
        return new EngineOptions(Optional.of(path), forwarding, foreignObjects);
    }

    /**
     * Another forwarding policy.
     *
     * @param policy what Add does about host IP forwarding
     * @return these options with that policy
     */
    public EngineOptions withForwarding(ForwardingPolicy policy) {
        return new EngineOptions(hostNetns, policy, foreignObjects);
    }

    /**
     * Another rule for foreign objects.
     *
     * @param foreign whether Delete may remove links and namespaces the engine did not make
     * @return these options with that rule
     */
    public EngineOptions withForeignObjects(ForeignObjects foreign) {
        return new EngineOptions(hostNetns, forwarding, foreign);
    }
}
