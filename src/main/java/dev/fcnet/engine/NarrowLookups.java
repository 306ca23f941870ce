package dev.fcnet.engine;

import dev.fcnet.IpInet;
import dev.fcnet.engine.Layout.HostRoute;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Route;
import dev.fcnet.rtnl.RtnlConstants;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Reads shared by Add, Check and Delete: one chain's rules, one route; never whole rulesets or link lists. */
final class NarrowLookups {
    private NarrowLookups() {}

    /**
     * The fcnet table of {@code family} in {@code place}, read when asked: the tables and chains
     * of the family once, each chain's rules with one dump the first time one of its rules is
     * looked for. For a network's own netns, whose ruleset is small and its own.
     */
    static TableView dumped(OpenNetns place, NftFamily family) {
        return new TableView() {
            private Map<String, Chain> chains;
            private final Map<String, List<Rule>> rules = new HashMap<>();

            @Override
            public boolean tableExists() {
                return place.nft.tables(family).stream().anyMatch(t -> t.name().equals(FcnetTable.TABLE));
            }

            @Override
            public Optional<Chain> chain(String name) {
                if (chains == null) {
                    chains = new HashMap<>();
                    for (Chain c : place.nft.chains(family)) {
                        if (c.table().equals(FcnetTable.TABLE)) chains.put(c.name(), c);
                    }
                }
                return Optional.ofNullable(chains.get(name));
            }

            @Override
            public OptionalLong handle(Rule rule) {
                List<Rule> chain = rules.computeIfAbsent(rule.chain(), c -> place.nft.rules(family, FcnetTable.TABLE, c));
                for (Rule r : chain) {
                    if (r.exprs().equals(rule.exprs())) return OptionalLong.of(r.handle());
                }
                return OptionalLong.empty();
            }
        };
    }

    /**
     * The route to exactly {@code destination/prefixLength}, if any. A host route (/32, /128) is
     * looked up by a single fib match, whatever the size of the routing table; others (the default
     * route in a network's small netns) from the family's main-table dump.
     */
    static Optional<Route> route(OpenNetns place, InetAddress destination, int prefixLength) {
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

    /**
     * The link of {@code kind} other than {@code except} that the host routes {@code address} to
     * by a connected route (no gateway), the most specific if several: the tap of the Simple
     * network whose guest has that address ("tun"), or the veth1 of the namespaced network whose
     * veth2 has it ("veth"). One route dump, for the rare paths that need it.
     */
    static Optional<String> linkRouting(OpenNetns place, InetAddress address, String except, String kind) {
        String best = null;
        int bestPrefix = -1;
        for (Route r : place.rtnl.routes(IpFamily.of(address))) {
            if (r.gateway().isPresent() || r.outputIndex().isEmpty() || r.prefixLength() <= bestPrefix
                    || !new IpInet(r.destination(), r.prefixLength()).contains(address)) {
                continue;
            }
            Optional<Link> link = place.rtnl.link(r.outputIndex().getAsInt());
            if (link.isPresent() && !link.get().name().equals(except) && link.get().kind().equals(Optional.of(kind))) {
                best = link.get().name();
                bestPrefix = r.prefixLength();
            }
        }
        return Optional.ofNullable(best);
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
    static Optional<Route> route(OpenNetns place, HostRoute expected) {
        return route(place, expected.destination(), expected.prefixLength());
    }
}
