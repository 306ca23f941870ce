package dev.fcnet.engine;

import dev.fcnet.nft.Chain;
import dev.fcnet.nft.Rule;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The fcnet table of one family as an operation sees it: from the engine's copy (the host netns,
 * {@link HostTables}) or from one dump per chain (a network's own netns, {@link NarrowLookups#dumped}).
 */
interface TableView {
    boolean tableExists();

    /** The table's chain of that name. */
    Optional<Chain> chain(String name);

    /**
     * The handle of a rule in {@code rule}'s chain with its expressions (the first one, if
     * several), whatever its handle or comment: rules made by the nft tool from DESIGN §3's text
     * have exactly the expressions of ours.
     */
    OptionalLong handle(Rule rule);
}
