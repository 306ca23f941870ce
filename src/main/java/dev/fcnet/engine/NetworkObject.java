package dev.fcnet.engine;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One object of a network in the kernel: what a Delete removed or found missing, what a listing
 * found.
 *
 * @param kind what sort of object
 * @param netns the named netns it lives in; empty for the engine's host netns
 * @param object the object, e.g. {@code tap0}, {@code 172.16.0.1/24 on tap0},
 *     {@code ip fcnet filter: iifname "tap0" oifname "eth0" accept handle 7}
 */
public record NetworkObject(CheckItem.Kind kind, Optional<String> netns, String object) {
    /** Requires every component. */
    public NetworkObject {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(netns, "netns");
        Objects.requireNonNull(object, "object");
    }

    /** {@return the kind, the object and where it lives, e.g. {@code link tap0 (host netns)}, {@code netns fc1}} */
    @Override
    public String toString() {
        String what = kind.name().toLowerCase(Locale.ROOT) + " " + object;
        // A named netns is no object inside one.
        return kind == CheckItem.Kind.NETNS ? what : what + " (" + netns.map(n -> "netns " + n).orElse("host netns") + ")";
    }
}
