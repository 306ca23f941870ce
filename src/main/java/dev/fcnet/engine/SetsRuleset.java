package dev.fcnet.engine;

import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.Lookup;
import dev.fcnet.nft.Masq;
import dev.fcnet.nft.Matches;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.NftSet;
import dev.fcnet.nft.Rule;
import dev.fcnet.nft.Selector;
import dev.fcnet.nft.SetElement;
import dev.fcnet.nft.SetKeyType;
import dev.fcnet.nft.Verdict;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The sets ruleset (DESIGN §3b): two fixed rules per family match named sets, and a network's
 * host part is its elements of them, added and deleted without touching a rule (the kernel
 * revalidates the whole table on every commit that changes a rule, not on one that changes
 * elements). The table, chains, sets and fixed rules are made when missing, in the table and
 * chains of §3, so networks of both rulesets share them. Networks whose host part is §3's rules
 * (made by fcnet or by an engine of the fcnet ruleset) are checked and deleted as such.
 */
final class SetsRuleset implements Ruleset {
    static final String MASQ_V4 = "masq_v4";
    static final String MASQ_V6 = "masq_v6";
    /** Not {@code fwd}, an nft keyword. */
    static final String FWD_PAIRS = "fwd_pairs";

    private final FcnetRuleset rules = new FcnetRuleset();

    /** A set of the layout with the rule that matches it, as {@code nft list ruleset} prints the rule. */
    record FixedSet(NftSet set, RuleSpec rule) {}

    /** One element of a network, e.g. {@code 172.16.0.2 . "eth0"} of {@code masq_v4}. */
    record Element(NftSet set, SetElement key, String text) {
        /** {@code ip fcnet masq_v4 { 172.16.0.2 . "eth0" }}, as nft names an element. */
        String describe() {
            return set.family() + " " + set.table() + " " + set.name() + " { " + text + " }";
        }

        boolean isMasquerade() {
            return !set.name().equals(FWD_PAIRS);
        }
    }

    /** The sets of a family's table and their rules, in creation order: masq_v4 (ip, inet), masq_v6 (ip6, inet), fwd_pairs. */
    static List<FixedSet> fixedSets(NftFamily family) {
        List<FixedSet> sets = new ArrayList<>();
        if (family != NftFamily.IP6) sets.add(masquerading(family, MASQ_V4, SetKeyType.IPV4_ADDR, Selector.IP_SADDR, "ip"));
        if (family != NftFamily.IP) sets.add(masquerading(family, MASQ_V6, SetKeyType.IPV6_ADDR, Selector.IP6_SADDR, "ip6"));
        NftSet fwd = set(family, FWD_PAIRS, SetKeyType.IFNAME);
        sets.add(new FixedSet(fwd, new RuleSpec(Rule.of(family, FcnetTable.TABLE, FcnetTable.FILTER, Matches.concat(
                Selector.lookup(family, fwd, List.of(Selector.IIFNAME, Selector.OIFNAME)), List.of(Verdict.ACCEPT))),
                "iifname . oifname @" + FWD_PAIRS + " accept")));
        return sets;
    }

    /** {@code ip saddr . oifname @masq_v4 masquerade} (ip6 likewise). */
    private static FixedSet masquerading(NftFamily family, String name, SetKeyType address, Selector saddr, String l3) {
        NftSet set = set(family, name, address);
        return new FixedSet(set, new RuleSpec(Rule.of(family, FcnetTable.TABLE, FcnetTable.POSTROUTING, Matches.concat(
                Selector.lookup(family, set, List.of(saddr, Selector.OIFNAME)), List.of(Masq.PLAIN))),
                l3 + " saddr . oifname @" + name + " masquerade"));
    }

    /** {@code type <first> . ifname}; without a transaction id, so that rules equal their dumps (the kernel finds the set by name). */
    private static NftSet set(NftFamily family, String name, SetKeyType first) {
        return NftSet.concat(family, FcnetTable.TABLE, name, 0, List.of(first, SetKeyType.IFNAME));
    }

    private static NftSet withId(NftSet s, int id) {
        return new NftSet(s.family(), s.table(), s.name(), s.handle(), s.flags(), s.keyType(), s.keyLen(), id, s.userdata());
    }

    /**
     * The network's elements in the host's sets: Simple → masq {@code <guest> . "<iface>"},
     * fwd_pairs {@code "<tap>" . "<iface>"}; Namespaced → masq {@code <veth2> . "<iface>"},
     * fwd_pairs {@code "<iface>" . "<veth1>"} and {@code "<veth1>" . "<iface>"}.
     */
    static List<Element> elements(Layout layout) {
        String iface = layout.network.ifaceName();
        InetAddress masqueraded = layout.namespaced.isEmpty() ? layout.network.guestIp().address()
                : layout.namespaced.get().veth2Ip().address();
        List<FixedSet> sets = fixedSets(layout.family);
        NftSet masq = sets.stream().map(FixedSet::set).filter(s -> s.name().equals(masqueraded instanceof Inet4Address
                ? MASQ_V4 : MASQ_V6)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                        IpInet.formatAddress(masqueraded) + " is not an address of an " + layout.family + " table"));
        NftSet fwd = sets.getLast().set();
        List<Element> elements = new ArrayList<>();
        elements.add(new Element(masq, SetElement.of(masqueraded, iface), IpInet.formatAddress(masqueraded) + " . " + quote(iface)));
        if (layout.namespaced.isEmpty()) {
            elements.add(pair(fwd, layout.network.tapName(), iface));
        } else {
            String veth1 = layout.namespaced.get().veth1Name();
            elements.add(pair(fwd, iface, veth1));
            elements.add(pair(fwd, veth1, iface));
        }
        return elements;
    }

    private static Element pair(NftSet fwd, String in, String out) {
        return new Element(fwd, SetElement.of(in, out), quote(in) + " . " + quote(out));
    }

    private static String quote(String name) {
        return "\"" + name + "\"";
    }

    @Override
    public boolean looksUp() {
        return true;
    }

    @Override
    public String describe(Layout layout) {
        int n = elements(layout).size();
        return layout.family + " " + FcnetTable.TABLE + " (" + String.join(", ", fixedSets(layout.family).stream()
                .map(s -> s.set().name()).toList()) + "): " + n + (n == 1 ? " element" : " elements");
    }

    /** Whether each element is in its set, as the copy's generation has them: one batched lookup per set. */
    private static Map<Element, Boolean> present(HostTables.Family copy, List<Element> elements) {
        Map<NftSet, List<Element>> bySet = new LinkedHashMap<>();
        for (Element e : elements) bySet.computeIfAbsent(e.set(), s -> new ArrayList<>()).add(e);
        Map<Element, Boolean> present = new HashMap<>();
        bySet.forEach((set, of) -> {
            boolean[] there = copy.present(set, of.stream().map(Element::key).toList());
            for (int i = 0; i < of.size(); i++) present.put(of.get(i), there[i]);
        });
        return present;
    }

    /** Every element taken to be absent from its set. */
    private static Map<Element, Boolean> absent(List<Element> elements) {
        Map<Element, Boolean> absent = new HashMap<>();
        for (Element e : elements) absent.put(e, false);
        return absent;
    }

    /** {@code keys} in changes of at most {@link NftBatch#MAX_ELEMENTS} each (one message's worth). */
    private static void chunked(List<SetElement> keys, Consumer<List<SetElement>> change) {
        for (int from = 0; from < keys.size(); from += NftBatch.MAX_ELEMENTS) {
            change.accept(keys.subList(from, Math.min(keys.size(), from + NftBatch.MAX_ELEMENTS)));
        }
    }

    // ---- Add

    /**
     * One Add's elements, and what it made for all when it was the first of its batch: the
     * table, chains, sets and fixed rules (with their handles once added), undone only when
     * nothing else is in them by then.
     */
    private record AddedElements(Layout layout, List<Element> adding, boolean createdTable, List<NftSet> createdSets,
            List<Rule> createdRules, Optional<Element> conflicting, boolean ruleConflict) implements AddedPart {
        @Override
        public boolean conflict() {
            return conflicting.isPresent() || ruleConflict;
        }

        /**
         * A masquerade element (or §3 masquerade rule) already there is the network's whose tap or
         * veth1 the host routes the address to; a pair already there, the network's named in it.
         */
        @Override
        public FcnetException refusal(OpenNetns host) {
            if (ruleConflict) return FcnetRuleset.masqueraded(host, layout, "(" + layout.hostRules.get(0).describe() + ")");
            Element e = conflicting.orElseThrow();
            if (e.isMasquerade()) return FcnetRuleset.masqueraded(host, layout, "(" + e.describe() + " is present)");
            return new FcnetException(FcnetException.Kind.CONFLICT, e.describe() + " is already present: the forwarding"
                    + " of another network with these links", FcnetException.Step.CHECK, layout.id(), null);
        }

        @Override
        public List<RuleHandle> rules() {
            return List.of();
        }

        @Override
        public String undoDescription() {
            return "delete elements " + adding.stream().map(Element::text).toList() + (createdTable ? " and the table made"
                    : createdSets.isEmpty() && createdRules.isEmpty() ? "" : " and the sets and rules made");
        }

        /**
         * Deletes the elements added that are still there; the table this Add made goes whole
         * when nothing but its chains, sets and fixed rules and these elements is in it. Else the
         * fixed rules, then the sets, this Add made go when unused: no element left but these,
         * no other rule looking the set up (another network may have put its part in meanwhile:
         * then the shared parts stay).
         */
        @Override
        public HostTables.Plan undo(HostTables.Family copy) {
            NftBatch changes = new NftBatch();
            Map<Element, Boolean> there = present(copy, adding);
            if (createdTable && onlyThese(copy, layout.family, adding)) {
                changes.deleteTable(FcnetTable.table(layout.family));
                return () -> changes;
            }
            Map<NftSet, List<SetElement>> bySet = new LinkedHashMap<>();
            for (Element e : adding) if (there.get(e)) bySet.computeIfAbsent(e.set(), s -> new ArrayList<>()).add(e.key());
            bySet.forEach((set, keys) -> chunked(keys, part -> changes.deleteElements(set, part)));
            if (createdSets.isEmpty() && createdRules.isEmpty()) return () -> changes;
            Set<String> unused = new HashSet<>();
            for (FixedSet s : fixedSets(layout.family)) {
                List<SetElement> deleting = bySet.getOrDefault(s.set(), List.of());
                if (copy.set(s.set().name()).isPresent() && deleting.containsAll(copy.elements(s.set()))) {
                    unused.add(s.set().name());
                }
            }
            List<Rule> rulesGoing = createdRules.stream().filter(r -> copy.contains(r) && r.exprs().stream()
                    .anyMatch(e -> e instanceof Lookup l && unused.contains(l.set()))).toList();
            rulesGoing.forEach(changes::deleteRule);
            for (NftSet set : createdSets) {
                long ownLookups = rulesGoing.stream().filter(r -> r.exprs().stream()
                        .anyMatch(e -> e instanceof Lookup l && l.set().equals(set.name()))).count();
                if (unused.contains(set.name()) && copy.lookups(set.name()) == ownLookups) changes.deleteSet(set);
            }
            return () -> changes;
        }
    }

    /** Whether the family's fcnet table holds only the sets ruleset's chains, sets and rules, and no elements but {@code own}. */
    private static boolean onlyThese(HostTables.Family copy, NftFamily family, List<Element> own) {
        List<FixedSet> sets = fixedSets(family);
        Set<String> chains = Set.of(FcnetTable.POSTROUTING, FcnetTable.FILTER);
        if (!copy.tableExists() || !chains.containsAll(copy.chainNames())) return false;
        for (String chain : copy.chainNames()) {
            long fixed = sets.stream().filter(s -> s.rule().chain().equals(chain) && copy.handle(s.rule().rule()).isPresent())
                    .count();
            if (copy.ruleCount(chain) != fixed) return false;
        }
        Set<SetElement> ours = new HashSet<>(own.stream().map(Element::key).toList());
        for (FixedSet s : sets) {
            if (!ours.containsAll(copy.elements(s.set()))) return false;
        }
        return copy.setNames().stream().allMatch(name -> sets.stream().anyMatch(s -> s.set().name().equals(name)));
    }

    /**
     * The elements of Adds of one family in one batch, after the table, chains, sets and fixed
     * rules the copy shows missing (nft's add keeps existing ones; a set or chain of another
     * shape fails the batch in the kernel's words). An Add one of whose elements is in its set
     * already (or in another Add of the batch), or whose Simple masquerade is a §3 rule already,
     * adds none: an element belongs to one network. The kernel refuses an element added twice
     * (NLM_F_EXCL): without {@code lookUp} the elements are taken to be absent, and one that is
     * there fails the batch, which the committer then plans again with the lookups.
     */
    @Override
    public HostCommitter.Plan<AddedPart> planAdds(HostTables.Family copy, List<Layout> layouts, boolean lookUp) {
        NftBatch changes = new NftBatch();
        Layout first = layouts.get(0);
        NftFamily family = first.family;
        List<FixedSet> fixed = fixedSets(family);
        boolean createTable = !copy.tableExists();
        boolean chainsReady = first.hostChains.stream().allMatch(c -> copy.chain(c.name()).map(c::matches).orElse(false));
        if (createTable || !chainsReady) {
            changes.addTable(FcnetTable.table(family));
            first.hostChains.forEach(changes::addChain);
        }
        int setId = 0;
        List<NftSet> createdSets = new ArrayList<>();
        for (FixedSet s : fixed) {
            // The kernel wants a set's transaction id in NEWSET (nft counts from 1); rules find the set by name.
            setId++;
            if (!copy.set(s.set().name()).map(s.set()::matches).orElse(false)) {
                changes.addSet(withId(s.set(), setId));
                createdSets.add(s.set());
            }
        }
        for (FixedSet s : fixed) {
            if (copy.handle(s.rule().rule()).isEmpty()) changes.addRule(s.rule().rule());
        }
        List<Element> all = new ArrayList<>();
        List<List<Element>> perLayout = new ArrayList<>();
        for (Layout l : layouts) {
            List<Element> own = elements(l);
            perLayout.add(own);
            all.addAll(own);
        }
        Map<Element, Boolean> there = lookUp ? present(copy, all) : absent(all);
        Set<Element> taken = new HashSet<>();
        Map<NftSet, List<SetElement>> adding = new LinkedHashMap<>();
        List<AddedElements> parts = new ArrayList<>();
        for (int i = 0; i < layouts.size(); i++) {
            Layout l = layouts.get(i);
            List<Element> own = perLayout.get(i);
            Optional<Element> conflicting = own.stream().filter(e -> there.get(e) || taken.contains(e)).findFirst();
            boolean ruleConflict = l.hostRules.stream().filter(l::isSimpleMasquerade)
                    .anyMatch(spec -> copy.handle(spec.rule()).isPresent());
            boolean ok = conflicting.isEmpty() && !ruleConflict;
            if (ok) {
                taken.addAll(own);
                for (Element e : own) adding.computeIfAbsent(e.set(), s -> new ArrayList<>()).add(e.key());
            }
            parts.add(new AddedElements(l, ok ? own : List.of(), i == 0 && createTable, i == 0 ? List.copyOf(createdSets)
                    : List.of(), List.of(), conflicting, ruleConflict));
        }
        adding.forEach((set, keys) -> chunked(keys, part -> changes.addElements(set, part)));
        return new HostCommitter.Plan<>() {
            @Override
            public NftBatch changes() {
                return changes;
            }

            /** The rules added are the fixed rules, made by the batch's first Add, which undoes them if it fails. */
            @Override
            public List<AddedPart> results(List<Rule> added) {
                List<AddedPart> results = new ArrayList<>(parts);
                AddedElements first = parts.get(0);
                results.set(0, new AddedElements(first.layout(), first.adding(), first.createdTable(), first.createdSets(),
                        List.copyOf(added), first.conflicting(), first.ruleConflict()));
                return results;
            }
        };
    }

    // ---- Delete

    /**
     * Deletes, in one batch, the elements of surveyed Deletes of one family that are there; a
     * Delete none of whose elements are there but whose §3 rules are has those deleted instead.
     * The masquerade element of a network whose tap or veth1 is gone, while the host routes its
     * address to another network's, is that network's. An element two Deletes of the batch both
     * have is deleted by the first; the second finds it missing, as if it ran after.
     */
    @Override
    public HostCommitter.Plan<RemovedPart> planDeletes(HostTables.Family copy, List<DeletingPart> parts) {
        NftBatch changes = new NftBatch();
        List<List<Element>> perPart = parts.stream().map(p -> elements(p.layout())).toList();
        Map<Element, Boolean> there = present(copy, perPart.stream().flatMap(List::stream).toList());
        Set<Element> deleting = new HashSet<>();
        Set<Long> deletingRules = new HashSet<>();
        Map<NftSet, List<SetElement>> removingKeys = new LinkedHashMap<>();
        List<RemovedPart> removed = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            DeletingPart part = parts.get(i);
            List<Element> own = perPart.get(i);
            boolean anyElement = own.stream().anyMatch(there::get);
            if (!anyElement && part.layout().hostRules.stream().anyMatch(spec -> copy.handle(spec.rule()).isPresent())) {
                removed.add(FcnetRuleset.deleteRules(copy, part, changes, deletingRules));
                continue;
            }
            List<NetworkObject> removing = new ArrayList<>();
            List<NetworkObject> gone = new ArrayList<>();
            for (Element e : own) {
                if (e.isMasquerade() && part.owner().isPresent()) {
                    gone.add(element(e.describe() + " (the one there is " + part.owner().get() + "'s)"));
                } else if (there.get(e) && deleting.add(e)) {
                    removingKeys.computeIfAbsent(e.set(), s -> new ArrayList<>()).add(e.key());
                    removing.add(element(e.describe()));
                } else {
                    gone.add(element(e.describe()));
                }
            }
            removed.add(new RemovedPart(removing, gone));
        }
        removingKeys.forEach((set, keys) -> chunked(keys, part -> changes.deleteElements(set, part)));
        return HostCommitter.plan(changes, removed);
    }

    private static NetworkObject element(String object) {
        return new NetworkObject(Kind.ELEMENT, Optional.empty(), object);
    }

    // ---- Check

    /**
     * The table, chains, sets and fixed rules, then the network's elements (one lookup each, no
     * dump); a network none of whose elements are there but whose §3 rules are is checked as
     * fcnet's.
     */
    @Override
    public List<CheckItem> check(HostTables.Family copy, OpenNetns host, Layout layout) {
        List<Element> own = elements(layout);
        Map<Element, Boolean> there = present(copy, own);
        if (own.stream().noneMatch(there::get) && layout.hostRules.stream().anyMatch(s -> copy.handle(s.rule()).isPresent())) {
            return rules.check(copy, host, layout);
        }
        List<CheckItem> items = new ArrayList<>(FcnetRuleset.check(copy, host, layout.family, layout.hostChains, List.of()));
        String table = layout.family + " " + FcnetTable.TABLE;
        List<FixedSet> fixed = fixedSets(layout.family);
        for (FixedSet s : fixed) {
            Optional<NftSet> actual = copy.set(s.set().name());
            String object = table + " " + s.set().name();
            items.add(actual.isEmpty() ? new CheckItem(Kind.SET, Optional.empty(), object, Status.MISSING, "")
                    : s.set().matches(actual.get()) ? new CheckItem(Kind.SET, Optional.empty(), object, Status.PRESENT, "")
                    : new CheckItem(Kind.SET, Optional.empty(), object, Status.DIFFERENT, actual.get() + ", expected " + s.set()));
        }
        for (FixedSet s : fixed) {
            OptionalLong handle = copy.handle(s.rule().rule());
            items.add(new CheckItem(Kind.RULE, Optional.empty(), s.rule().describe(),
                    handle.isPresent() ? Status.PRESENT : Status.MISSING,
                    handle.isPresent() ? "handle " + Long.toUnsignedString(handle.getAsLong()) : ""));
        }
        for (Element e : own) {
            items.add(new CheckItem(Kind.ELEMENT, Optional.empty(), e.describe(), there.get(e) ? Status.PRESENT
                    : Status.MISSING, ""));
        }
        return items;
    }
}
