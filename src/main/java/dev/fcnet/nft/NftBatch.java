package dev.fcnet.nft;

import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.NetlinkConstants;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The changes of one nf_tables transaction, in order; {@link NftConnection#commit} applies them
 * all or none. Adding a table, chain or set that exists (with the same hook, or key) is not an
 * error, so a batch may always start with the table, chains and sets it needs. Rules are appended
 * to their chain; set elements are added only where absent.
 */
public final class NftBatch {
    /** One change of a batch, as added. */
    public sealed interface Change {}

    public record AddTable(Table table) implements Change {}

    public record AddChain(Chain chain) implements Change {}

    public record AddRule(Rule rule) implements Change {}

    /**
     * A change of named sets, as added. Kept apart from {@link Change} (tables, chains, rules), whose
     * exhaustive switches keep compiling; {@link #setChanges()} lists these.
     */
    public sealed interface SetChange {}

    public record AddSet(NftSet set) implements SetChange {}

    public record AddElements(NftSet set, List<SetElement> elements) implements SetChange {
        public AddElements {
            elements = List.copyOf(elements);
        }
    }

    public record DeleteElements(NftSet set, List<SetElement> elements) implements SetChange {
        public DeleteElements {
            elements = List.copyOf(elements);
        }
    }

    /** Deletes the set by family, table and name. */
    public record DeleteSet(NftSet set) implements SetChange {}

    public record DeleteRule(Rule rule) implements Change {}

    /** {@code ifEmpty}: only while the chain holds no rules. */
    public record DeleteChain(Chain chain, boolean ifEmpty) implements Change {}

    /** {@code ifEmpty}: only while the table holds no chains. */
    public record DeleteTable(Table table, boolean ifEmpty) implements Change {}

    /** {@link Change}s and {@link SetChange}s, in the order added (the order of the messages). */
    private final List<Object> ops = new ArrayList<>();

    public NftBatch addTable(Table table) {
        ops.add(new AddTable(Objects.requireNonNull(table)));
        return this;
    }

    public NftBatch addChain(Chain chain) {
        ops.add(new AddChain(Objects.requireNonNull(chain)));
        return this;
    }

    /**
     * Adds a named set, or leaves it as it is when a set of that name with the same flags and key
     * exists (one with another key fails the batch with EEXIST). Rules of the same batch may look
     * it up; give it a non-zero {@link NftSet#id()} to reference it by id as nft does.
     */
    public NftBatch addSet(NftSet set) {
        ops.add(new AddSet(Objects.requireNonNull(set)));
        return this;
    }

    /**
     * Adds {@code elements} (1 to {@link #MAX_ELEMENTS}) to {@code set} (its family, table, name
     * and, when not 0, id) in one message with NLM_F_EXCL: an element already in the set fails
     * the batch with EEXIST, so nothing of it is applied.
     */
    public NftBatch addElements(NftSet set, List<SetElement> elements) {
        ops.add(new AddElements(Objects.requireNonNull(set), checked(elements)));
        return this;
    }

    /**
     * Deletes {@code elements} (1 to {@link #MAX_ELEMENTS}) from {@code set} in one message; one
     * that is not there fails the batch with ENOENT.
     */
    public NftBatch deleteElements(NftSet set, List<SetElement> elements) {
        ops.add(new DeleteElements(Objects.requireNonNull(set), checked(elements)));
        return this;
    }

    /**
     * Elements of one add or delete at most: they go in one nested attribute, whose length field
     * has 16 bits (1,024 keys of 32 bytes take some 45 KiB). More go in more changes.
     */
    public static final int MAX_ELEMENTS = 1024;

    /**
     * An element message without elements does nothing (a delete without the list would empty
     * the set): a caller's slip, refused like a list too long for one message.
     */
    private static List<SetElement> checked(List<SetElement> elements) {
        if (elements.isEmpty() || elements.size() > MAX_ELEMENTS) {
            throw new IllegalArgumentException(elements.size() + " elements in one change (1 to " + MAX_ELEMENTS + ")");
        }
        return elements;
    }

    /**
     * Deletes {@code set} (found by family, table and name) with its elements; while a rule looks
     * it up the kernel refuses the batch with EBUSY.
     */
    public NftBatch deleteSet(NftSet set) {
        ops.add(new DeleteSet(Objects.requireNonNull(set)));
        return this;
    }

    /** Appends {@code rule} (its handle, if any, is ignored); commit returns it with the handle the kernel gave it. */
    public NftBatch addRule(Rule rule) {
        ops.add(new AddRule(Objects.requireNonNull(rule)));
        return this;
    }

    /** Deletes the rule with {@code rule.handle()} from its table and chain. */
    public NftBatch deleteRule(Rule rule) {
        if (rule.handle() == 0) throw new IllegalArgumentException("rule has no handle: " + rule);
        ops.add(new DeleteRule(rule));
        return this;
    }

    /** Deletes a chain with the rules in it. */
    public NftBatch deleteChain(Chain chain) {
        ops.add(new DeleteChain(Objects.requireNonNull(chain), false));
        return this;
    }

    /** Deletes a chain only while it holds no rules: else the batch fails with EBUSY (NLM_F_NONREC). */
    public NftBatch deleteChainIfEmpty(Chain chain) {
        ops.add(new DeleteChain(Objects.requireNonNull(chain), true));
        return this;
    }

    /** Deletes a table with everything in it. */
    public NftBatch deleteTable(Table table) {
        ops.add(new DeleteTable(Objects.requireNonNull(table), false));
        return this;
    }

    /** Deletes a table only while it holds no chains (or sets, ...): else the batch fails with EBUSY (NLM_F_NONREC). */
    public NftBatch deleteTableIfEmpty(Table table) {
        ops.add(new DeleteTable(Objects.requireNonNull(table), true));
        return this;
    }

    public boolean isEmpty() {
        return ops.isEmpty();
    }

    /** The table, chain and rule changes in order (e.g. to apply a committed batch to a copy of the ruleset). */
    public List<Change> changes() {
        return ops.stream().filter(Change.class::isInstance).map(Change.class::cast).toList();
    }

    /** The set and element changes in order. */
    public List<SetChange> setChanges() {
        return ops.stream().filter(SetChange.class::isInstance).map(SetChange.class::cast).toList();
    }

    /** Number of changes of both kinds (messages between BATCH_BEGIN and BATCH_END). */
    public int size() {
        return ops.size();
    }

    /** BATCH_BEGIN, one message per change (message i + 1 is change i), BATCH_END. */
    void encode(MessageBuilder b) {
        NftMessages.batchBegin(b);
        encodeChanges(b);
    }

    /** As {@link #encode(MessageBuilder)}, for the kernel to apply only at ruleset generation {@code generation}. */
    void encode(MessageBuilder b, int generation) {
        NftMessages.batchBegin(b, generation);
        encodeChanges(b);
    }

    private void encodeChanges(MessageBuilder b) {
        for (Object op : ops) {
            switch (op) {
                case AddTable(Table t) -> NftMessages.newTable(b, t, NftMessages.NEWTABLE_FLAGS);
                case AddChain(Chain c) -> NftMessages.newChain(b, c, NftMessages.NEWCHAIN_FLAGS);
                case AddRule(Rule r) -> NftMessages.newRule(b, r, NftMessages.NEWRULE_FLAGS);
                case AddSet(NftSet s) -> NftMessages.newSet(b, s, NftMessages.NEWSET_FLAGS);
                case AddElements(NftSet s, List<SetElement> e) -> NftMessages.newSetElems(b, s, e, NftMessages.NEWSETELEM_FLAGS);
                case DeleteElements(NftSet s, List<SetElement> e) -> NftMessages.delSetElems(b, s, e, NftMessages.DELETE_FLAGS);
                case DeleteSet(NftSet s) -> NftMessages.delSet(b, s, NftMessages.DELETE_FLAGS);
                case DeleteRule(Rule r) -> NftMessages.delRule(b, r.family(), r.table(), r.chain(), r.handle(),
                        NftMessages.DELETE_FLAGS);
                case DeleteChain(Chain c, boolean ifEmpty) -> NftMessages.delChain(b, c, deleteFlags(ifEmpty));
                case DeleteTable(Table t, boolean ifEmpty) -> NftMessages.delTable(b, t, deleteFlags(ifEmpty));
                default -> throw new IllegalStateException("not a change: " + op);
            }
        }
        NftMessages.batchEnd(b);
    }

    /** Without NLM_F_NONREC the kernel deletes a chain's rules, or a table's chains, along with it. */
    private static int deleteFlags(boolean ifEmpty) {
        return ifEmpty ? NftMessages.DELETE_FLAGS | NetlinkConstants.NLM_F_NONREC : NftMessages.DELETE_FLAGS;
    }

    /** The rules this batch adds, in order. */
    List<Rule> addedRules() {
        List<Rule> rules = new ArrayList<>();
        for (Object op : ops) if (op instanceof AddRule(Rule r)) rules.add(r);
        return rules;
    }
}
