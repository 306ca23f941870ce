package dev.fcnet.nft;

import dev.fcnet.netlink.MessageBuilder;
import dev.fcnet.netlink.NetlinkConstants;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The changes of one nf_tables transaction, in order; {@link NftConnection#commit} applies them
 * all or none. Adding a table or chain that exists (with the same hook) is not an error, so a
 * batch may always start with the table and chains it needs. Rules are appended to their chain.
 */
public final class NftBatch {
    /** One change of a batch, as added. */
    public sealed interface Change {}

    public record AddTable(Table table) implements Change {}

    public record AddChain(Chain chain) implements Change {}

    public record AddRule(Rule rule) implements Change {}

    public record DeleteRule(Rule rule) implements Change {}

    /** {@code ifEmpty}: only while the chain holds no rules. */
    public record DeleteChain(Chain chain, boolean ifEmpty) implements Change {}

    /** {@code ifEmpty}: only while the table holds no chains. */
    public record DeleteTable(Table table, boolean ifEmpty) implements Change {}

    private final List<Change> ops = new ArrayList<>();

    public NftBatch addTable(Table table) {
        ops.add(new AddTable(Objects.requireNonNull(table)));
        return this;
    }

    public NftBatch addChain(Chain chain) {
        ops.add(new AddChain(Objects.requireNonNull(chain)));
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

    /** The changes in order (e.g. to apply a committed batch to a copy of the ruleset). */
    public List<Change> changes() {
        return Collections.unmodifiableList(ops);
    }

    /** Number of changes (messages between BATCH_BEGIN and BATCH_END). */
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
        for (Change op : ops) {
            switch (op) {
                case AddTable(Table t) -> NftMessages.newTable(b, t, NftMessages.NEWTABLE_FLAGS);
                case AddChain(Chain c) -> NftMessages.newChain(b, c, NftMessages.NEWCHAIN_FLAGS);
                case AddRule(Rule r) -> NftMessages.newRule(b, r, NftMessages.NEWRULE_FLAGS);
                case DeleteRule(Rule r) -> NftMessages.delRule(b, r.family(), r.table(), r.chain(), r.handle(),
                        NftMessages.DELETE_FLAGS);
                case DeleteChain(Chain c, boolean ifEmpty) -> NftMessages.delChain(b, c, deleteFlags(ifEmpty));
                case DeleteTable(Table t, boolean ifEmpty) -> NftMessages.delTable(b, t, deleteFlags(ifEmpty));
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
        for (Change op : ops) if (op instanceof AddRule(Rule r)) rules.add(r);
        return rules;
    }
}
