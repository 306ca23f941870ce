package dev.fcnet.engine;

import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftConnection;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Commits the host parts of many operations (Adds, or Deletes) in few transactions through the
 * engine's {@link HostTables}: one per family and {@link #SHARED_COMMIT} operations. A commit
 * costs the kernel time growing with the rules in the table (NftCommitBench: 0.03 ms empty, 4 ms
 * with 20,000 rules), so one commit per network would cost time growing with the number of
 * networks present. A batch the kernel refuses is committed again one part at a time, so only
 * the culprit fails. Each part's result, or why it failed, is returned as a value.
 */
final class HostCommitter {
    private HostCommitter() {}

    /** Operations whose host parts one transaction commits at most (a few hundred KiB of messages and replies). */
    static final int SHARED_COMMIT = 256;

    /** Parts planned together on the copy: the batch, and what each part gets of it once committed. */
    interface Plan<R> extends HostTables.Plan {
        /** One result per part, in order, given the rules the batch added (with their handles, in batch order). */
        List<R> results(List<Rule> added);
    }

    /** A part's result: committed, or refused (then nothing of it was). */
    sealed interface Result<R> {
        record Done<R>(R value) implements Result<R> {}

        record Failed<R>(RuntimeException cause) implements Result<R> {}
    }

    /**
     * Commits {@code parts}, grouped by {@code family}, as {@code planner} plans each group on the
     * copy (it may plan a group more than once, and a part again alone).
     *
     * @return one result per part, in the order given
     */
    static <P, R> List<Result<R>> commit(HostTables tables, NftConnection nft, List<P> parts, Function<P, NftFamily> family,
            BiFunction<HostTables.Family, List<P>, Plan<R>> planner) {
        return commit(tables, nft, parts, family, planner, planner);
    }

    /**
     * {@link #commit(HostTables, NftConnection, List, Function, BiFunction)} planned first by
     * {@code first}, and after the kernel refused that batch by {@code afterRefusal}: together
     * again, then (several parts) one part at a time. A planner that leaves to the kernel what
     * only it can tell cheaply (whether an element is there: NLM_F_EXCL refuses it) gives the
     * careful planner the case where it is.
     */
    static <P, R> List<Result<R>> commit(HostTables tables, NftConnection nft, List<P> parts, Function<P, NftFamily> family,
            BiFunction<HostTables.Family, List<P>, Plan<R>> first, BiFunction<HostTables.Family, List<P>, Plan<R>> afterRefusal) {
        @SuppressWarnings("unchecked")
        Result<R>[] results = new Result[parts.size()];
        Map<NftFamily, List<Integer>> byFamily = new EnumMap<>(NftFamily.class);
        for (int i = 0; i < parts.size(); i++) byFamily.computeIfAbsent(family.apply(parts.get(i)), f -> new ArrayList<>()).add(i);
        for (Map.Entry<NftFamily, List<Integer>> group : byFamily.entrySet()) {
            List<Integer> all = group.getValue();
            for (int from = 0; from < all.size(); from += SHARED_COMMIT) {
                List<Integer> chunk = all.subList(from, Math.min(all.size(), from + SHARED_COMMIT));
                List<P> chunkParts = chunk.stream().map(parts::get).toList();
                RuntimeException refused = null;
                for (var planner : first == afterRefusal ? List.of(first) : List.of(first, afterRefusal)) {
                    try {
                        List<R> done = commitTogether(tables, nft, group.getKey(), chunkParts, planner);
                        for (int i = 0; i < chunk.size(); i++) results[chunk.get(i)] = new Result.Done<>(done.get(i));
                        refused = null;
                        break;
                    } catch (RuntimeException e) {
                        refused = e;
                    }
                }
                if (refused == null) continue;
                if (chunk.size() == 1) {
                    results[chunk.get(0)] = new Result.Failed<>(refused);
                    continue;
                }
                // Refused as a whole: one at a time, so only the culprit fails.
                for (int i = 0; i < chunk.size(); i++) {
                    try {
                        results[chunk.get(i)] = new Result.Done<>(
                                commitTogether(tables, nft, group.getKey(), List.of(chunkParts.get(i)), afterRefusal).get(0));
                    } catch (RuntimeException e) {
                        results[chunk.get(i)] = new Result.Failed<>(e);
                    }
                }
            }
        }
        return Arrays.asList(results);
    }

    private static <P, R> List<R> commitTogether(HostTables tables, NftConnection nft, NftFamily family, List<P> parts,
            BiFunction<HostTables.Family, List<P>, Plan<R>> planner) {
        HostTables.Committed<Plan<R>> done = tables.change(nft, family, copy -> planner.apply(copy, parts));
        return done.plan().results(done.added());
    }

    /** A plan of a batch whose results need not know the handles it added. */
    static <R> Plan<R> plan(NftBatch changes, List<R> results) {
        return new Plan<>() {
            @Override
            public NftBatch changes() {
                return changes;
            }

            @Override
            public List<R> results(List<Rule> added) {
                return results;
            }
        };
    }
}
