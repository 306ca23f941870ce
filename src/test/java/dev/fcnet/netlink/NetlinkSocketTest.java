package dev.fcnet.netlink;

import static dev.fcnet.netlink.FakeKernel.ack;
import static dev.fcnet.netlink.FakeKernel.data;
import static dev.fcnet.netlink.FakeKernel.done;
import static dev.fcnet.netlink.FakeKernel.error;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ACK;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_DUMP;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_DUMP_INTR;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_ECHO;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_MULTI;
import static dev.fcnet.netlink.NetlinkConstants.NLM_F_REQUEST;
import static dev.fcnet.rtnl.RtnlConstants.RTM_GETLINK;
import static dev.fcnet.rtnl.RtnlConstants.RTM_NEWLINK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The receive loop against a scripted kernel: acks, errors, dumps and broken replies. */
class NetlinkSocketTest {
    private static MessageBuilder one(int type, int flags, String what) {
        MessageBuilder b = new MessageBuilder();
        b.begin(type, flags, what).reserve(16);
        b.end();
        return b;
    }

    private static MessageBuilder dumpRequest() {
        return one(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, "RTM_GETLINK dump");
    }

    /** A batch as nftables sends it: begin and end ask no ack, the commands in between do. */
    private static MessageBuilder batch() {
        MessageBuilder b = new MessageBuilder();
        b.begin(0x10, NLM_F_REQUEST, "batch begin").reserve(4);
        b.end();
        b.begin(0xa00, NLM_F_REQUEST | NLM_F_ACK, "NFT_MSG_NEWTABLE fcnet").reserve(4);
        b.end();
        b.begin(0xa03, NLM_F_REQUEST | NLM_F_ACK, "NFT_MSG_NEWCHAIN fcnet postrouting").reserve(4);
        b.end();
        b.begin(0x11, NLM_F_REQUEST, "batch end").reserve(4);
        b.end();
        return b;
    }

    @Test
    void ackCompletesARequestAndSeqsAreFresh() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(ack(req.get(0).seq())));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            assertEquals(FakeKernel.PORT, s.portId());
            MessageBuilder b = one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "RTM_NEWLINK tap0");
            s.request(b);
            int first = k.requests.get(0).get(0).seq();
            assertNotEquals(0, first);
            assertEquals(first, b.seq(0));
            assertEquals(0, k.requests.get(0).get(0).pid(), "nlmsg_pid is left 0");
            s.request(b);
            assertEquals(first + 1, k.requests.get(1).get(0).seq(), "each send gets a new seq");
            assertTrue(k.idle());
        }
    }

    @Test
    void errorCarriesErrnoAndExtendedAck() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(error(req.get(0).seq(), Errno.EEXIST, "Link already exists", 32)));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            NetlinkException e = assertThrows(NetlinkException.class,
                    () -> s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "RTM_NEWLINK tap0")));
            assertEquals("RTM_NEWLINK tap0: File exists (EEXIST): Link already exists", e.getMessage());
            assertEquals("RTM_NEWLINK tap0", e.what());
            assertEquals(Errno.EEXIST, e.errno());
            assertEquals("EEXIST", e.errnoName());
            assertEquals("Link already exists", e.extAckMessage());
            assertEquals(32, e.extAckOffset());
            assertEquals(k.requests.get(0).get(0).seq(), e.seq());
            assertEquals(0, e.messageIndex());
        }
    }

    @Test
    void errorWithoutExtendedAck() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(error(req.get(0).seq(), Errno.ENODEV, null, -1)));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            NetlinkException e = assertThrows(NetlinkException.class,
                    () -> s.request(one(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, "RTM_GETLINK nosuch0")));
            assertEquals("RTM_GETLINK nosuch0: No such device (ENODEV)", e.getMessage());
            assertNull(e.extAckMessage());
            assertEquals(-1, e.extAckOffset());
        }
    }

    /** Without NETLINK_CAP_ACK the kernel echoes the whole request before the TLVs. */
    @Test
    void uncappedErrorSkipsTheEchoedRequest() {
        // A 17-byte request payload: the copy is padded to 36 bytes, the TLVs start at 4 + 36.
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(FakeKernel.uncappedError(req.get(0).seq(), Errno.EINVAL, "bad", 17)));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            NetlinkException e = assertThrows(NetlinkException.class,
                    () -> s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "RTM_NEWLINK x")));
            assertEquals("RTM_NEWLINK x: Invalid argument (EINVAL): bad", e.getMessage());
        }
    }

    @Test
    void batchReportsTheFailingMessageBySeq() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(ack(req.get(1).seq()),
                error(req.get(2).seq(), Errno.ENOENT, "chain type not found", 40)));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            MessageBuilder b = batch();
            NetlinkException e = assertThrows(NetlinkException.class, () -> s.request(b));
            assertEquals(2, e.messageIndex());
            assertEquals(b.seq(2), e.seq());
            assertEquals("NFT_MSG_NEWCHAIN fcnet postrouting: No such file or directory (ENOENT): chain type not found",
                    e.getMessage());
            List<Integer> seqs = k.requests.get(0).stream().map(FakeKernel.Sent::seq).toList();
            assertEquals(List.of(b.seq(0), b.seq(0) + 1, b.seq(0) + 2, b.seq(0) + 3), seqs, "consecutive seqs in one send");
        }
    }

    @Test
    void severalFailuresInOneBatch() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(error(req.get(2).seq(), Errno.EBUSY, null, -1))
                .reply(error(req.get(1).seq(), Errno.EEXIST, null, -1)));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            NetlinkException e = assertThrows(NetlinkException.class, () -> s.request(batch()));
            assertEquals(1, e.messageIndex(), "the lowest index is thrown");
            assertEquals(1, e.getSuppressed().length);
            assertEquals(2, ((NetlinkException) e.getSuppressed()[0]).messageIndex());
        }
    }

    /**
     * Error answers the caller expects (ENOENT blaming the attribute at 40, or blaming none) are
     * passed over, seen with their index, errno and offset; any other still fails the request.
     */
    @Test
    void expectedErrorsAreNoFailure() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(error(req.get(1).seq(), Errno.ENOENT, null, 40),
                error(req.get(2).seq(), Errno.ENOENT, null, -1)));
        List<String> seen = new ArrayList<>();
        ExpectedError enoent = (i, errno, offset) -> seen.add(i + " " + errno + " " + offset) && errno == Errno.ENOENT
                && offset != 20;
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            s.request(batch(), null, enoent);
            assertEquals(List.of("1 " + Errno.ENOENT + " 40", "2 " + Errno.ENOENT + " -1"), seen);
        }
        FakeKernel other = new FakeKernel((fk, req) -> fk.reply(ack(req.get(1).seq()),
                error(req.get(2).seq(), Errno.ENOENT, "table not found", 20)));
        try (NetlinkSocket s = new NetlinkSocket(other)) {
            NetlinkException e = assertThrows(NetlinkException.class, () -> s.request(batch(), null, enoent));
            assertEquals(2, e.messageIndex());
            assertEquals("table not found", e.extAckMessage());
        }
    }

    /** The kernel gave up at the batch header (e.g. ENOMEM) and will ack nothing else: no hang. */
    @Test
    void errorForAMessageWithoutAckStopsWaiting() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(error(req.get(0).seq(), Errno.ENOMEM, null, -1)));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            NetlinkException e = assertThrows(NetlinkException.class, () -> s.request(batch()));
            assertEquals(0, e.messageIndex());
            assertEquals("batch begin: Cannot allocate memory (ENOMEM)", e.getMessage());
        }
    }

    @Test
    void requestWithoutAckReportsAQueuedErrorAndOtherwiseReturns() {
        FakeKernel failing = new FakeKernel((fk, req) -> fk.reply(error(req.get(0).seq(), Errno.EPERM, null, -1)));
        try (NetlinkSocket s = new NetlinkSocket(failing)) {
            assertEquals(Errno.EPERM, assertThrows(NetlinkException.class,
                    () -> s.request(one(RTM_NEWLINK, NLM_F_REQUEST, "RTM_NEWLINK"))).errno());
        }
        FakeKernel silent = new FakeKernel((fk, req) -> {});
        try (NetlinkSocket s = new NetlinkSocket(silent)) {
            s.request(one(RTM_NEWLINK, NLM_F_REQUEST, "RTM_NEWLINK"));
            assertEquals(1, silent.requests.size());
        }
    }

    @Test
    void repliesAndEchoesReachTheHandlerWithTheirMessageIndex() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(ack(req.get(1).seq()))
                .reply(data(0xa06, 0, req.get(2).seq(), "rule handle 7"), ack(req.get(2).seq())));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            MessageBuilder b = new MessageBuilder();
            b.begin(0x10, NLM_F_REQUEST, "batch begin").reserve(4);
            b.end();
            b.begin(0xa00, NLM_F_REQUEST | NLM_F_ACK, "table").reserve(4);
            b.end();
            b.begin(0xa06, NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO, "rule").reserve(4);
            b.end();
            List<String> got = new ArrayList<>();
            s.request(b, (i, m) -> got.add(i + " " + FakeKernel.name(m)));
            assertEquals(List.of("2 rule handle 7"), got);
        }
    }

    @Test
    void multipartDumpOverSeveralReads() {
        FakeKernel k = new FakeKernel((fk, req) -> {
            int seq = req.get(0).seq();
            fk.reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "lo"), data(RTM_NEWLINK, NLM_F_MULTI, seq, "eth0"))
                    .reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "skip"), data(RTM_NEWLINK, NLM_F_MULTI, seq, "tap0"))
                    .reply(done(seq, 0, 0));
        });
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            List<String> names = s.dump(dumpRequest(), m -> {
                String n = FakeKernel.name(m);
                return n.equals("skip") ? null : n;
            });
            assertEquals(List.of("lo", "eth0", "tap0"), names);
            assertTrue(k.idle());
        }
    }

    @Test
    void interruptedDumpIsRunAgain() {
        FakeKernel k = new FakeKernel((fk, req) -> {
            int seq = req.get(0).seq();
            if (fk.requests.size() == 1) {
                fk.reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "old"), data(RTM_NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR, seq, "torn"))
                        .reply(done(seq, NLM_F_DUMP_INTR, 0));
            } else {
                fk.reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "new"), done(seq, 0, 0));
            }
        });
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            assertEquals(List.of("new"), s.dump(dumpRequest(), FakeKernel::name), "only the complete run is kept");
            assertEquals(2, k.requests.size());
            assertNotEquals(k.requests.get(0).get(0).seq(), k.requests.get(1).get(0).seq());
        }
    }

    @Test
    void dumpInterruptedOnlyInItsDoneIsRunAgain() {
        FakeKernel k = new FakeKernel((fk, req) -> {
            int seq = req.get(0).seq();
            fk.reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "x"), done(seq, fk.requests.size() == 1 ? NLM_F_DUMP_INTR : 0, 0));
        });
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            assertEquals(List.of("x"), s.dump(dumpRequest(), FakeKernel::name));
            assertEquals(2, k.requests.size());
        }
    }

    @Test
    void dumpThatKeepsBeingInterruptedGivesUp() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(done(req.get(0).seq(), NLM_F_DUMP_INTR, 0)));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            NetlinkException e = assertThrows(NetlinkException.class, () -> s.dump(dumpRequest(), FakeKernel::name));
            assertEquals(NetlinkSocket.DUMP_ATTEMPTS, k.requests.size());
            assertEquals(Errno.EINTR, e.errno());
            assertEquals("RTM_GETLINK dump: Interrupted system call (EINTR): the dump was interrupted by concurrent changes"
                    + " 10 times in a row", e.getMessage());
        }
    }

    @Test
    void dumpLosingRepliesIsReadToItsEndAndRunAgain() {
        FakeKernel k = new FakeKernel((fk, req) -> {
            int seq = req.get(0).seq();
            if (fk.requests.size() == 1) {
                fk.reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "a")).fail(new SysException("recvfrom", Errno.ENOBUFS))
                        .reply(done(seq, 0, 0));
            } else {
                fk.reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "a"), data(RTM_NEWLINK, NLM_F_MULTI, seq, "b"), done(seq, 0, 0));
            }
        });
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            assertEquals(List.of("a", "b"), s.dump(dumpRequest(), FakeKernel::name));
            assertEquals(2, k.requests.size());
            assertTrue(k.idle());
        }
    }

    @Test
    void lostAcksFailTheRequest() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.fail(new SysException("recvfrom", Errno.ENOBUFS)));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            NetlinkException e = assertThrows(NetlinkException.class, () -> s.request(batch()));
            assertEquals(Errno.ENOBUFS, e.errno());
            assertEquals(1, e.messageIndex(), "the first message still waiting");
            assertEquals("NFT_MSG_NEWTABLE fcnet: No buffer space available (ENOBUFS): replies were lost (receive queue overflow)",
                    e.getMessage());
            assertTrue(e.getCause() instanceof SysException);
        }
    }

    @Test
    void dumpErrorsFromErrorOrDone() {
        FakeKernel k = new FakeKernel((fk, req) -> {
            int seq = req.get(0).seq();
            if (fk.requests.size() == 1) fk.reply(error(seq, Errno.EOPNOTSUPP, "no dump", -1));
            else fk.reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "a"), done(seq, 0, -Errno.EPERM));
        });
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            NetlinkException first = assertThrows(NetlinkException.class, () -> s.dump(dumpRequest(), FakeKernel::name));
            assertEquals("RTM_GETLINK dump: Operation not supported (EOPNOTSUPP): no dump", first.getMessage());
            NetlinkException second = assertThrows(NetlinkException.class, () -> s.dump(dumpRequest(), FakeKernel::name));
            assertEquals(Errno.EPERM, second.errno());
        }
    }

    @Test
    void notificationsAndStaleRepliesAreSkipped() {
        FakeKernel k = new FakeKernel((fk, req) -> {
            int seq = req.get(0).seq();
            fk.reply(data(RTM_NEWLINK, 0, 0, "notification"), ack(seq - 1), error(seq + 5, Errno.EPERM, null, -1))
                    .reply(ack(seq));
        });
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            List<String> got = new ArrayList<>();
            s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "x"), (i, m) -> got.add(FakeKernel.name(m)));
            assertEquals(List.of(), got);
            assertTrue(k.idle());
        }
    }

    @Test
    void replyFromAnotherPortIsRejected() {
        FakeKernel k = new FakeKernel((fk, req) ->
                fk.reply(FakeKernel.message(NetlinkConstants.NLMSG_ERROR, 0, req.get(0).seq(), 99, new byte[20])));
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            MalformedMessageException e = assertThrows(MalformedMessageException.class,
                    () -> s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "RTM_NEWLINK tap0")));
            assertEquals("reply to RTM_NEWLINK tap0 carries port id 99, this socket's is 4242", e.getMessage());
        }
    }

    @Test
    void truncatedAndMalformedRepliesFailCleanly() {
        // A datagram larger than the receive buffer.
        FakeKernel big = new FakeKernel((fk, req) -> fk.reply(new byte[NetlinkSocket.RECEIVE_BUFFER + 100]));
        try (NetlinkSocket s = new NetlinkSocket(big)) {
            MalformedMessageException e = assertThrows(MalformedMessageException.class,
                    () -> s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "RTM_NEWLINK tap0")));
            assertEquals("a 65636-byte reply to RTM_NEWLINK tap0 did not fit the 65536-byte receive buffer", e.getMessage());
        }
        // nlmsg_len 0 would loop forever if taken at face value.
        FakeKernel zero = new FakeKernel((fk, req) -> fk.reply(new byte[16]));
        try (NetlinkSocket s = new NetlinkSocket(zero)) {
            assertThrows(MalformedMessageException.class, () -> s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "x")));
        }
        // An error reply cut short: nlmsgerr needs 4 bytes of error code.
        FakeKernel shortError = new FakeKernel((fk, req) ->
                fk.reply(FakeKernel.message(NetlinkConstants.NLMSG_ERROR, 0, req.get(0).seq(), FakeKernel.PORT, new byte[2])));
        try (NetlinkSocket s = new NetlinkSocket(shortError)) {
            assertThrows(MalformedMessageException.class, () -> s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "x")));
        }
        // Extended-ack TLVs with a broken nla_len.
        FakeKernel badTlv = new FakeKernel((fk, req) -> {
            byte[] m = error(req.get(0).seq(), Errno.EINVAL, "text", -1);
            m[36] = 2; // nla_len of the first TLV: shorter than its header
            fk.reply(m);
        });
        try (NetlinkSocket s = new NetlinkSocket(badTlv)) {
            assertThrows(MalformedMessageException.class, () -> s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "x")));
        }
    }

    /** A caller's decoder failing mid-dump: the socket reads that dump to its end before the next request. */
    @Test
    void abandonedDumpIsDrainedBeforeTheNextRequest() {
        FakeKernel k = new FakeKernel((fk, req) -> {
            int seq = req.get(0).seq();
            if (fk.requests.size() == 1) {
                fk.reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "boom")).reply(data(RTM_NEWLINK, NLM_F_MULTI, seq, "rest"))
                        .reply(done(seq, 0, 0));
            } else {
                assertTrue(fk.idle(), "the old dump was read to its end before this send");
                fk.reply(ack(seq));
            }
        });
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            assertThrows(IllegalStateException.class, () -> s.dump(dumpRequest(), m -> {
                throw new IllegalStateException("decoder failed");
            }));
            s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "next"));
            assertEquals(2, k.requests.size());
        }
    }

    /** The dump's end was in the datagram that failed: the socket must not wait for it. */
    @Test
    void dumpEndingInABrokenReplyDoesNotBlockTheNextRequest() {
        FakeKernel k = new FakeKernel((fk, req) -> {
            int seq = req.get(0).seq();
            if (fk.requests.size() == 1) {
                byte[] big = new byte[NetlinkSocket.RECEIVE_BUFFER + 16];
                System.arraycopy(done(seq, 0, 0), 0, big, 0, 20);
                fk.reply(big);
            } else {
                fk.reply(ack(seq));
            }
        });
        try (NetlinkSocket s = new NetlinkSocket(k)) {
            assertThrows(MalformedMessageException.class, () -> s.dump(dumpRequest(), FakeKernel::name));
            s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "next"));
            assertEquals(2, k.requests.size());
        }
    }

    @Test
    void closeIsIdempotentAndFinal() {
        FakeKernel k = new FakeKernel((fk, req) -> fk.reply(ack(req.get(0).seq())));
        NetlinkSocket s = new NetlinkSocket(k);
        s.close();
        s.close();
        assertEquals(1, k.closes);
        assertThrows(IllegalStateException.class, () -> s.request(one(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, "x")));
    }

    @Test
    void misuseIsRejected() {
        try (NetlinkSocket s = new NetlinkSocket(new FakeKernel((fk, req) -> {}))) {
            assertThrows(IllegalArgumentException.class, () -> s.request(new MessageBuilder()), "nothing to send");
            assertThrows(IllegalArgumentException.class, () -> s.dump(batch(), FakeKernel::name), "a dump is one message");
            MessageBuilder open = new MessageBuilder();
            open.begin(RTM_NEWLINK, NLM_F_REQUEST, "unfinished");
            assertThrows(IllegalStateException.class, () -> s.request(open));
        }
    }
}
