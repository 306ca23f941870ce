package dev.fcnet;

import java.util.OptionalInt;

/**
 * Who may open a network's tap besides privileged processes: the user (TUNSETOWNER) and group
 * (TUNSETGROUP) a jailed VMM runs as. With both, the user must also be in the group. A tap for
 * which no owner is given is owned by root, so that it can be opened only with CAP_NET_ADMIN (the
 * kernel lets any user open a tap that has neither owner nor group).
 *
 * @param uid the user that may open the tap
 * @param gid the group whose members may open the tap
 */
public record TapOwner(OptionalInt uid, OptionalInt gid) {
    /**
     * Requires a uid, a gid or both, none negative.
     *
     * @throws IllegalArgumentException when neither is given, or one is negative
     */
    public TapOwner {
        if (uid.isEmpty() && gid.isEmpty()) throw new IllegalArgumentException("a tap owner needs a uid or a gid");
        if (uid.orElse(0) < 0 || gid.orElse(0) < 0) throw new IllegalArgumentException("negative uid or gid");
    }

    /**
     * An owner with both a user and a group; the user must be in the group.
     *
     * @param uid the user that may open the tap
     * @param gid the group whose members may open the tap
     * @return owned by user {@code uid} and group {@code gid}
     */
    public static TapOwner of(int uid, int gid) {
        return new TapOwner(OptionalInt.of(uid), OptionalInt.of(gid));
    }

    /**
     * An owner with a user only.
     *
     * @param uid the user that may open the tap
     * @return owned by user {@code uid}, no group
     */
    public static TapOwner user(int uid) {
        return new TapOwner(OptionalInt.of(uid), OptionalInt.empty());
    }

    /**
     * An owner with a group only.
     *
     * @param gid the group whose members may open the tap
     * @return owned by group {@code gid}, no user
     */
    public static TapOwner group(int gid) {
        return new TapOwner(OptionalInt.empty(), OptionalInt.of(gid));
    }
}
