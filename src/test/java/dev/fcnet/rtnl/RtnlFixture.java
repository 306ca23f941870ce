package dev.fcnet.rtnl;

import dev.fcnet.testing.StraceDump;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * A golden/rtnl fixture: strace's hex dumps of what {@code ip} sent. The compared request is the
 * first netlink message of the last send on fd 3 (iproute2's rtnl socket), with nlmsg_seq and
 * nlmsg_pid zeroed (our builder leaves them 0; the socket stamps them when sending).
 */
record RtnlFixture(String command, byte[] request) {

    static RtnlFixture load(String name) {
        String text = StraceDump.read("/golden/rtnl/" + name + ".txt");
        byte[] last = StraceDump.lastSend(text, 3);
        int len = ByteBuffer.wrap(last).order(ByteOrder.nativeOrder()).getInt(0);
        byte[] message = Arrays.copyOf(last, len); // dumps are sent from a padded buffer
        Arrays.fill(message, 8, 16, (byte) 0);
        return new RtnlFixture(text.lines().findFirst().orElseThrow().substring(2), message);
    }

    /** The request with NLM_F_ACK added to nlmsg_flags (the one intended difference, see {@link RtnlMessages}). */
    byte[] withAck() {
        byte[] copy = request.clone();
        copy[6] |= 0x04;
        return copy;
    }

    @Override
    public String toString() {
        return command;
    }

    static List<String> hex(byte[] b) {
        return StraceDump.hexRows(b);
    }
}
