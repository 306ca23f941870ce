package dev.fcnet.engine;

import java.util.Objects;
import java.util.Optional;

/**
 * One expected object of a network and what the kernel holds for it.
 *
 * @param kind what sort of object
 * @param netns the named netns it lives in; empty for the engine's host netns
 * @param object the object, e.g. {@code tap0}, {@code 172.16.0.1/24 on tap0},
 *     {@code ip fcnet postrouting: ip saddr 172.16.0.2 oifname "eth0" masquerade}
 * @param status present, missing, different, or a warning
 * @param detail what was found: for a present rule its handle, for a difference what differs;
 *     may be empty
 */
public record CheckItem(Kind kind, Optional<String> netns, String object, Status status, String detail) {
    /** Requires every component. */
    public CheckItem {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(netns, "netns");
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }

    /** The sort of object. */
    public enum Kind {
        /** A network interface: tap, veth end. */
        LINK,
        /** An address on a link. */
        ADDRESS,
        /** A route. */
        ROUTE,
        /** A named network namespace. */
        NETNS,
        /** An nftables table. */
        TABLE,
        /** An nftables chain. */
        CHAIN,
        /** An nftables rule. */
        RULE,
        /** A named nftables set (DESIGN §3b). */
        SET,
        /** An element of a named set: a network's part of the sets ruleset (DESIGN §3b). */
        ELEMENT,
        /** An IP forwarding switch (a sysctl). */
        FORWARDING
    }

    /** How the kernel's object compares with the expected one. */
    public enum Status {
        /** There and as expected. */
        PRESENT,
        /** Not there. */
        MISSING,
        /** There, but not as expected (e.g. a link that is down, forwarding turned off); see the detail. */
        DIFFERENT,
        /**
         * Host forwarding the network's traffic needs is off, and the engine was not told to enable
         * it (as Add, Check only warns then): not counted against the network; the detail says how
         * to turn it on.
         */
        WARNING
    }

    /** {@return true for {@link Status#PRESENT} and {@link Status#WARNING}: nothing that makes the network incomplete} */
    public boolean ok() {
        return status == Status.PRESENT || status == Status.WARNING;
    }

    /**
     * One line: status, kind, object, where, detail, e.g.
     * {@code MISSING    RULE       ip fcnet filter: iifname "tap0" oifname "eth0" accept (host netns)}.
     */
    @Override
    public String toString() {
        // A named netns is no object inside one.
        String where = kind == Kind.NETNS ? "" : " (" + netns.map(n -> "netns " + n).orElse("host netns") + ")";
        String line = String.format("%-10s %-10s %s%s", status, kind, object, where);
        return detail.isEmpty() ? line : line + ": " + detail;
    }
}
