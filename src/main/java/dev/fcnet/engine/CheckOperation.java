package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.Forwarding.Need;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.FcnetRules;
import dev.fcnet.rtnl.Address;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Route;
import dev.fcnet.sys.SysException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One Check: every object of the network looked up by name (links), by one chain's dump (rules)
 * or by one family's routes, in the order Add creates them. Changes nothing. The engine's link
 * mark is not looked at: networks made by fcnet or by hand check clean.
 */
final class CheckOperation {
    private final Layout layout;
    private final Place host;
    private final HostRules hostRules;
    /** The caller and tap owner the network is expected to have been added with. */
    private final AddOptions options;
    private final List<CheckItem> items = new ArrayList<>();
    /** Why the objects inside a namespaced network's netns could not be looked at; null when they could. */
    private String netnsProblem;

    CheckOperation(Layout layout, Place host, HostRules hostRules, AddOptions options) {
        this.layout = layout;
        this.host = host;
        this.hostRules = hostRules;
        this.options = options;
    }

    CheckReport run() {
        if (layout.namespaced.isEmpty()) {
            Optional<Link> tap = link(host, layout.network.tapName(), "tun");
            address(host, tap, layout.network.tapName(), layout.network.tapIp());
            hostNft();
        } else {
            checkNamespaced(layout.namespaced.get());
        }
        items.addAll(Forwarding.states(host, Forwarding.hostNeeds(layout), null));
        return new CheckReport(layout.network, items);
    }

    private void checkNamespaced(Namespaced ns) {
        String name = ns.netnsName();
        Netns netns = null;
        Place inner = null;
        try {
            if (!Netns.exists(name)) {
                items.add(new CheckItem(Kind.NETNS, Optional.empty(), name, Status.MISSING, ""));
                netnsProblem = "netns " + name + " does not exist";
            } else {
                try {
                    netns = Netns.open(name);
                    items.add(new CheckItem(Kind.NETNS, Optional.empty(), name, Status.PRESENT, ""));
                } catch (SysException e) {
                    items.add(new CheckItem(Kind.NETNS, Optional.empty(), name, Status.DIFFERENT, e.getMessage()));
                    netnsProblem = "netns " + name + " cannot be opened";
                }
            }
            if (netns != null) {
                inner = new Place(Optional.of(name), netns, netns.call(Place.Sockets::open));
            }
            Optional<Link> veth1 = link(host, ns.veth1Name(), "veth");
            address(host, veth1, ns.veth1Name(), ns.veth1Ip());
            Place in = inner == null ? Place.unreachable(name) : inner;
            Optional<Link> veth2 = link(in, ns.veth2Name(), "veth");
            address(in, veth2, ns.veth2Name(), ns.veth2Ip());
            Optional<Link> tap = link(in, layout.network.tapName(), "tun");
            address(in, tap, layout.network.tapName(), layout.network.tapIp());
            InetAddress gateway = ns.veth1Ip().address();
            route(in, anyAddress(gateway), 0, gateway, "default via " + IpInet.formatAddress(gateway));
            if (inner == null) {
                for (Need need : Forwarding.netnsNeeds(layout)) items.add(missing(in, Kind.FORWARDING, need.describe()));
            } else {
                items.addAll(Forwarding.states(inner, Forwarding.netnsNeeds(layout), null));
            }
            if (inner == null) {
                unreachableNft(in, layout.netnsChains, layout.netnsRules);
            } else {
                items.addAll(nft(inner, Lookups.dumped(inner, layout.family), layout.netnsChains, layout.netnsRules));
            }
            hostNft();
            layout.hostRoute.ifPresent(r -> route(host, r.destination(), r.prefixLength(), r.gateway(), r.describe()));
        } finally {
            if (inner != null) inner.closeSockets();
            if (netns != null) netns.close();
        }
    }

    // ---- items; a null rtnl/nft in the place means its netns could not be looked at

    private Optional<Link> link(Place place, String name, String kind) {
        if (place.rtnl == null) {
            items.add(missing(place, Kind.LINK, name));
            return Optional.empty();
        }
        Optional<Link> link = place.rtnl.link(name);
        if (link.isEmpty()) {
            items.add(new CheckItem(Kind.LINK, place.netnsName(), name, Status.MISSING, ""));
        } else if (!link.get().kind().equals(Optional.of(kind))) {
            items.add(new CheckItem(Kind.LINK, place.netnsName(), name, Status.DIFFERENT,
                    "a " + link.get().kind().orElse("device without kind") + ", expected a " + kind));
        } else if (!link.get().up()) {
            items.add(new CheckItem(Kind.LINK, place.netnsName(), name, Status.DIFFERENT, "down"));
        } else {
            items.add(new CheckItem(Kind.LINK, place.netnsName(), name, Status.PRESENT, "up"));
        }
        return link;
    }

    private void address(Place place, Optional<Link> link, String linkName, IpInet expected) {
        String object = expected + " on " + linkName;
        if (place.rtnl == null) {
            items.add(missing(place, Kind.ADDRESS, object));
            return;
        }
        if (link.isEmpty()) {
            items.add(new CheckItem(Kind.ADDRESS, place.netnsName(), object, Status.MISSING, "no link " + linkName));
            return;
        }
        Status status = Status.MISSING;
        String detail = "";
        for (Address a : place.rtnl.addresses(link.get())) {
            if (!a.address().equals(expected.address())) continue;
            if (a.prefixLength() != expected.prefixLength()) {
                status = Status.DIFFERENT;
                detail = "prefix length " + a.prefixLength();
            } else if (a.tentative()) {
                status = Status.DIFFERENT;
                detail = "tentative: duplicate address detection has not finished, so it is not usable yet";
            } else {
                status = Status.PRESENT;
                detail = "";
                break;
            }
        }
        items.add(new CheckItem(Kind.ADDRESS, place.netnsName(), object, status, detail));
    }

    private void route(Place place, InetAddress destination, int prefixLength, InetAddress gateway, String object) {
        if (place.rtnl == null) {
            items.add(missing(place, Kind.ROUTE, object));
            return;
        }
        Optional<Route> route = Lookups.route(place, destination, prefixLength);
        if (route.isEmpty()) {
            items.add(new CheckItem(Kind.ROUTE, place.netnsName(), object, Status.MISSING, ""));
        } else if (!route.get().gateway().equals(Optional.of(gateway))) {
            items.add(new CheckItem(Kind.ROUTE, place.netnsName(), object, Status.DIFFERENT, "found " + route.get()));
        } else {
            items.add(new CheckItem(Kind.ROUTE, place.netnsName(), object, Status.PRESENT, ""));
        }
    }

    /** The host's table, chains and rules, from the engine's copy (exact: read at the current generation). */
    private void hostNft() {
        items.addAll(hostRules.read(host.nft, layout.family, copy -> nft(host, copy, layout.hostChains, layout.hostRules)));
    }

    private void unreachableNft(Place place, List<Chain> chains, List<RuleSpec> specs) {
        String table = layout.family + " " + FcnetRules.TABLE;
        items.add(missing(place, Kind.TABLE, table));
        for (Chain c : chains) items.add(missing(place, Kind.CHAIN, table + " " + c.name()));
        for (RuleSpec s : specs) items.add(missing(place, Kind.RULE, s.describe()));
    }

    private List<CheckItem> nft(Place place, TableView view, List<Chain> chains, List<RuleSpec> specs) {
        List<CheckItem> found = new ArrayList<>();
        String table = layout.family + " " + FcnetRules.TABLE;
        boolean tablePresent = view.tableExists();
        found.add(new CheckItem(Kind.TABLE, place.netnsName(), table, tablePresent ? Status.PRESENT : Status.MISSING, ""));
        for (Chain expected : chains) {
            Optional<Chain> actual = tablePresent ? view.chain(expected.name()) : Optional.empty();
            String object = table + " " + expected.name();
            if (actual.isEmpty()) {
                found.add(new CheckItem(Kind.CHAIN, place.netnsName(), object, Status.MISSING, ""));
            } else if (!expected.matches(actual.get())) {
                Chain a = actual.get();
                found.add(new CheckItem(Kind.CHAIN, place.netnsName(), object, Status.DIFFERENT,
                        (a.base() == null ? "a regular chain" : a.base().toString()) + ", expected " + expected.base()));
            } else {
                found.add(new CheckItem(Kind.CHAIN, place.netnsName(), object, Status.PRESENT, ""));
            }
        }
        for (RuleSpec spec : specs) {
            OptionalLong handle = view.handle(spec.rule());
            found.add(new CheckItem(Kind.RULE, place.netnsName(), spec.describe(),
                    handle.isPresent() ? Status.PRESENT : Status.MISSING,
                    handle.isPresent() ? "handle " + Long.toUnsignedString(handle.getAsLong()) : ""));
        }
        return found;
    }

    private CheckItem missing(Place place, Kind kind, String object) {
        return new CheckItem(kind, place.netnsName(), object, Status.MISSING, netnsProblem);
    }

    private static InetAddress anyAddress(InetAddress like) {
        return Lookups.anyAddress(IpFamily.of(like));
    }
}
