package dev.fcnet.nft;

import dev.fcnet.bench.ShapeRules;
import static dev.fcnet.netlink.NetlinkConstants.NETLINK_NETFILTER;

import dev.fcnet.bench.HostNetns;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.MessageReader;
import dev.fcnet.netlink.MessageView;
import dev.fcnet.netlink.NetlinkSocket;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.RtnlCodec;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Codec micro-benchmarks (DESIGN §7), run with {@code -prof gc} for allocation per operation.
 * They sit in the library's nft package for its package-private encoders and decoders.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 6, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class CodecBench {
    /** Rules in the dumped chain. */
    static final int DUMP_RULES = 10_000;

    /** What a Simple Add encodes, made afresh per operation from the network's values as the engine does. */
    @State(Scope.Thread)
    public static class AddInput {
        final MessageBuilder builder = new MessageBuilder(8192);
        final Link tap = new Link(7, "fc1", 0, Optional.of("tun"), 0, 1500, OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.empty(), Optional.empty(), Optional.empty(), OptionalInt.empty(), OptionalInt.empty());
        final InetAddress tapIp = InetAddress.ofLiteral("10.0.0.5");
        final InetAddress guestIp = InetAddress.ofLiteral("10.0.0.6");
    }

    /**
     * One real dump of a 10,000-rule chain (filter, {@code iifname "fcN" oifname "eth0" accept}),
     * its messages captured once from the kernel, back to back as the receive loop sees them.
     */
    @State(Scope.Benchmark)
    public static class ChainDump {
        Arena arena;
        MemorySegment messages;

        @Setup(Level.Trial)
        public void capture() {
            StringBuilder rules = new StringBuilder(DUMP_RULES * 64);
            for (int i = 0; i < DUMP_RULES; i++) {
                rules.append("add rule ip fcnet filter iifname \"fc").append(i).append("\" oifname \"eth0\" accept\n");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (HostNetns host = HostNetns.create()) {
                host.feed(rules.toString(), "nft", "-f", "-");
                try (NetlinkSocket socket = host.netns().call(() -> NetlinkSocket.open(NETLINK_NETFILTER))) {
                    MessageBuilder b = new MessageBuilder();
                    NftMessages.dumpRules(b, NftFamily.IP, FcnetTable.TABLE, FcnetTable.FILTER);
                    socket.dump(b, m -> {
                        byte[] message = m.segment().toArray(ValueLayout.JAVA_BYTE);
                        bytes.writeBytes(message);
                        bytes.writeBytes(new byte[-message.length & 3]); // messages start 4-byte aligned
                        return null;
                    });
                }
            }
            arena = Arena.ofShared();
            byte[] all = bytes.toByteArray();
            messages = arena.allocate(all.length, 8).copyFrom(MemorySegment.ofArray(all));
            int count = decode(messages).size();
            if (count != DUMP_RULES) throw new IllegalStateException("captured " + count + " rules, wanted " + DUMP_RULES);
        }

        @TearDown(Level.Trial)
        public void free() {
            arena.close();
        }
    }

    /** Encoding a Simple Add: its nft batch (table, two chains, two rules) and its rtnetlink requests. */
    @Benchmark
    public int encodeSimpleAdd(AddInput in) {
        MessageBuilder b = in.builder.clear();
        new NftBatch()
                .addTable(FcnetTable.table(NftFamily.IP))
                .addChain(FcnetTable.postroutingChain(NftFamily.IP))
                .addChain(FcnetTable.filterChain(NftFamily.IP))
                .addRule(ShapeRules.masquerade(NftFamily.IP, in.guestIp, "eth0"))
                .addRule(ShapeRules.acceptInOut(NftFamily.IP, in.tap.name(), "eth0"))
                .encode(b);
        RtnlCodec.simpleAdd(b, in.tap, FcnetEngine.LINK_ALIAS, in.tapIp, 30);
        return b.size();
    }

    /** Decoding the captured 10,000-rule dump into rules (one operation = the whole dump). */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public List<Rule> decodeChainDump(ChainDump dump) {
        return decode(dump.messages);
    }

    static List<Rule> decode(MemorySegment messages) {
        List<Rule> rules = new ArrayList<>(DUMP_RULES);
        for (MessageReader r = new MessageReader(messages); r.next(); ) {
            MessageView m = r.message();
            rules.add(NftMessages.decodeRule(m));
        }
        return rules;
    }
}
