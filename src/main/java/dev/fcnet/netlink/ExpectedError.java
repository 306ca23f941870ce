package dev.fcnet.netlink;

/**
 * Tells which error answers of a request are a status the caller expects (e.g. ENOENT to a
 * lookup of an absent key) rather than a failure: those are passed over without building a
 * {@link NetlinkException}, which costs a stack trace and a message per answer.
 */
@FunctionalInterface
public interface ExpectedError {
    /**
     * @param messageIndex index in the request's {@link MessageBuilder} of the message answered
     * @param errno        the positive errno of the answer
     * @param extAckOffset the extended ack's offset of the blamed attribute in the message, or -1
     * @return whether the answer is expected, and not a failure of the request
     */
    boolean expected(int messageIndex, int errno, int extAckOffset);
}
