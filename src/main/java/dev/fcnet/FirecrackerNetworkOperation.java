package dev.fcnet;

/** What to do with a {@link FirecrackerNetwork}; the names are fcnet's (and its JSON form's). */
public enum FirecrackerNetworkOperation {
    /** Create the network on the host. */
    Add,
    /** Verify that the network exists as Add would create it, changing nothing. */
    Check,
    /** Remove the network from the host. */
    Delete
}
