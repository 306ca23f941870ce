package dev.fcnet.netns;

/**
 * Work run inside a network namespace by {@link Netns#call}: typically opening netlink sockets
 * or /dev/net/tun, which stay bound to that namespace and can then be used from any thread.
 *
 * @param <T> the result handed back to the caller
 * @param <X> the checked exception it may throw, rethrown to the caller as is
 */
@FunctionalInterface
public interface NetnsTask<T, X extends Exception> {
    T run() throws X;
}
