package dev.fcnet.engine;

import java.util.Optional;

/**
 * The engine's mark on what it creates: the alias (IFLA_IFALIAS) of its links, and of the loopback
 * device of a netns it made, recording the uid the network was added for: {@code fcnet} for root
 * (what earlier versions wrote for everyone), {@code fcnet uid=1000} otherwise.
 *
 * @param uid the user the object was created for
 */
record Mark(int uid) {
    private static final String UID = " uid=";

    static Mark of(Caller caller) {
        return new Mark(caller.uid());
    }

    /** The alias that carries this mark. */
    String alias() {
        return uid == 0 ? FcnetEngine.LINK_ALIAS : FcnetEngine.LINK_ALIAS + UID + uid;
    }

    /** The mark an alias carries; empty for an alias the engine did not write (or none). */
    static Optional<Mark> parse(Optional<String> alias) {
        if (alias.isEmpty()) return Optional.empty();
        String a = alias.get();
        if (a.equals(FcnetEngine.LINK_ALIAS)) return Optional.of(new Mark(0));
        if (!a.startsWith(FcnetEngine.LINK_ALIAS + UID)) return Optional.empty();
        String digits = a.substring(FcnetEngine.LINK_ALIAS.length() + UID.length());
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        long uid = Long.parseLong(digits);
        return uid > Integer.MAX_VALUE ? Optional.empty() : Optional.of(new Mark((int) uid));
    }

    /** Whether {@code caller} may check and delete what carries this mark: root, or the uid it records. */
    boolean allows(Caller caller) {
        return caller.isRoot() || caller.uid() == uid;
    }

    /**
     * Why {@code caller} may not delete (or check) an object whose alias is {@code alias}, or empty
     * when it may: an object marked for another user, unless the caller is root; an object without
     * the mark, unless {@code foreignAllowed}.
     */
    static Optional<String> denial(Optional<String> alias, Caller caller, boolean foreignAllowed) {
        Optional<Mark> mark = parse(alias);
        if (mark.isEmpty()) {
            return foreignAllowed ? Optional.empty()
                    : Optional.of("it was not created by fcnet (no \"" + FcnetEngine.LINK_ALIAS + "\" alias)");
        }
        return mark.get().allows(caller) ? Optional.empty() : Optional.of("it belongs to uid " + mark.get().uid());
    }
}
