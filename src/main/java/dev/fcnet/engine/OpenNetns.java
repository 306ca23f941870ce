package dev.fcnet.engine;

import dev.fcnet.netns.Netns;
import dev.fcnet.nft.NftConnection;
import dev.fcnet.rtnl.Rtnl;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A network namespace an operation works in, with its netlink sockets: the engine's host netns or
 * a network's own netns. Work that binds to the namespace of the calling thread (creating a tap,
 * writing /proc/sys/net) goes through {@link #inside}.
 */
final class OpenNetns {
    /** The sockets of one namespace; both are bound to it. */
    record Sockets(Rtnl rtnl, NftConnection nft) implements AutoCloseable {
        /** Opens both in the calling thread's netns. */
        static Sockets open() {
            Rtnl rtnl = Rtnl.open();
            try {
                return new Sockets(rtnl, NftConnection.open());
            } catch (RuntimeException | Error e) {
                rtnl.close();
                throw e;
            }
        }

        @Override
        public void close() {
            try {
                rtnl.close();
            } finally {
                nft.close();
            }
        }
    }

    private final Optional<String> netnsName;
    /** Null: the calling thread's netns (the engine's default host), entered by no one. */
    private final Netns netns;
    private final Sockets sockets;
    final Rtnl rtnl;
    final NftConnection nft;

    OpenNetns(Optional<String> netnsName, Netns netns, Sockets sockets) {
        this.netnsName = netnsName;
        this.netns = netns;
        this.sockets = sockets;
        this.rtnl = sockets.rtnl();
        this.nft = sockets.nft();
    }

    /** Its sockets. */
    Sockets sockets() {
        return sockets;
    }

    /** For a network's netns, whose sockets live for one operation (they keep the netns alive). */
    void closeSockets() {
        sockets.close();
    }

    /** The named netns (a network's), or empty for the engine's host netns. */
    Optional<String> netnsName() {
        return netnsName;
    }

    /** The namespace handle, or null for the calling thread's own netns. */
    Netns netns() {
        return netns;
    }

    /** Runs {@code task} on a thread inside this namespace (the calling thread when it already is). */
    <T> T inside(Supplier<T> task) {
        return netns == null ? task.get() : netns.call(task::get);
    }

    /** {@code host netns} or {@code netns fc1}, for messages. */
    String label() {
        return netnsName.map(n -> "netns " + n).orElse("host netns");
    }

    /** {@code tap0 (netns fc1)}: an object qualified by where it lives, for messages. */
    String qualify(String object) {
        return object + " (" + label() + ")";
    }
}
