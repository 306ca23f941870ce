package dev.fcnet.nft;

import static dev.fcnet.netlink.NetlinkConstants.NETLINK_NETFILTER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netlink.NetlinkSocket;
import dev.fcnet.netns.Netns;
import dev.fcnet.sys.Errno;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * nf_tables against the kernel, each test in scratch namespaces (our socket opened inside with
 * {@link Netns#call}), judged by the nft tool: what we add lists exactly like the same nft text
 * loaded with {@code nft -f}, and what nft adds decodes into exactly our records.
 */
@KernelTest
class NftKernelTest {
    static NftConnection connect(ScratchNetns ns) {
        try (Netns n = Netns.open(ns.name())) {
            return new NftConnection(n.call(() -> NetlinkSocket.open(NETLINK_NETFILTER)));
        }
    }

    /** The nft text a fixture captured, e.g. {@code add rule ip fcnet filter iifname "tap0" oifname "eth0" accept}. */
    static String nftText(String fixture) {
        String command = NftFixture.load(fixture).command();
        return command.substring(command.indexOf('\'') + 1, command.lastIndexOf('\''));
    }

    static NftFamily family(String config) {
        return config.startsWith("inet") ? NftFamily.INET : config.equals("ip6") ? NftFamily.IP6 : NftFamily.IP;
    }

    /** DESIGN §3 for one family: the table, its three chains and the seven rule shapes, as nft text. */
    static String section3Text(String config) {
        String f = family(config).keyword();
        StringBuilder s = new StringBuilder(nftText(f + "-table")).append('\n');
        for (String chain : List.of("postrouting", "filter", "prerouting")) s.append(nftText(f + "-chain-" + chain)).append('\n');
        for (String shape : NftGoldenTest.SHAPES) s.append(nftText(config + "-" + shape)).append('\n');
        return s.toString();
    }

    /** The same with our builders. */
    static NftBatch section3Batch(String config) {
        NftFamily f = family(config);
        NftBatch b = new NftBatch().addTable(FcnetTable.table(f)).addChain(FcnetTable.postroutingChain(f))
                .addChain(FcnetTable.filterChain(f)).addChain(FcnetTable.preroutingChain(f));
        for (String shape : NftGoldenTest.SHAPES) b.addRule(NftGoldenTest.rule(config + "-" + shape));
        return b;
    }

    static List<Rule> builtRules(String config, String chain) {
        List<Rule> rules = new ArrayList<>();
        for (String shape : NftGoldenTest.SHAPES) {
            Rule r = NftGoldenTest.rule(config + "-" + shape);
            if (r.chain().equals(chain)) rules.add(r);
        }
        return rules;
    }

    static void nftLoad(ScratchNetns ns, String text) {
        Tools.Result r = Tools.exec(text, "ip", "netns", "exec", ns.name(), "nft", "-f", "-");
        assertEquals(0, r.exit(), r.err());
    }

    @Test
    void everyChangingTransactionBumpsTheGenerationByOneAndConditionalCommitsSeeOthers(ScratchNetns ns) {
        try (NftConnection nft = connect(ns)) {
            int g0 = nft.generation();
            NftFamily f = NftFamily.IP;
            Rule masq = ShapeRules.masquerade(f, NftGoldenTest.addr("10.0.0.2"), "eth0");
            nft.commit(new NftBatch().addTable(FcnetTable.table(f)).addChain(FcnetTable.postroutingChain(f)).addRule(masq));
            assertEquals(g0 + 1, nft.generation(), "one transaction, however many changes: one generation");
            Rule added = nft.commit(new NftBatch().addRule(masq), g0 + 1).get(0);
            assertEquals(g0 + 2, nft.generation());

            // Refused and empty transactions do not count.
            assertThrows(NetlinkException.class, () -> nft.commit(new NftBatch().addRule(
                    Rule.of(f, "fcnet", "nochain", List.of(Masq.PLAIN)))));
            nft.commit(new NftBatch());
            assertEquals(g0 + 2, nft.generation());

            // A change by someone else (the nft tool): a batch for the old generation is refused as a whole.
            nftLoad(ns, "add rule ip fcnet postrouting masquerade\n");
            assertEquals(g0 + 3, nft.generation());
            NetlinkException stale = assertThrows(NetlinkException.class,
                    () -> nft.commit(new NftBatch().deleteRule(added).addRule(masq), g0 + 2));
            assertEquals(Errno.ERESTART, stale.errno(), stale::getMessage);
            assertTrue(stale.getMessage().startsWith("NFNL_MSG_BATCH_BEGIN generation " + (g0 + 2)), stale::getMessage);
            assertEquals(3, nft.rules(f, "fcnet", "postrouting").size(), "nothing of the stale batch was applied");
            assertEquals(g0 + 3, nft.generation());
            nft.commit(new NftBatch().deleteRule(added), g0 + 3);
            assertEquals(g0 + 4, nft.generation());
            assertEquals(2, nft.rules(f, "fcnet", "postrouting").size());
            assertThrows(IllegalArgumentException.class, () -> nft.commit(new NftBatch().addRule(masq), 0));
        }
    }

    @Test
    void section3RulesListLikeNftsAndDecodeToOurRecords(ScratchNetns ours, ScratchNetns theirs) {
        try (NftConnection c = connect(ours); NftConnection t = connect(theirs)) {
            for (String config : NftGoldenTest.FAMILIES) {
                NftFamily f = family(config);
                List<Rule> added = c.commit(section3Batch(config));
                nftLoad(theirs, section3Text(config));

                assertEquals(theirs.exec("nft", "list", "ruleset"), ours.exec("nft", "list", "ruleset"), config);
                assertEquals(theirs.exec("nft", "-a", "list", "ruleset"), ours.exec("nft", "-a", "list", "ruleset"), config);

                List<Long> dumpedHandles = new ArrayList<>();
                for (String chain : List.of("postrouting", "filter", "prerouting")) {
                    List<Rule> built = builtRules(config, chain);
                    List<Rule> fromNft = t.rules(f, "fcnet", chain);
                    assertEquals(exprs(built), exprs(fromNft), config + " " + chain + " as nft -f made it");
                    for (int i = 0; i < built.size(); i++) assertTrue(built.get(i).matches(fromNft.get(i)));
                    List<Rule> fromUs = c.rules(f, "fcnet", chain);
                    assertEquals(exprs(built), exprs(fromUs), config + " " + chain + " as we made it");
                    fromUs.forEach(r -> dumpedHandles.add(r.handle()));
                }
                List<Long> echoedHandles = new ArrayList<>();
                for (String chain : List.of("postrouting", "filter", "prerouting")) {
                    added.stream().filter(r -> r.chain().equals(chain)).forEach(r -> echoedHandles.add(r.handle()));
                }
                assertEquals(dumpedHandles, echoedHandles, "handles echoed by the commit");

                assertEquals(List.of(new Table(f, "fcnet", 0, t.tables(f).getFirst().handle())), t.tables(f));
                List<Chain> chains = t.chains(f);
                assertEquals(3, chains.size(), chains::toString);
                assertTrue(FcnetTable.postroutingChain(f).matches(chains.get(0)), chains::toString);
                assertTrue(FcnetTable.filterChain(f).matches(chains.get(1)), chains::toString);
                assertTrue(FcnetTable.preroutingChain(f).matches(chains.get(2)), chains::toString);

                c.commit(new NftBatch().addTable(FcnetTable.table(f)).addChain(FcnetTable.filterChain(f)));
                assertEquals(theirs.exec("nft", "list", "ruleset"), ours.exec("nft", "list", "ruleset"),
                        "adding the table and a chain again changes nothing");

                c.commit(new NftBatch().deleteTable(FcnetTable.table(f)));
                theirs.exec("nft", "delete", "table", f.keyword(), "fcnet");
                assertEquals("", ours.exec("nft", "list", "ruleset"));
                assertEquals(List.of(), c.tables(f));
            }
        }
    }

    static List<List<Expr>> exprs(List<Rule> rules) {
        return rules.stream().map(Rule::exprs).toList();
    }

    @Test
    void deleteByHandleLeavesTheChainAsBefore(ScratchNetns ns) {
        try (NftConnection c = connect(ns)) {
            List<Rule> section3 = c.commit(section3Batch("inet-ip"));
            String before = ns.exec("nft", "-a", "list", "ruleset");
            Rule extra = ShapeRules.masquerade(NftFamily.INET, NftGoldenTest.addr("fd00::9"), "eth1");
            Rule added = c.commit(new NftBatch().addRule(extra)).getFirst();
            assertTrue(ns.exec("nft", "-a", "list", "chain", "inet", "fcnet", "postrouting")
                    .contains("ip6 saddr fd00::9 oifname \"eth1\" masquerade # handle " + added.handle()));

            Optional<Rule> got = c.rule(NftFamily.INET, "fcnet", "postrouting", added.handle());
            assertTrue(got.isPresent() && got.get().matches(extra) && got.get().handle() == added.handle(), got::toString);

            c.commit(new NftBatch().deleteRule(added));
            assertEquals(before, ns.exec("nft", "-a", "list", "ruleset"));
            assertEquals(Optional.empty(), c.rule(NftFamily.INET, "fcnet", "postrouting", added.handle()));
            assertEquals(Optional.empty(), c.rule(NftFamily.INET, "fcnet", "nosuchchain", added.handle()));
            assertEquals(List.of(), c.rules(NftFamily.INET, "fcnet", "nosuchchain"));

            // "If empty" deletes refuse while rules or chains are inside, and change nothing.
            Chain prerouting = FcnetTable.preroutingChain(NftFamily.INET);
            NetlinkException busy = assertThrows(NetlinkException.class,
                    () -> c.commit(new NftBatch().deleteChainIfEmpty(prerouting)));
            assertEquals(Errno.EBUSY, busy.errno(), busy.getMessage());
            busy = assertThrows(NetlinkException.class,
                    () -> c.commit(new NftBatch().deleteTableIfEmpty(FcnetTable.table(NftFamily.INET))));
            assertEquals(Errno.EBUSY, busy.errno(), busy.getMessage());
            assertEquals(before, ns.exec("nft", "-a", "list", "ruleset"));

            Rule dnat = section3.stream().filter(r -> r.chain().equals("prerouting")).findFirst().orElseThrow();
            c.commit(new NftBatch().deleteRule(dnat).deleteChainIfEmpty(prerouting));
            assertEquals(List.of("postrouting", "filter"), c.chains(NftFamily.INET).stream().map(Chain::name).toList());
            assertFalse(ns.exec("nft", "list", "ruleset").contains("prerouting"));

            // A plain chain delete takes the chain's rules with it.
            c.commit(new NftBatch().deleteChain(FcnetTable.filterChain(NftFamily.INET)));
            assertEquals(List.of("postrouting"), c.chains(NftFamily.INET).stream().map(Chain::name).toList());
        }
    }

    @Test
    void aFailingBatchChangesNothingAndNamesTheFailingMessage(ScratchNetns ns) {
        try (NftConnection c = connect(ns)) {
            NftBatch batch = new NftBatch().addTable(FcnetTable.table(NftFamily.IP))
                    .addChain(FcnetTable.postroutingChain(NftFamily.IP))
                    .addRule(NftGoldenTest.rule("ip-simple-masq"))
                    .addRule(NftGoldenTest.rule("ip-ns-dnat")); // its prerouting chain is missing
            NetlinkException e = assertThrows(NetlinkException.class, () -> c.commit(batch));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals(4, e.messageIndex(), "BATCH_BEGIN is message 0");
            Matcher m = Pattern.compile("^NFT_MSG_NEWRULE ip fcnet prerouting \\(change 4 of 4, seq (\\d+), "
                    + "bad attribute NFTA_RULE_CHAIN \"prerouting\"; batch not applied\\): .*\\(ENOENT\\)$").matcher(e.getMessage());
            assertTrue(m.find(), e.getMessage());
            assertEquals(Integer.toUnsignedString(e.seq()), m.group(1));
            assertEquals("", ns.exec("nft", "list", "ruleset"), "the table and chain of the batch were not made");

            // An expression the kernel does not know: the error points at it.
            c.commit(new NftBatch().addTable(FcnetTable.table(NftFamily.IP)).addChain(FcnetTable.postroutingChain(NftFamily.IP)));
            Rule bogus = Rule.of(NftFamily.IP, "fcnet", "postrouting", List.of(Masq.PLAIN, new Unknown("nosuchexpr", NftData.EMPTY)));
            NetlinkException e2 = assertThrows(NetlinkException.class, () -> c.commit(new NftBatch().addRule(bogus)));
            assertTrue(e2.getMessage().contains("bad attribute NFTA_RULE_EXPRESSIONS expression 2 (nosuchexpr)"), e2.getMessage());
            assertFalse(ns.exec("nft", "list", "ruleset").contains("masquerade"));
        }
    }

    /**
     * This thread's allocation so far (com.sun.management.ThreadMXBean), looked up reflectively:
     * the tests compile inside module dev.fcnet, which does not read java.management.
     */
    static long allocatedBytes() throws ReflectiveOperationException {
        Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
        return (long) Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes").invoke(bean);
    }

    @Test
    void aChainOfTenThousandRulesDumpsCompletely(ScratchNetns ns) throws Exception {
        int n = 10_000;
        StringBuilder text = new StringBuilder(section3Text("ip"));
        List<InetAddress> addrs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            InetAddress a = InetAddress.getByAddress(new byte[] {10, (byte) (i >> 8), (byte) i, 1});
            addrs.add(a);
            text.append("add rule ip fcnet postrouting ip saddr ").append(a.getHostAddress()).append(" oifname \"eth0\" masquerade\n");
        }
        nftLoad(ns, text.toString());
        List<Long> nftHandles = new ArrayList<>();
        Matcher h = Pattern.compile("# handle (\\d+)").matcher(ns.exec("nft", "-a", "list", "chain", "ip", "fcnet", "postrouting"));
        while (h.find()) nftHandles.add(Long.parseLong(h.group(1)));
        nftHandles.removeFirst(); // the chain's own handle

        try (NftConnection c = connect(ns)) {
            c.rules(NftFamily.IP, "fcnet", "postrouting"); // warm up
            long allocated = allocatedBytes();
            List<Rule> rules = c.rules(NftFamily.IP, "fcnet", "postrouting");
            allocated = allocatedBytes() - allocated;

            int before = builtRules("ip", "postrouting").size();
            assertEquals(before + n, rules.size());
            assertEquals(nftHandles, rules.stream().map(Rule::handle).toList());
            for (int i = 0; i < n; i++) {
                assertTrue(ShapeRules.masquerade(NftFamily.IP, addrs.get(i), "eth0").matches(rules.get(before + i)), i + ": " + rules.get(before + i));
            }
            // A decoded rule is ~250 wire bytes and ~20 small objects; copying per byte would show as far more.
            long perRule = allocated / rules.size();
            System.out.println("dump of " + rules.size() + " rules: " + allocated + " bytes allocated, " + perRule + " per rule");
            assertTrue(perRule < 4096, perRule + " bytes allocated per rule");
        }
    }
}
