package dev.fcnet.engine;

import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One prepared clone slot of a {@link ClonePool}: a netns {@code fcpool-ID} holding a tap and a
 * veth, whose peer {@code fcpID} is in the host netns; ID is 8 random hex digits, so the names fit
 * IFNAMSIZ and slots of several engines never collide. The links inside have the names an Add
 * last gave them (a returned network's, or those the pool expects the next Add to ask for), so
 * that a take need not rename them: they live in the slot's own netns, where no other link is,
 * and the slot stays recognisable by its netns name and the pool's mark on every link.
 *
 * @param id the slot's 8 hex digits
 * @param tap the tap's name inside the netns
 * @param veth2 the veth's name inside the netns
 */
record PoolSlot(String id, String tap, String veth2) {
    /** The prefix of a slot's netns name; Add refuses user netns names that start with it. */
    static final String NETNS_PREFIX = "fcpool-";
    private static final int ID_LENGTH = 8;

    /** A new slot whose inner links get these names. */
    static PoolSlot random(String tap, String veth2) {
        return new PoolSlot(randomId(), tap, veth2);
    }

    /** A new slot for no Add in particular yet: its inner names {@code fctID} and {@code fcqID}. */
    static PoolSlot fresh() {
        String id = randomId();
        return new PoolSlot(id, "fct" + id, "fcq" + id);
    }

    private static String randomId() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    /** The slot id in {@code name}, if it is a slot's netns name. */
    static Optional<String> idOfNetns(String name) {
        if (!name.startsWith(NETNS_PREFIX) || name.length() != NETNS_PREFIX.length() + ID_LENGTH) return Optional.empty();
        String id = name.substring(NETNS_PREFIX.length());
        return id.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) ? Optional.of(id) : Optional.empty();
    }

    static String netns(String id) {
        return NETNS_PREFIX + id;
    }

    /** The host end of a slot's veth pair. */
    static String veth1(String id) {
        return "fcp" + id;
    }

    String netns() {
        return netns(id);
    }

    String veth1() {
        return veth1(id);
    }
}
