package dev.fcnet.engine;

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

    public AddOptions {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(tapOwner, "tapOwner");
    }

    public AddOptions withCaller(Caller caller) {
        return new AddOptions(caller, tapOwner);
    }

    public AddOptions withTapOwner(TapOwner owner) {
        return new AddOptions(caller, Optional.of(owner));
    }
}
