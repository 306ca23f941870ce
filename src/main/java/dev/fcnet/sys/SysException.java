package dev.fcnet.sys;

/**
 * A system call failed. The message reads like perror's, with the errno name:
 * "sendto: No buffer space available (ENOBUFS)".
 */
public final class SysException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /** {@code call} names the call and, where it helps, its object, e.g. "open /dev/net/tun". */
    public SysException(String call, int errno) {
        super(call + ": " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** e.g. "ENOBUFS". */
    public String errnoName() {
        return Errno.name(errno);
    }
}
