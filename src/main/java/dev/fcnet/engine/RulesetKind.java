package dev.fcnet.engine;

/** How an engine keeps networks' parts in the host's fcnet table (DESIGN §3, §3b). */
public enum RulesetKind {
    /**
     * fcnet's own (DESIGN §3), the default: each network gets rules of its own in the shared
     * chains. Every Add and Delete changes rules, and the kernel revalidates the whole table on
     * each such commit, so their cost grows with the number of networks on the host.
     */
    FCNET,
    /**
     * Named sets (DESIGN §3b), for hosts with thousands of networks: two fixed rules per family
     * match sets, and each network is a few set elements, added and deleted without changing a
     * rule. Shares the table and chains with fcnet's ruleset; networks of either check and delete
     * with either engine. The inside of a network's netns keeps fcnet's rules.
     */
    SETS
}
