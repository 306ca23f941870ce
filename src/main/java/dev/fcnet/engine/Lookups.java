package dev.fcnet.engine;

import dev.fcnet.engine.Layout.HostRoute;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Route;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads shared by Add, Check and Delete: one chain's rules, one route; never whole rulesets or link lists. */
final class Lookups {
    private Lookups() {}

    /** The rules of each chain the specs live in, one dump per chain. */
    static Map<String, List<Rule>> chainRules(Place place, NftFamily family, List<RuleSpec> specs) {
        Map<String, List<Rule>> byChain = new HashMap<>();
        for (RuleSpec s : specs) {
            byChain.computeIfAbsent(s.chain(), c -> place.nft.rules(family, s.rule().table(), c));
        }
        return byChain;
    }

    /**
     * The first rule of the dump that is the spec's rule: the same expressions, whatever its handle
     * or comment (a rule made by the nft tool from §3's text has exactly these expressions).
     */
    static Optional<Rule> find(List<Rule> chainRules, RuleSpec spec) {
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

    /** The main-table route to exactly {@code destination/prefixLength}, if any. */
    static Optional<Route> route(Place place, InetAddress destination, int prefixLength) {
        for (Route r : place.rtnl.routes(IpFamily.of(destination))) {
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
