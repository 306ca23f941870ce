package dev.fcnet.nft;

import static dev.fcnet.nft.NftGoldenTest.addr;
import static dev.fcnet.nft.NftKernelTest.connect;
import static dev.fcnet.nft.NftKernelTest.nftLoad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.sys.Errno;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Named sets against the kernel, in scratch namespaces, judged by the nft tool: the sets ruleset
 * of DESIGN §3b made by our code lists exactly as written there, elements added and deleted show
 * in {@code nft list set}, one-element lookups answer present/absent, a duplicate element is
 * refused with EEXIST, and what {@code nft -f} loads decodes into exactly our records.
 */
@KernelTest
class NftSetsKernelTest {
    /** The sets DESIGN §3b puts in a {@code family} table, in its order. */
    static List<String> setNames(NftFamily family) {
        return switch (family) {
            case IP -> List.of("masq_v4", "fwd_pairs");
            case IP6 -> List.of("masq_v6", "fwd_pairs");
            case INET -> List.of("masq_v4", "masq_v6", "fwd_pairs");
        };
    }

    /** Table, the two host chains, the sets (ids 1, 2, 3 in this transaction) and their rules. */
    static NftBatch section3bBatch(NftFamily f) {
        NftBatch b = new NftBatch().addTable(FcnetTable.table(f)).addChain(FcnetTable.postroutingChain(f))
                .addChain(FcnetTable.filterChain(f));
        List<NftSet> sets = new ArrayList<>();
        int id = 1;
        for (String name : setNames(f)) {
            NftSet s = withId(NftSetsGoldenTest.set(f, name), id++);
            sets.add(s);
            b.addSet(s);
        }
        for (NftSet s : sets) b.addRule(NftSetsGoldenTest.rule(s));
        return b;
    }

    static NftSet withId(NftSet s, int id) {
        return new NftSet(s.family(), s.table(), s.name(), s.handle(), s.flags(), s.keyType(), s.keyLen(), id, s.userdata());
    }

    /** DESIGN §3b's sets and rules in a {@code family} table as {@code nft list ruleset} prints them. */
    static String section3bText(NftFamily f, String masqV4Elements, String masqV6Elements, String fwdElements) {
        StringBuilder s = new StringBuilder("table " + f.keyword() + " fcnet {\n");
        if (f != NftFamily.IP6) s.append(setText("masq_v4", "ipv4_addr . ifname", masqV4Elements));
        if (f != NftFamily.IP) s.append(setText("masq_v6", "ipv6_addr . ifname", masqV6Elements));
        s.append(setText("fwd_pairs", "ifname . ifname", fwdElements));
        s.append("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
        if (f != NftFamily.IP6) s.append("\t\tip saddr . oifname @masq_v4 masquerade\n");
        if (f != NftFamily.IP) s.append("\t\tip6 saddr . oifname @masq_v6 masquerade\n");
        s.append("\t}\n\n\tchain filter {\n\t\ttype filter hook forward priority filter; policy accept;\n");
        s.append("\t\tiifname . oifname @fwd_pairs accept\n\t}\n}\n");
        return s.toString();
    }

    private static String setText(String name, String type, String elements) {
        return "\tset " + name + " {\n\t\ttype " + type + "\n"
                + (elements == null ? "" : "\t\telements = { " + elements + " }\n") + "\t}\n\n";
    }

    @Test
    void theSetsRulesetListsAsDesignWritesIt(ScratchNetns ns) {
        try (NftConnection c = connect(ns)) {
            for (NftFamily f : NftFamily.values()) {
                List<Rule> added = c.commit(section3bBatch(f));
                assertEquals(section3bText(f, null, null, null), ns.exec("nft", "list", "ruleset"), f.keyword());

                // Again: the table, chains and sets exist, so only the rules are added (twice now).
                c.commit(section3bBatch(f));
                assertEquals(2 * added.size(), c.rules(f, "fcnet", "postrouting").size() + c.rules(f, "fcnet", "filter").size());
                c.commit(new NftBatch().deleteTable(FcnetTable.table(f)));
            }
        }
    }

    @Test
    void elementsAreAddedOnceListedFoundAndDeleted(ScratchNetns ns) {
        try (NftConnection c = connect(ns)) {
            for (NftFamily f : NftFamily.values()) {
                c.commit(section3bBatch(f));
                NftSet fwd = NftSetsGoldenTest.set(f, "fwd_pairs");
                NftSet masq = NftSetsGoldenTest.set(f, f == NftFamily.IP6 ? "masq_v6" : "masq_v4");
                SetElement m = NftSetsGoldenTest.element(masq.name());
                SetElement in = SetElement.of("eth0", "veth1");
                SetElement out = SetElement.of("veth1", "eth0");
                assertFalse(c.contains(masq, m));
                assertArrayEquals(new boolean[] {false, false}, c.contains(fwd, List.of(in, out)));

                c.commit(new NftBatch().addElements(masq, List.of(m)).addElements(fwd, List.of(in)));
                String masqText = f == NftFamily.IP6 ? "fd00:16::2 . \"eth0\"" : "172.16.0.2 . \"eth0\"";
                assertEquals(section3bText(f, f == NftFamily.IP6 ? null : masqText, f == NftFamily.IP6 ? masqText : null,
                        "\"eth0\" . \"veth1\""), ns.exec("nft", "list", "ruleset"), f.keyword());
                c.commit(new NftBatch().addElements(fwd, List.of(out)));
                String listed = ns.exec("nft", "list", "set", f.keyword(), "fcnet", "fwd_pairs");
                assertTrue(listed.contains("\"eth0\" . \"veth1\"") && listed.contains("\"veth1\" . \"eth0\""), listed);
                assertTrue(c.contains(masq, m));
                assertArrayEquals(new boolean[] {true, false, true}, c.contains(fwd, List.of(in, SetElement.of("tap9", "eth0"), out)));
                assertEquals(List.of(m), c.elements(masq));
                assertEquals(List.of(in, out), c.elements(fwd).stream().sorted((a, b) -> a.key().toString().compareTo(b.key().toString())).toList());

                // A duplicate is refused with EEXIST, and nothing of its batch is applied.
                SetElement other = SetElement.of("tap1", "eth0");
                NetlinkException dup = assertThrows(NetlinkException.class,
                        () -> c.commit(new NftBatch().addElements(fwd, List.of(other)).addElements(masq, List.of(m))));
                assertEquals(Errno.EEXIST, dup.errno(), dup::getMessage);
                assertTrue(dup.getMessage().startsWith("NFT_MSG_NEWSETELEM " + masq.family() + " fcnet " + masq.name() + " { "),
                        dup::getMessage);
                assertTrue(dup.getMessage().contains("(change 2 of 2, seq "), dup::getMessage);
                assertTrue(dup.getMessage().contains("bad attribute NFTA_SET_ELEM_LIST_ELEMENTS element 1; batch not applied"),
                        dup::getMessage);
                assertFalse(c.contains(fwd, other), "the batch's first element was not added either");

                c.commit(new NftBatch().deleteElements(fwd, List.of(in)).deleteElements(masq, List.of(m)));
                assertEquals(List.of(out), c.elements(fwd));
                assertFalse(ns.exec("nft", "list", "set", f.keyword(), "fcnet", "fwd_pairs").contains("\"eth0\" . \"veth1\""));
                assertEquals(List.of(), c.elements(masq));
                assertFalse(c.contains(masq, m));
                NetlinkException gone = assertThrows(NetlinkException.class,
                        () -> c.commit(new NftBatch().deleteElements(masq, List.of(m))));
                assertEquals(Errno.ENOENT, gone.errno(), gone::getMessage);
                c.commit(new NftBatch().deleteTable(FcnetTable.table(f)));
            }
        }
    }

    @Test
    void lookupsInAMissingSetOrTableFail(ScratchNetns ns) {
        try (NftConnection c = connect(ns)) {
            NftSet fwd = NftSetsGoldenTest.set(NftFamily.IP, "fwd_pairs");
            SetElement e = SetElement.of("tap0", "eth0");
            NetlinkException noTable = assertThrows(NetlinkException.class, () -> c.contains(fwd, e));
            assertEquals(Errno.ENOENT, noTable.errno());
            c.commit(new NftBatch().addTable(FcnetTable.table(NftFamily.IP)));
            NetlinkException noSet = assertThrows(NetlinkException.class, () -> c.contains(fwd, List.of(e, e)));
            assertEquals(Errno.ENOENT, noSet.errno());
            assertThrows(NetlinkException.class, () -> c.elements(fwd));
            assertEquals(Optional.empty(), c.set(NftFamily.IP, "fcnet", "fwd_pairs"));
            assertEquals(List.of(), c.sets(NftFamily.IP, "fcnet"));
            assertEquals(List.of(), c.sets(NftFamily.IP, "nosuchtable"));
        }
    }

    @Test
    void aSetIsAddedOnceAndAnotherKeyUnderItsNameIsRefused(ScratchNetns ns) {
        try (NftConnection c = connect(ns)) {
            NftSet fwd = NftSetsGoldenTest.set(NftFamily.IP, "fwd_pairs");
            c.commit(new NftBatch().addTable(FcnetTable.table(NftFamily.IP)).addSet(fwd)
                    .addElements(fwd, List.of(SetElement.of("tap0", "eth0"))));
            NftSet read = c.set(NftFamily.IP, "fcnet", "fwd_pairs").orElseThrow();
            assertTrue(fwd.matches(read) && read.handle() != 0, read::toString);
            assertEquals(List.of(read), c.sets(NftFamily.IP, "fcnet"));

            // Again with the same key: a no-op that keeps the set and its elements.
            c.commit(new NftBatch().addSet(fwd));
            assertEquals(List.of(read), c.sets(NftFamily.IP, "fcnet"));
            assertTrue(c.contains(fwd, SetElement.of("tap0", "eth0")));

            NftSet other = NftSet.concat(NftFamily.IP, "fcnet", "fwd_pairs", 1, List.of(SetKeyType.IPV4_ADDR, SetKeyType.IFNAME));
            NetlinkException e = assertThrows(NetlinkException.class, () -> c.commit(new NftBatch().addSet(other)));
            assertEquals(Errno.EEXIST, e.errno(), e::getMessage);
            assertTrue(e.getMessage().startsWith("NFT_MSG_NEWSET ip fcnet fwd_pairs { type ipv4_addr . ifname; } id 1 (change 1 of 1"),
                    e::getMessage);
            assertEquals(List.of(read), c.sets(NftFamily.IP, "fcnet"));
        }
    }

    static final String V4_ELEMENT = "172.16.0.2 . \"eth0\"";
    static final String V6_ELEMENT = "fd00:16::2 . \"eth0\"";
    static final String FWD_ELEMENT = "\"tap0\" . \"eth0\"";

    @Test
    void aRulesetLoadedByNftDecodesToOurRecordsAndListsLikeOurs(ScratchNetns ours, ScratchNetns theirs) {
        try (NftConnection c = connect(ours); NftConnection t = connect(theirs)) {
            for (NftFamily f : NftFamily.values()) {
                // DESIGN §3b's text, as nft lists it, loaded by the nft tool.
                String text = section3bText(f, f == NftFamily.IP6 ? null : V4_ELEMENT, f == NftFamily.IP ? null : V6_ELEMENT,
                        FWD_ELEMENT);
                nftLoad(theirs, text);
                assertEquals(text, theirs.exec("nft", "list", "ruleset"));

                NftBatch batch = section3bBatch(f);
                List<NftSet> built = batch.setChanges().stream().map(ch -> ((NftBatch.AddSet) ch).set()).toList();
                List<NftSet> read = t.sets(f, "fcnet");
                assertEquals(built.size(), read.size(), read::toString);
                for (int i = 0; i < built.size(); i++) {
                    NftSet b = built.get(i), r = read.get(i);
                    assertTrue(b.matches(r) && r.handle() != 0 && r.id() == 0, r::toString);
                    assertEquals(b.userdata(), r.userdata(), "nft's userdata, as we write it: " + r);
                    assertEquals(Optional.of(r), t.set(f, "fcnet", r.name()));
                    SetElement e = NftSetsGoldenTest.element(r.name());
                    assertEquals(List.of(e), t.elements(r));
                    assertTrue(t.contains(r, e));
                }
                List<Rule> builtRules = batch.changes().stream().filter(NftBatch.AddRule.class::isInstance)
                        .map(ch -> ((NftBatch.AddRule) ch).rule()).toList();
                List<Rule> readRules = new ArrayList<>(t.rules(f, "fcnet", "postrouting"));
                readRules.addAll(t.rules(f, "fcnet", "filter"));
                assertEquals(builtRules.size(), readRules.size());
                for (int i = 0; i < builtRules.size(); i++) {
                    assertTrue(builtRules.get(i).matches(readRules.get(i)), readRules.get(i)::toString);
                }

                // The same made by our code lists the same, handles included.
                c.commit(batch);
                NftBatch elements = new NftBatch();
                for (NftSet s : built) elements.addElements(s, List.of(NftSetsGoldenTest.element(s.name())));
                c.commit(elements);
                assertEquals(theirs.exec("nft", "-a", "list", "ruleset"), ours.exec("nft", "-a", "list", "ruleset"));
                c.commit(new NftBatch().deleteTable(FcnetTable.table(f)));
                t.commit(new NftBatch().deleteTable(FcnetTable.table(f)));
            }
        }
    }

    @Test
    void thousandsOfLookupsInOneCallAnswerEachElement(ScratchNetns ns) throws Exception {
        int n = 5000;
        try (NftConnection c = connect(ns)) {
            c.commit(section3bBatch(NftFamily.IP));
            NftSet masq = NftSetsGoldenTest.set(NftFamily.IP, "masq_v4");
            List<SetElement> all = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                all.add(SetElement.of(InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i}), "eth0"));
            }
            // Every other one present, in changes of at most MAX_ELEMENTS.
            List<SetElement> even = new ArrayList<>();
            for (int i = 0; i < n; i += 2) even.add(all.get(i));
            for (int i = 0; i < even.size(); i += NftBatch.MAX_ELEMENTS) {
                c.commit(new NftBatch().addElements(masq, even.subList(i, Math.min(even.size(), i + NftBatch.MAX_ELEMENTS))));
            }
            assertEquals(even.size(), c.elements(masq).size());

            c.contains(masq, all); // warm up
            long t0 = System.nanoTime();
            boolean[] found = c.contains(masq, all);
            long batched = System.nanoTime() - t0;
            for (int i = 0; i < n; i++) assertEquals(i % 2 == 0, found[i], "element " + i);

            t0 = System.nanoTime();
            for (int i = 0; i < 500; i++) assertEquals(i % 2 == 0, c.contains(masq, all.get(i)));
            long single = (System.nanoTime() - t0) / 500;
            // Every one present: twice the replies (element and ack), still within the receive queue.
            boolean[] allPresent = c.contains(masq, even);
            for (boolean b : allPresent) assertTrue(b);
            long d0 = System.nanoTime();
            assertEquals(even.size(), c.elements(masq).size());
            long dump = System.nanoTime() - d0;
            // Every one absent: n ENOENT answers (the best of five runs).
            List<SetElement> absent = new ArrayList<>(n);
            for (int i = 0; i < n; i++) absent.add(SetElement.of(InetAddress.getByAddress(new byte[] {10, 2, (byte) (i >> 8), (byte) i}), "eth0"));
            long absentBest = Long.MAX_VALUE;
            for (int run = 0; run < 5; run++) {
                long a0 = System.nanoTime();
                boolean[] none = c.contains(masq, absent);
                absentBest = Math.min(absentBest, System.nanoTime() - a0);
                for (boolean b : none) assertTrue(!b);
            }
            System.out.printf("contains: %d lookups (half present) batched in %.1f ms (%.1f us each); one at a time %.1f us each;"
                    + " dump of the %d elements %.1f ms; %d absent in %.1f ms%n", n, batched / 1e6, batched / 1e3 / n,
                    single / 1e3, even.size(), dump / 1e6, n, absentBest / 1e6);
        }
    }
}
