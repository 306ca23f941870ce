package dev.fcnet.engine;

import static dev.fcnet.nft.NftConstants.NFT_META_IIFNAME;
import static dev.fcnet.nft.NftConstants.NFT_META_OIFNAME;
import static dev.fcnet.nft.NftConstants.NFT_NAT_DNAT;
import static dev.fcnet.nft.NftConstants.NFT_NAT_SNAT;

import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.FcnetException.Step;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.Expr;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.Masq;
import dev.fcnet.nft.Matches;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import dev.fcnet.nft.Verdict;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * fcnet's ruleset (DESIGN §3): each network's host part is its own rules, appended to the shared
 * chains in §3's order. Also the rules of §3 themselves, which the inside of a network's netns
 * has whatever the host's ruleset.
 */
final class FcnetRuleset implements Ruleset {
    // ---- the rules of §3

    /** postrouting: {@code ip saddr <saddr> oifname "<oifname>" masquerade} (Simple: guest; Namespaced host: veth2). */
    static Rule masquerade(NftFamily family, InetAddress saddr, String oifname) {
        return Rule.of(family, FcnetTable.TABLE, FcnetTable.POSTROUTING, Matches.concat(Matches.address(family, saddr, true),
                Matches.ifname(NFT_META_OIFNAME, oifname), List.of(Masq.PLAIN)));
    }

    /** filter: {@code iifname "<iifname>" oifname "<oifname>" accept}. */
    static Rule acceptInOut(NftFamily family, String iifname, String oifname) {
        return accept(family, Matches.ifname(NFT_META_IIFNAME, iifname), Matches.ifname(NFT_META_OIFNAME, oifname));
    }

    /** filter: {@code oifname "<oifname>" iifname "<iifname>" accept}. */
    static Rule acceptOutIn(NftFamily family, String oifname, String iifname) {
        return accept(family, Matches.ifname(NFT_META_OIFNAME, oifname), Matches.ifname(NFT_META_IIFNAME, iifname));
    }

    private static Rule accept(NftFamily family, List<Expr> first, List<Expr> second) {
        return Rule.of(family, FcnetTable.TABLE, FcnetTable.FILTER, Matches.concat(first, second, List.of(Verdict.ACCEPT)));
    }

    /** postrouting (inside the netns): {@code oifname "<oifname>" ip saddr <saddr> snat [ip] to <to>}. */
    static Rule snat(NftFamily family, String oifname, InetAddress saddr, InetAddress to) {
        return Rule.of(family, FcnetTable.TABLE, FcnetTable.POSTROUTING, Matches.concat(Matches.ifname(NFT_META_OIFNAME,
                oifname), Matches.address(family, saddr, true), Matches.natTo(family, NFT_NAT_SNAT, saddr, to)));
    }

    /** prerouting (inside the netns): {@code iifname "<iifname>" ip daddr <daddr> dnat [ip] to <to>}. */
    static Rule dnat(NftFamily family, String iifname, InetAddress daddr, InetAddress to) {
        return Rule.of(family, FcnetTable.TABLE, FcnetTable.PREROUTING, Matches.concat(Matches.ifname(NFT_META_IIFNAME,
                iifname), Matches.address(family, daddr, false), Matches.natTo(family, NFT_NAT_DNAT, daddr, to)));
    }

    // ---- the host part: the network's rules

    /**
     * The refusal of a network whose masqueraded address (Simple: the guest's; Namespaced: veth2's)
     * is masqueraded already, naming the link the host routes it to (the owner's tap or veth1)
     * if there is one, else {@code what} is there.
     */
    static FcnetException masqueraded(OpenNetns host, Layout layout, String what) {
        boolean simple = layout.namespaced.isEmpty();
        InetAddress address = simple ? layout.network.guestIp().address() : layout.namespaced.get().veth2Ip().address();
        String own = simple ? layout.network.tapName() : layout.namespaced.get().veth1Name();
        String kind = simple ? "tap" : "veth";
        String owner = NarrowLookups.linkRouting(host, address, own, simple ? "tun" : "veth").map(l -> "for " + kind + " " + l)
                .orElse("on " + layout.network.ifaceName() + " " + what);
        return new FcnetException(FcnetException.Kind.CONFLICT, (simple ? "guest " : "veth2 address ")
                + IpInet.formatAddress(address) + " is already masqueraded " + owner, Step.CHECK, own, null);
    }

    @Override
    public String describe(Layout layout) {
        return describe(layout.family, layout.hostChains, layout.hostRules);
    }

    /** {@code ip fcnet (postrouting, filter): 2 rules}. */
    static String describe(NftFamily family, List<Chain> chains, List<RuleSpec> specs) {
        return family + " " + FcnetTable.TABLE + " (" + String.join(", ", chains.stream().map(Chain::name).toList())
                + "): " + specs.size() + (specs.size() == 1 ? " rule" : " rules");
    }

    /**
     * One Add's rules: those it adds (in order) with their handles once added, and the chains
     * and table it makes (and undoes); none when its guest is masqueraded already.
     */
    private record AddedRules(Layout layout, List<RuleSpec> adding, List<Rule> added, List<Chain> createdChains,
            boolean createdTable, boolean conflict) implements AddedPart {
        @Override
        public List<RuleHandle> rules() {
            List<RuleHandle> handles = new ArrayList<>();
            for (int i = 0; i < added.size(); i++) handles.add(layout.hostHandle(adding.get(i), added.get(i).handle()));
            return handles;
        }

        /** A Simple network whose guest is masqueraded already, naming the tap it is for if there is one. */
        @Override
        public FcnetException refusal(OpenNetns host) {
            return masqueraded(host, layout, "(" + layout.hostRules.get(0).describe() + ")");
        }

        @Override
        public String undoDescription() {
            return "delete rules " + added.stream().map(r -> Long.toUnsignedString(r.handle())).toList()
                    + (createdChains.isEmpty() ? "" : " and the chains made");
        }

        /**
         * Deletes the rules added, then the chains (and table) made, but only those still empty:
         * another network may have put rules in them meanwhile.
         */
        @Override
        public HostTables.Plan undo(HostTables.Family copy) {
            NftBatch changes = new NftBatch();
            List<Rule> left = added.stream().filter(copy::contains).toList();
            left.forEach(changes::deleteRule);
            List<Chain> emptied = createdChains.reversed().stream().filter(c -> copy.chain(c.name()).isPresent()
                    && copy.ruleCount(c.name()) == left.stream().filter(r -> r.chain().equals(c.name())).count()).toList();
            emptied.forEach(changes::deleteChainIfEmpty);
            if (createdTable && copy.tableExists() && copy.chainNames().stream()
                    .allMatch(name -> emptied.stream().anyMatch(c -> c.name().equals(name)))) {
                changes.deleteTableIfEmpty(FcnetTable.table(layout.family));
            }
            return () -> changes;
        }
    }

    /**
     * The host rules of Adds of one family as one batch, with the fcnet table and chains when the
     * copy shows them missing or of another shape (nft's add then keeps existing ones, or the
     * kernel refuses a chain of another shape in its own words). A Simple network whose masquerade
     * rule the postrouting chain, or an earlier Add of the batch, has already is refused: the
     * rule would serve two networks, and deleting either would cut the other off. The commit is
     * conditional on the ruleset being what the copy shows, so no one can have added it meanwhile.
     */
    @Override
    public boolean looksUp() {
        return false;
    }

    /** {@code lookUp} changes nothing: the copy holds every rule. */
    @Override
    public HostCommitter.Plan<AddedPart> planAdds(HostTables.Family copy, List<Layout> layouts, boolean lookUp) {
        NftBatch changes = new NftBatch();
        Layout first = layouts.get(0);
        List<Chain> missing = first.hostChains.stream().filter(c -> copy.chain(c.name()).isEmpty()).toList();
        boolean shaped = first.hostChains.stream().allMatch(c -> copy.chain(c.name()).map(c::matches).orElse(true));
        boolean createTable = !copy.tableExists();
        if (createTable || !missing.isEmpty() || !shaped) {
            changes.addTable(FcnetTable.table(first.family));
            first.hostChains.forEach(changes::addChain);
        }
        Set<List<Expr>> masqueraded = new HashSet<>();
        List<AddedRules> plans = new ArrayList<>(layouts.size());
        for (Layout layout : layouts) {
            // What the batch makes belongs to its first Add, which undoes it if it fails.
            boolean firstOne = plans.isEmpty();
            List<Chain> created = firstOne ? missing : List.of();
            boolean conflict = layout.hostRules.stream().filter(layout::isSimpleMasquerade)
                    .anyMatch(spec -> copy.handle(spec.rule()).isPresent() || !masqueraded.add(spec.rule().exprs()));
            List<RuleSpec> adding = conflict ? List.of() : layout.hostRules;
            adding.forEach(spec -> changes.addRule(spec.rule()));
            plans.add(new AddedRules(layout, adding, List.of(), created, firstOne && createTable, conflict));
        }
        return new HostCommitter.Plan<>() {
            @Override
            public NftBatch changes() {
                return changes;
            }

            @Override
            public List<AddedPart> results(List<Rule> added) {
                List<AddedPart> results = new ArrayList<>(plans.size());
                int next = 0;
                for (AddedRules p : plans) {
                    List<Rule> own = added.subList(next, next + p.adding().size());
                    next += p.adding().size();
                    results.add(new AddedRules(p.layout(), p.adding(), List.copyOf(own), p.createdChains(), p.createdTable(),
                            p.conflict()));
                }
                return results;
            }
        };
    }

    /**
     * Deletes, in one batch, every rule the copy shows with the content of a rule of a surveyed
     * Delete of one family: duplicates too, which earlier failures or hand-made rules may have
     * left. A rule two Deletes of the batch both match is deleted by the first; the second finds
     * it missing, as if it ran after.
     */
    @Override
    public HostCommitter.Plan<RemovedPart> planDeletes(HostTables.Family copy, List<DeletingPart> parts) {
        NftBatch changes = new NftBatch();
        Set<Long> deleting = new HashSet<>();
        List<RemovedPart> removed = parts.stream().map(part -> deleteRules(copy, part, changes, deleting)).toList();
        return HostCommitter.plan(changes, removed);
    }

    /**
     * Adds to {@code changes} the deletion of every rule of {@code part} the copy shows, but those
     * in {@code deleting} (an earlier Delete of the batch has them), to which its handles are added.
     */
    static RemovedPart deleteRules(HostTables.Family copy, DeletingPart part, NftBatch changes, Set<Long> deleting) {
        List<NetworkObject> removing = new ArrayList<>();
        List<NetworkObject> gone = new ArrayList<>();
        for (RuleSpec spec : part.layout().hostRules) {
            String rule = spec.describe();
            if (spec.chain().equals(FcnetTable.POSTROUTING) && part.owner().isPresent()) {
                gone.add(hostObject(Kind.RULE, rule + " (the one there is " + part.owner().get() + "'s)"));
                continue;
            }
            boolean found = false;
            for (long handle : copy.handles(spec.rule())) {
                if (!deleting.add(handle)) continue;
                changes.deleteRule(spec.rule().withHandle(handle));
                removing.add(hostObject(Kind.RULE, rule + " handle " + Long.toUnsignedString(handle)));
                found = true;
            }
            if (!found) gone.add(hostObject(Kind.RULE, rule));
        }
        return new RemovedPart(removing, gone);
    }

    @Override
    public List<CheckItem> check(HostTables.Family copy, OpenNetns host, Layout layout) {
        return check(copy, host, layout.family, layout.hostChains, layout.hostRules);
    }

    /** The fcnet table with {@code chains} and {@code specs} as {@code view} shows it, in creation order. */
    static List<CheckItem> check(TableView view, OpenNetns place, NftFamily family, List<Chain> chains, List<RuleSpec> specs) {
        List<CheckItem> found = new ArrayList<>();
        String table = family + " " + FcnetTable.TABLE;
        boolean tablePresent = view.tableExists();
        found.add(new CheckItem(Kind.TABLE, place.netnsName(), table, tablePresent ? Status.PRESENT : Status.MISSING, ""));
        for (Chain expected : chains) {
            Optional<Chain> actual = tablePresent ? view.chain(expected.name()) : Optional.empty();
            String object = table + " " + expected.name();
            if (actual.isEmpty()) {
                found.add(new CheckItem(Kind.CHAIN, place.netnsName(), object, Status.MISSING, ""));
            } else if (!expected.matches(actual.get())) {
                Chain a = actual.get();
                found.add(new CheckItem(Kind.CHAIN, place.netnsName(), object, Status.DIFFERENT,
                        (a.base() == null ? "a regular chain" : a.base().toString()) + ", expected " + expected.base()));
            } else {
                found.add(new CheckItem(Kind.CHAIN, place.netnsName(), object, Status.PRESENT, ""));
            }
        }
        for (RuleSpec spec : specs) {
            OptionalLong handle = view.handle(spec.rule());
            found.add(new CheckItem(Kind.RULE, place.netnsName(), spec.describe(),
                    handle.isPresent() ? Status.PRESENT : Status.MISSING,
                    handle.isPresent() ? "handle " + Long.toUnsignedString(handle.getAsLong()) : ""));
        }
        return found;
    }

    /** An object of the engine's host netns. */
    private static NetworkObject hostObject(Kind kind, String object) {
        return new NetworkObject(kind, Optional.empty(), object);
    }
}
