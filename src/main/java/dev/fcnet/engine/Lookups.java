package dev.fcnet.engine;

import dev.fcnet.engine.Layout.HostRoute;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Route;
import dev.fcnet.rtnl.RtnlConstants;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads shared by Add, Check and Delete: one chain's rules, one route; never whole rulesets or link lists. */
final class Lookups {
    private Lookups() {}

    /**
     * The kernel's rule for each spec, in order, or empty where there is none. A rule whose handle
     * is {@code known} (from an earlier Add of this engine) is fetched by handle, one small
     * request; only the chains of the others are dumped, once per chain. A known handle that now
     * names another rule (or none) is ignored.
     */
    static List<Optional<Rule>> rules(Place place, NftFamily family, List<RuleSpec> specs, Map<RuleSpec, Long> known) {
        List<Optional<Rule>> found = new ArrayList<>(specs.size());
        Map<String, List<Rule>> dumps = new HashMap<>();
        for (RuleSpec spec : specs) {
            Rule r = spec.rule();
            Long handle = known.get(spec);
            Optional<Rule> byHandle = handle == null ? Optional.empty()
                    : place.nft.rule(family, r.table(), r.chain(), handle).filter(k -> k.exprs().equals(r.exprs()));
            found.add(byHandle.isPresent() ? byHandle
                    : find(dumps.computeIfAbsent(r.chain(), c -> place.nft.rules(family, r.table(), c)), spec));
        }
        return found;
    }

    /**
     * The first rule of the dump that is the spec's rule: the same expressions, whatever its handle
     * or comment (a rule made by the nft tool from §3's text has exactly these expressions).
     */
    private static Optional<Rule> find(List<Rule> chainRules, RuleSpec spec) {
        for (Rule r : chainRules) {
            if (r.exprs().equals(spec.rule().exprs())) return Optional.of(r);
        }
        return Optional.empty();
    }

    /** The chains of the fcnet table by name (empty map when the table is missing). */
    static Map<String, Chain> chains(Place place, NftFamily family, String table) {
        Map<String, Chain> byName = new HashMap<>();
        for (Chain c : place.nft.chains(family)) {
            if (c.table().equals(table)) byName.put(c.name(), c);
        }
        return byName;
    }

    static boolean tableExists(Place place, NftFamily family, String table) {
        return place.nft.tables(family).stream().anyMatch(t -> t.name().equals(table));
    }

    /**
     * The route to exactly {@code destination/prefixLength}, if any. A host route (/32, /128) is
     * looked up by a single fib match, whatever the size of the routing table; others (the default
     * route in a network's small netns) from the family's main-table dump.
     */
    static Optional<Route> route(Place place, InetAddress destination, int prefixLength) {
        IpFamily family = IpFamily.of(destination);
        if (prefixLength == family.maxPrefixLength()) {
            return place.rtnl.fibMatch(destination)
                    .filter(r -> r.prefixLength() == prefixLength && r.destination().equals(destination)
                            && r.table() == RtnlConstants.RT_TABLE_MAIN);
        }
        for (Route r : place.rtnl.routes(family)) {
            if (r.prefixLength() == prefixLength && r.destination().equals(destination)) return Optional.of(r);
        }
        return Optional.empty();
    }

    /** 0.0.0.0 or ::, the destination of a default route. */
    static InetAddress anyAddress(IpFamily family) {
        try {
            return InetAddress.getByAddress(new byte[family.addressLength()]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether the route of {@code expected} is there with its gateway. */
    static Optional<Route> route(Place place, HostRoute expected) {
        return route(place, expected.destination(), expected.prefixLength());
    }
}
