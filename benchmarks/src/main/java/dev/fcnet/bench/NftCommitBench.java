package dev.fcnet.bench;

import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The kernel's own cost of one nftables transaction that adds one rule, with the rules of
 * {@code present} Simple networks in table {@code ip fcnet}: the part of a single Add or Delete
 * that no library can batch away. The rule goes into the filter chain that holds those networks'
 * rules ({@code busyChain}), into an empty base chain of the same table ({@code emptyChain}), or
 * into an empty base chain of another table ({@code otherTable}). Comparing the three shows
 * whether the cost follows the chain or the table. Timed: the commit (one datagram, with
 * NLM_F_ECHO for the handle, as the engine sends it); untimed: deleting the rule again.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class NftCommitBench {
    private static final String OTHER_TABLE = "other";
    private static final String IDLE_CHAIN = "idle";

    @State(Scope.Benchmark)
    public static class Host {
        @Param({"0", "1000", "10000"})
        public int present;

        @Param({"busyChain", "emptyChain", "otherTable"})
        public String into;

        HostNetns h;
        Rule rule;

        @Setup(Level.Trial)
        public void setUp() {
            h = HostNetns.create();
            List<SimpleNet> nets = new ArrayList<>(present);
            for (int i = 0; i < present; i++) nets.add(new SimpleNet(i));
            if (present > 0) h.tools.feed(Kernel.simpleNftBatch(nets), "nft", "-f", "-");
            h.tools.feed("add chain ip fcnet " + IDLE_CHAIN + " { type filter hook input priority 0; policy accept; }\n"
                    + "add table ip " + OTHER_TABLE + "\n"
                    + "add chain ip " + OTHER_TABLE + " " + IDLE_CHAIN
                    + " { type filter hook input priority 0; policy accept; }\n", "nft", "-f", "-");
            Rule accept = ShapeRules.acceptInOut(NftFamily.IP, "fcx", SimpleNet.IFACE);
            rule = switch (into) {
                case "busyChain" -> accept;
                case "emptyChain" -> Rule.of(NftFamily.IP, FcnetTable.TABLE, IDLE_CHAIN, accept.exprs());
                case "otherTable" -> Rule.of(NftFamily.IP, OTHER_TABLE, IDLE_CHAIN, accept.exprs());
                default -> throw new IllegalArgumentException("into: busyChain, emptyChain or otherTable, not " + into);
            };
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            h.close();
        }
    }

    /** The rule the timed commit added, deleted again after it. */
    @State(Scope.Thread)
    public static class Added {
        Rule rule;

        @TearDown(Level.Invocation)
        public void remove(Host host) {
            host.h.nft.commit(new NftBatch().deleteRule(rule));
        }
    }

    @Benchmark
    public Rule commitOneRule(Host host, Added added) {
        added.rule = host.h.nft.commit(new NftBatch().addRule(host.rule)).get(0);
        return added.rule;
    }
}
