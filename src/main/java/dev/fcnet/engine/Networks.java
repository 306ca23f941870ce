package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;

/** Naming networks in messages. */
final class Networks {
    private Networks() {}

    /** {@code tap0} for a simple network, {@code netns fc1} for a namespaced one: what identifies it on the host. */
    static String id(FirecrackerNetwork network) {
        return network.networkType() instanceof Namespaced ns ? "netns " + ns.netnsName() : network.tapName();
    }
}
