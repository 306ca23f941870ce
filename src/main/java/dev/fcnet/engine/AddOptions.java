package dev.fcnet.engine;

import dev.fcnet.TapOwner;
import java.util.Objects;
import java.util.Optional;

/**
 * How one network is added, beyond what its {@link dev.fcnet.FirecrackerNetwork} says.
 *
 * @param caller the user the network is added for, recorded in its marks
 * @param tapOwner who may open the tap; empty for privileged processes only
 */
public record AddOptions(Caller caller, Optional<TapOwner> tapOwner) {
    /** For root, a tap that only privileged processes can open. */
    public static final AddOptions DEFAULT = new AddOptions(Caller.ROOT, Optional.empty());

    /** Requires every component. */
    public AddOptions {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(tapOwner, "tapOwner");
    }

    /**
     * {@return these options for another caller, the tap owner kept}
     *
     * @param caller the user to add the network for
     */
    public AddOptions withCaller(Caller caller) {
        return new AddOptions(caller, tapOwner);
    }

    /**
     * {@return these options with a tap that {@code owner} may open, the caller kept}
     *
     * @param owner who may open the tap
     */
    public AddOptions withTapOwner(TapOwner owner) {
        return new AddOptions(caller, Optional.of(owner));
    }
}
