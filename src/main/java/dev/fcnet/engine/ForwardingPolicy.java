package dev.fcnet.engine;

/**
 * What an Add does about IP forwarding in the host netns, which guest traffic needs (IPv4: on the
 * devices packets enter through, the tap or veth1 and the host interface; IPv6: the netns-wide
 * switch). The engine never changes a host sysctl unless told to with {@link #ENABLE}. Inside the
 * namespaces it creates it always enables forwarding.
 */
public enum ForwardingPolicy {
    /** Add succeeds; when forwarding is off, the result carries a warning, also logged. */
    WARN,
    /** Add fails before creating anything when forwarding that the network needs is off. */
    REQUIRE,
    /**
     * Add enables the forwarding the network needs (IPv4: on its host-side device and the host
     * interface; IPv6: net.ipv6.conf.all.forwarding). Never reverted: other networks may rely on it.
     */
    ENABLE
}
