package dev.fcnet.engine;

import java.util.List;
import java.util.Optional;

/**
 * How a network's host part is kept in the host's fcnet table: what Add commits for it, Check
 * looks for and Delete removes. The fcnet ruleset (DESIGN §3) gives each network rules of its
 * own; the sets ruleset (§3b) gives it elements of named sets that two fixed rules per family
 * match. Either way the parts of many networks are committed together ({@link HostCommitter}),
 * planned on the engine's copy of the host's tables. What a network has inside its own netns is
 * §3's in both.
 */
interface Ruleset {
    /** The object of Add's step "add rules", e.g. {@code ip fcnet (postrouting, filter): 2 rules}. */
    String describe(Layout layout);

    /**
     * Plans the host parts of Adds of one family: the table, chains (and sets, rules) they need
     * that the copy shows missing, made by the first Add of the batch, and each Add's own part.
     * An Add whose part another network (or an earlier Add of the batch) has already gets none:
     * {@link AddedPart#conflict}.
     *
     * @param lookUp whether to ask the kernel which parts are there already where the copy cannot
     *     tell (set elements); without, such a part fails the batch (NLM_F_EXCL), and the
     *     committer plans again with: two round trips an Add saves in the usual case
     */
    HostCommitter.Plan<AddedPart> planAdds(HostTables.Family copy, List<Layout> layouts, boolean lookUp);

    /** Whether {@link #planAdds} asks the kernel with {@code lookUp} (only then is planning a refused batch again worth it). */
    boolean looksUp();

    /** Plans the removal of surveyed Deletes' host parts of one family: what each removes and what it finds missing. */
    HostCommitter.Plan<RemovedPart> planDeletes(HostTables.Family copy, List<DeletingPart> parts);

    /** The network's host part (and the table, chains it needs) as the copy shows it, in creation order. */
    List<CheckItem> check(HostTables.Family copy, OpenNetns host, Layout layout);

    /** What one Add committed: its part and what it made for all; undone (only what is still unused) on rollback. */
    interface AddedPart {
        /** Whether the part was present already, so nothing of this Add's own was committed. */
        boolean conflict();

        /** Why the Add is refused when {@link #conflict}: naming the network the part belongs to if it can be found. */
        FcnetException refusal(OpenNetns host);

        /** The rules the Add reports in its result. */
        List<RuleHandle> rules();

        /** {@code delete rules [4, 5] and the chains made}, for a rollback's message. */
        String undoDescription();

        /** Plans the undo on the copy: the part, then what was made for it, if nothing else uses it meanwhile. */
        HostTables.Plan undo(HostTables.Family copy);
    }

    /**
     * A surveyed Delete's host part.
     *
     * @param owner for a network whose tap or veth1 is gone: the link of that kind the host routes
     *     its masqueraded address to instead, whose network that masquerade then is
     */
    record DeletingPart(Layout layout, Optional<String> owner) {}

    /** What a Delete's host part removed, and what of it was missing. */
    record RemovedPart(List<NetworkObject> removing, List<NetworkObject> missing) {}
}
