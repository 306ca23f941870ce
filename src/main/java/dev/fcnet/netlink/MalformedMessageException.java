package dev.fcnet.netlink;

/**
 * A received netlink message or attribute is truncated or inconsistent (a length field smaller
 * than its header or running past the data). Reading stops there; nothing past the received
 * bytes is ever read.
 */
public final class MalformedMessageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String message) {
        super(message);
    }
}
