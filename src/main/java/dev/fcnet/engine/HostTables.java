package dev.fcnet.engine;

import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.Expr;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.Lookup;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftConnection;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.NftSet;
import dev.fcnet.nft.Rule;
import dev.fcnet.nft.SetElement;
import dev.fcnet.nft.Table;
import dev.fcnet.sys.Errno;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The engine's copy of the fcnet tables of its host netns, so that finding a network's rules
 * among those of thousands of others costs no chain dump. The copy is exact as long as the
 * ruleset's generation is the one it was read or last changed at: the kernel counts every
 * transaction, whoever makes it. Reads start with asking the generation (one small request) and
 * read again what changed behind the engine's back; changes are committed on condition that the
 * generation is still the copy's (the kernel checks under its commit lock and refuses the batch
 * otherwise, and the section is then planned again on a fresh copy), after which the copy is
 * changed the same way. Chains (and sets, without their elements) are copied when first needed;
 * set elements, of which there may be tens of thousands, are looked up in the kernel one by one,
 * under the same generation check.
 *
 * <p>Sections run one at a time (the kernel serialises the transactions of a netns anyway).
 */
final class HostTables {
    /** Sections planned on a copy that turned out stale are retried this often. */
    private static final int ATTEMPTS = 8;

    private final ReentrantLock lock = new ReentrantLock();
    /** The generation the copy shows; 0 (never a generation) while nothing is copied. */
    private int generation;
    private final Map<NftFamily, FamilyCopy> families = new EnumMap<>(NftFamily.class);
    /** The connection of the running section. */
    private NftConnection nft;
    /** How many dumps the copy was made of so far (tables and chains of a family count as one); for tests. */
    private int dumps;

    /** The changes a section plans, with what it needs to know afterwards. */
    interface Plan {
        NftBatch changes();
    }

    /** A section's plan as committed, with the rules it added (with their handles, in batch order). */
    record Committed<P extends Plan>(P plan, List<Rule> added) {}

    /** The fcnet table of one family as the copy shows it; valid during its section only. */
    final class Family implements TableView {
        private final NftFamily family;

        private Family(NftFamily family) {
            this.family = family;
        }

        @Override
        public boolean tableExists() {
            return copy(family).tableExists;
        }

        @Override
        public Optional<Chain> chain(String name) {
            return Optional.ofNullable(copy(family).chains.get(name));
        }

        /** The names of the fcnet table's chains. */
        Set<String> chainNames() {
            return Set.copyOf(copy(family).chains.keySet());
        }

        /** How many rules the chain holds. */
        int ruleCount(String chain) {
            int n = 0;
            for (long[] handles : chainCopy(family, chain).values()) n += handles.length;
            return n;
        }

        /** Whether the chain holds this very rule: its expressions under its handle. */
        boolean contains(Rule rule) {
            long[] handles = chainCopy(family, rule.chain()).get(rule.exprs());
            return handles != null && Arrays.stream(handles).anyMatch(h -> h == rule.handle());
        }

        /** The handles of every rule in {@code rule}'s chain with its expressions (duplicates included), in chain order. */
        long[] handles(Rule rule) {
            long[] handles = chainCopy(family, rule.chain()).get(rule.exprs());
            return handles == null ? new long[0] : handles.clone();
        }

        @Override
        public OptionalLong handle(Rule rule) {
            long[] handles = chainCopy(family, rule.chain()).get(rule.exprs());
            return handles == null ? OptionalLong.empty() : OptionalLong.of(handles[0]);
        }

        /** The names of the fcnet table's sets. */
        Set<String> setNames() {
            return Set.copyOf(setsCopy(family).keySet());
        }

        /** The fcnet table's set of that name. */
        Optional<NftSet> set(String name) {
            return Optional.ofNullable(setsCopy(family).get(name));
        }

        /** How many rules of the table's chains look up set {@code name} (the kernel refuses to delete a set in use). */
        int lookups(String name) {
            int n = 0;
            for (String chain : chainNames()) {
                for (Map.Entry<List<Expr>, long[]> rule : chainCopy(family, chain).entrySet()) {
                    if (rule.getKey().stream().anyMatch(e -> e instanceof Lookup l && l.set().equals(name))) {
                        n += rule.getValue().length;
                    }
                }
            }
            return n;
        }

        /**
         * Whether each of {@code elements} is in {@code set}, in order, asked of the kernel (one
         * GETSETELEM each, batched): the copy holds no elements, of which there may be tens of
         * thousands. No generation is asked around the lookups (four round trips an Add saved): a
         * plan made on them commits only at the copy's generation, so a change meanwhile fails the
         * commit and the section runs again; a set gone meanwhile (ENOENT) does the same at once.
         * A Check reports what the lookups saw.
         */
        boolean[] present(NftSet set, List<SetElement> elements) {
            if (elements.isEmpty() || set(set.name()).isEmpty()) return new boolean[elements.size()];
            try {
                return nft.contains(set, elements);
            } catch (NetlinkException e) {
                if (e.errno() != Errno.ENOENT) throw e;
                forget();
                throw new Stale();
            }
        }

        /** Every element of {@code set} (a dump: for the rare paths that must know a set is empty). */
        List<SetElement> elements(NftSet set) {
            if (set(set.name()).isEmpty()) return List.of();
            int before = checkedGeneration();
            List<SetElement> all = nft.elements(set);
            checkUnchanged(before);
            return all;
        }
    }

    /** What the copy knows of one family's fcnet table. */
    private static final class FamilyCopy {
        final boolean tableExists;
        final Map<String, Chain> chains;
        /** The rules of the chains copied so far: the handles of each expression list, in chain order. */
        final Map<String, Map<List<Expr>, long[]>> rules = new HashMap<>();
        /** The table's sets (without their elements), once copied. */
        Map<String, NftSet> sets;

        FamilyCopy(boolean tableExists, Map<String, Chain> chains) {
            this.tableExists = tableExists;
            this.chains = chains;
        }
    }

    /** Thrown out of a section whose copy turned out stale while copying more; the section starts over. */
    private static final class Stale extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stale() {
            super(null, null, false, false);
        }
    }

    /**
     * Runs a read-only section on an exact copy: {@code section} sees the family's table,
     * chains and rules as they are now.
     */
    <T> T read(NftConnection connection, NftFamily family, Function<Family, T> section) {
        lock.lock();
        try {
            nft = connection;
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                sync(nft.generation());
                try {
                    return section.apply(new Family(family));
                } catch (Stale s) {
                    // read again
                }
            }
            throw unstable("read");
        } finally {
            nft = null;
            lock.unlock();
        }
    }

    /**
     * Plans changes on the copy and commits them on condition that the ruleset is still what the
     * copy shows; plans again on a fresh copy when it is not. The plan function must decide from
     * the copy alone (it may run more than once). Nothing is committed for an empty plan.
     *
     * @throws NetlinkException when the kernel refuses the batch for another reason (nothing was applied)
     */
    <P extends Plan> Committed<P> change(NftConnection connection, NftFamily family, Function<Family, P> plan) {
        lock.lock();
        try {
            nft = connection;
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                // A copy is trusted without asking: the conditional commit finds out if it is stale.
                if (generation == 0 || attempt > 0) sync(nft.generation());
                P p;
                try {
                    p = plan.apply(new Family(family));
                } catch (Stale s) {
                    continue;
                }
                NftBatch changes = p.changes();
                if (changes.isEmpty()) {
                    // Nothing to commit, so nothing found out whether the copy was exact.
                    int now = nft.generation();
                    if (now == generation) return new Committed<>(p, List.of());
                    sync(now);
                    continue;
                }
                List<Rule> added;
                try {
                    added = nft.commit(changes, generation);
                } catch (NetlinkException e) {
                    if (e.errno() != Errno.ERESTART) throw e; // refused: the ruleset, and the copy, are unchanged
                    forget();
                    continue;
                }
                apply(changes, added);
                generation = generation + 1 == 0 ? 1 : generation + 1;
                return new Committed<>(p, added);
            }
            throw unstable("change");
        } finally {
            nft = null;
            lock.unlock();
        }
    }

    /** How many dumps the copy was made of so far. */
    int dumps() {
        lock.lock();
        try {
            return dumps;
        } finally {
            lock.unlock();
        }
    }

    private IllegalStateException unstable(String what) {
        return new IllegalStateException("the host's ruleset changed " + ATTEMPTS + " times in a row while the engine"
                + " tried to " + what + " its rules");
    }

    /** Keeps the copy if it shows generation {@code now}, else forgets it. */
    private void sync(int now) {
        if (now != generation) {
            families.clear();
            generation = now;
        }
    }

    private void forget() {
        families.clear();
        generation = 0;
    }

    private FamilyCopy copy(NftFamily family) {
        FamilyCopy c = families.get(family);
        if (c != null) return c;
        int before = checkedGeneration();
        boolean table = nft.tables(family).stream().anyMatch(t -> t.name().equals(FcnetTable.TABLE));
        Map<String, Chain> chains = new HashMap<>();
        if (table) {
            for (Chain ch : nft.chains(family)) {
                if (ch.table().equals(FcnetTable.TABLE)) chains.put(ch.name(), ch);
            }
        }
        dumps++;
        checkUnchanged(before);
        c = new FamilyCopy(table, chains);
        families.put(family, c);
        return c;
    }

    private Map<List<Expr>, long[]> chainCopy(NftFamily family, String chain) {
        FamilyCopy c = copy(family);
        Map<List<Expr>, long[]> rules = c.rules.get(chain);
        if (rules != null) return rules;
        rules = new HashMap<>();
        if (c.chains.containsKey(chain)) {
            int before = checkedGeneration();
            for (Rule r : nft.rules(family, FcnetTable.TABLE, chain)) add(rules, r.exprs(), r.handle());
            dumps++;
            checkUnchanged(before);
        }
        c.rules.put(chain, rules);
        return rules;
    }

    private Map<String, NftSet> setsCopy(NftFamily family) {
        FamilyCopy c = copy(family);
        if (c.sets != null) return c.sets;
        Map<String, NftSet> sets = new HashMap<>();
        if (c.tableExists) {
            int before = checkedGeneration();
            for (NftSet set : nft.sets(family, FcnetTable.TABLE)) sets.put(set.name(), set);
            dumps++;
            checkUnchanged(before);
        }
        c.sets = sets;
        return sets;
    }

    /** The generation before copying more; the section starts over if it is not the copy's. */
    private int checkedGeneration() {
        int now = nft.generation();
        if (now != generation) {
            sync(now);
            throw new Stale();
        }
        return now;
    }

    /** After copying: if the ruleset changed meanwhile, the copy is not of one moment, and is forgotten. */
    private void checkUnchanged(int before) {
        int now = nft.generation();
        if (now != before) {
            sync(now);
            throw new Stale();
        }
    }

    /** Changes the copy as the committed batch changed the ruleset. */
    private void apply(NftBatch changes, List<Rule> added) {
        int next = 0;
        for (NftBatch.Change change : changes.changes()) {
            switch (change) {
                case NftBatch.AddTable(Table t) -> {
                    FamilyCopy c = families.get(t.family());
                    if (c != null && !c.tableExists) {
                        FamilyCopy made = new FamilyCopy(true, c.chains);
                        made.sets = new HashMap<>(); // a new table has no sets but those the batch adds after it
                        families.put(t.family(), made);
                    }
                }
                case NftBatch.AddChain(Chain ch) -> {
                    FamilyCopy c = families.get(ch.family());
                    // An existing chain stays as it was (the kernel kept it, else the batch failed).
                    if (c != null) c.chains.putIfAbsent(ch.name(), ch);
                }
                case NftBatch.AddRule(Rule r) -> {
                    Rule withHandle = added.get(next++);
                    Map<List<Expr>, long[]> rules = copiedRules(r.family(), r.chain());
                    if (rules != null) add(rules, r.exprs(), withHandle.handle());
                }
                case NftBatch.DeleteRule(Rule r) -> {
                    Map<List<Expr>, long[]> rules = copiedRules(r.family(), r.chain());
                    if (rules != null) remove(rules, r.exprs(), r.handle());
                }
                case NftBatch.DeleteChain(Chain ch, boolean ifEmpty) -> {
                    FamilyCopy c = families.get(ch.family());
                    if (c != null) {
                        c.chains.remove(ch.name());
                        c.rules.remove(ch.name());
                    }
                }
                case NftBatch.DeleteTable(Table t, boolean ifEmpty) -> {
                    FamilyCopy gone = new FamilyCopy(false, new HashMap<>());
                    gone.sets = new HashMap<>();
                    families.put(t.family(), gone);
                }
            }
        }
        // Elements are not copied; only the sets themselves.
        for (NftBatch.SetChange change : changes.setChanges()) {
            switch (change) {
                case NftBatch.AddSet(NftSet set) -> {
                    FamilyCopy c = families.get(set.family());
                    if (c != null && c.sets != null) c.sets.putIfAbsent(set.name(), set);
                }
                case NftBatch.DeleteSet(NftSet set) -> {
                    FamilyCopy c = families.get(set.family());
                    if (c != null && c.sets != null) c.sets.remove(set.name());
                }
                case NftBatch.AddElements a -> {}
                case NftBatch.DeleteElements d -> {}
            }
        }
    }

    private Map<List<Expr>, long[]> copiedRules(NftFamily family, String chain) {
        FamilyCopy c = families.get(family);
        return c == null ? null : c.rules.get(chain);
    }

    private static void add(Map<List<Expr>, long[]> rules, List<Expr> exprs, long handle) {
        long[] old = rules.get(exprs);
        if (old == null) {
            rules.put(exprs, new long[] {handle});
        } else {
            long[] more = Arrays.copyOf(old, old.length + 1);
            more[old.length] = handle;
            rules.put(exprs, more);
        }
    }

    private static void remove(Map<List<Expr>, long[]> rules, List<Expr> exprs, long handle) {
        long[] old = rules.get(exprs);
        if (old == null) return;
        long[] fewer = Arrays.stream(old).filter(h -> h != handle).toArray();
        if (fewer.length == 0) rules.remove(exprs);
        else rules.put(exprs, fewer);
    }
}
