package dev.fcnet.engine;

import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One prepared clone slot of a {@link ClonePool}: a netns {@code fcpool-ID} holding a tap
 * {@code fctID} and veth {@code fcqID}, whose peer {@code fcpID} is in the host netns; ID is 8
 * random hex digits, so the names fit IFNAMSIZ and slots of several engines never collide.
 *
 * @param id the slot's 8 hex digits
 */
record PoolSlot(String id) {
    /** The prefix of a slot's netns name; Add refuses user netns names that start with it. */
    static final String NETNS_PREFIX = "fcpool-";
    private static final int ID_LENGTH = 8;

    static PoolSlot random() {
        return new PoolSlot(HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
    }

    /** The slot whose netns this is, if {@code name} is a slot's netns name. */
    static Optional<PoolSlot> ofNetns(String name) {
        if (!name.startsWith(NETNS_PREFIX) || name.length() != NETNS_PREFIX.length() + ID_LENGTH) return Optional.empty();
        String id = name.substring(NETNS_PREFIX.length());
        return id.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) ? Optional.of(new PoolSlot(id))
                : Optional.empty();
    }

    String netns() {
        return NETNS_PREFIX + id;
    }

    /** The host end of the veth pair. */
    String veth1() {
        return "fcp" + id;
    }

    /** The end inside the netns. */
    String veth2() {
        return "fcq" + id;
    }

    String tap() {
        return "fct" + id;
    }
}
