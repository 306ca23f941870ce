package dev.fcnet.netlink;

import dev.fcnet.sys.Errno;

/**
 * The kernel refused a netlink request, or its replies were lost. The message names the request
 * as its caller described it, the errno and the kernel's extended-ack text when it sent one:
 * "RTM_NEWLINK tap0: File exists (EEXIST): &lt;kernel text&gt;".
 */
public final class NetlinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String what;
    private final int errno;
    private final String extAckMessage;
    private final int extAckOffset;
    private final int seq;
    private final int messageIndex;

    /**
     * @param what          the request's description ({@link MessageBuilder#begin})
     * @param errno         positive errno
     * @param extAckMessage the kernel's NLMSGERR_ATTR_MSG, or null
     * @param extAckOffset  NLMSGERR_ATTR_OFFS (byte offset of the offending attribute in the request), or -1
     * @param seq           the failing message's sequence number
     * @param messageIndex  the failing message's index in its {@link MessageBuilder}, or -1
     */
    public NetlinkException(String what, int errno, String extAckMessage, int extAckOffset, int seq, int messageIndex) {
        this(what, errno, extAckMessage, extAckOffset, seq, messageIndex, extAckMessage, null);
    }

    /** A failure of our own making (lost replies, a dump that kept being interrupted): {@code detail} explains it. */
    NetlinkException(String what, int errno, int seq, int messageIndex, String detail, Throwable cause) {
        this(what, errno, null, -1, seq, messageIndex, detail, cause);
    }

    private NetlinkException(String what, int errno, String extAckMessage, int extAckOffset, int seq,
            int messageIndex, String detail, Throwable cause) {
        super(what + ": " + Errno.describe(errno) + (detail == null || detail.isEmpty() ? "" : ": " + detail), cause);
        this.what = what;
        this.errno = errno;
        this.extAckMessage = extAckMessage;
        this.extAckOffset = extAckOffset;
        this.seq = seq;
        this.messageIndex = messageIndex;
    }

    /** The request's description, e.g. "RTM_NEWLINK tap0". */
    public String what() {
        return what;
    }

    public int errno() {
        return errno;
    }

    /** e.g. "EEXIST". */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The kernel's explanation (NLMSGERR_ATTR_MSG), or null when it gave none. */
    public String extAckMessage() {
        return extAckMessage;
    }

    /** Byte offset in the failing message of the attribute the kernel blamed (NLMSGERR_ATTR_OFFS), or -1. */
    public int extAckOffset() {
        return extAckOffset;
    }

    public int seq() {
        return seq;
    }

    /** Index of the failing message in the request's {@link MessageBuilder}, or -1 if not tied to one. */
    public int messageIndex() {
        return messageIndex;
    }
}
