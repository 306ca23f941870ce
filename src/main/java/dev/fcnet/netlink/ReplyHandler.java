package dev.fcnet.netlink;

/** Receives the data replies to a request: GET answers, NLM_F_ECHO copies. */
@FunctionalInterface
public interface ReplyHandler {
    /**
     * @param messageIndex index in the request's {@link MessageBuilder} of the message answered
     * @param reply        the reply, valid only during this call
     */
    void reply(int messageIndex, MessageView reply);
}
