package dev.fcnet.engine;

import dev.fcnet.engine.FcnetException.Step;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.Forwarding.Need;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.rtnl.Address;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Route;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One Check: every object of the network looked up by name (links), by one chain's dump (rules)
 * or by one family's routes, in the order Add creates them. Changes nothing. For root the
 * engine's link mark is not looked at (networks made by fcnet or by hand check clean); a caller
 * other than root is refused a network with an object not marked as added for it. Objects that
 * vanish while it looks (a Delete running meanwhile) are missing.
 */
final class CheckOperation {
    private final Layout layout;
    private final OpenNetns host;
    private final Ruleset ruleset;
    private final HostTables hostTables;
    /** The caller and tap owner the network is expected to have been added with. */
    private final AddOptions options;
    /** Host forwarding that is off counts against the network unless the engine only warns about it. */
    private final ForwardingPolicy policy;
    private final List<CheckItem> items = new ArrayList<>();
    /** Why the objects inside a namespaced network's netns could not be looked at; null when they could. */
    private String netnsProblem;

    CheckOperation(Layout layout, OpenNetns host, Ruleset ruleset, HostTables hostTables, AddOptions options,
            ForwardingPolicy policy) {
        this.layout = layout;
        this.host = host;
        this.ruleset = ruleset;
        this.hostTables = hostTables;
        this.options = options;
        this.policy = policy;
    }

    CheckReport run() {
        if (layout.namespaced.isEmpty()) {
            Optional<Link> tap = link(host, layout.network.tapName(), "tun");
            address(host, tap, layout.network.tapName(), layout.network.tapIp());
            hostNft();
        } else {
            checkNamespaced(layout.namespaced.get());
        }
        hostForwarding();
        return new CheckReport(layout.network, items);
    }

    /** As Add does, only warns about host forwarding that is off unless the engine enables or requires it. */
    private void hostForwarding() {
        List<Need> needs = Forwarding.hostNeeds(layout);
        List<CheckItem> states = Forwarding.states(host, needs, null);
        for (int i = 0; i < needs.size(); i++) {
            CheckItem s = states.get(i);
            if (policy == ForwardingPolicy.WARN && s.status() == Status.DIFFERENT) {
                s = new CheckItem(s.kind(), s.netns(), s.object(), Status.WARNING, s.detail()
                        + "; the guest's traffic is not forwarded until it is on (sysctl -w " + needs.get(i).sysctl() + "=1)");
            }
            items.add(s);
        }
    }

    private void checkNamespaced(Namespaced ns) {
        String name = ns.netnsName();
        Netns netns = null;
        OpenNetns inner = null;
        try {
            if (!Netns.exists(name)) {
                items.add(new CheckItem(Kind.NETNS, Optional.empty(), name, Status.MISSING, ""));
                netnsProblem = "netns " + name + " does not exist";
            } else {
                try {
                    netns = Netns.open(name);
                    items.add(new CheckItem(Kind.NETNS, Optional.empty(), name, Status.PRESENT, ""));
                } catch (SysException e) {
                    // ENOENT: deleted since it was seen.
                    items.add(new CheckItem(Kind.NETNS, Optional.empty(), name,
                            e.errno() == Errno.ENOENT ? Status.MISSING : Status.DIFFERENT, e.getMessage()));
                    netnsProblem = "netns " + name + " cannot be opened";
                }
            }
            if (netns != null) {
                inner = new OpenNetns(Optional.of(name), netns, netns.call(OpenNetns.Sockets::open));
                // The netns' mark is on its lo.
                if (!options.caller().isRoot()) requireOwn(inner.rtnl.link("lo").flatMap(Link::alias), "netns " + name);
            }
            Optional<Link> veth1 = link(host, ns.veth1Name(), "veth");
            address(host, veth1, ns.veth1Name(), ns.veth1Ip());
            if (inner == null) {
                unreachable(name, ns);
            } else {
                inside(inner, ns);
            }
            hostNft();
            layout.hostRoute.ifPresent(r -> route(host, r.destination(), r.prefixLength(), r.gateway(), r.describe()));
        } finally {
            if (inner != null) inner.closeSockets();
            if (netns != null) netns.close();
        }
    }

    /** What should be in the network's netns, looked at. */
    private void inside(OpenNetns inner, Namespaced ns) {
        Optional<Link> veth2 = link(inner, ns.veth2Name(), "veth");
        address(inner, veth2, ns.veth2Name(), ns.veth2Ip());
        Optional<Link> tap = link(inner, layout.network.tapName(), "tun");
        address(inner, tap, layout.network.tapName(), layout.network.tapIp());
        InetAddress gateway = ns.veth1Ip().address();
        route(inner, anyAddress(gateway), 0, gateway, "default via " + IpInet.formatAddress(gateway));
        items.addAll(Forwarding.states(inner, Forwarding.netnsNeeds(layout), null));
        items.addAll(FcnetRuleset.check(NarrowLookups.dumped(inner, layout.family), inner, layout.family,
                layout.netnsChains, layout.netnsRules));
    }

    /** What should be in the network's netns, which cannot be looked at: all missing, for {@link #netnsProblem}. */
    private void unreachable(String name, Namespaced ns) {
        Optional<String> where = Optional.of(name);
        items.add(missing(where, Kind.LINK, ns.veth2Name()));
        items.add(missing(where, Kind.ADDRESS, ns.veth2Ip() + " on " + ns.veth2Name()));
        items.add(missing(where, Kind.LINK, layout.network.tapName()));
        items.add(missing(where, Kind.ADDRESS, layout.network.tapIp() + " on " + layout.network.tapName()));
        items.add(missing(where, Kind.ROUTE, "default via " + IpInet.formatAddress(ns.veth1Ip().address())));
        for (Need need : Forwarding.netnsNeeds(layout)) items.add(missing(where, Kind.FORWARDING, need.describe()));
        String table = layout.family + " " + FcnetTable.TABLE;
        items.add(missing(where, Kind.TABLE, table));
        for (Chain c : layout.netnsChains) items.add(missing(where, Kind.CHAIN, table + " " + c.name()));
        for (RuleSpec s : layout.netnsRules) items.add(missing(where, Kind.RULE, s.describe()));
    }

    // ---- items

    private Optional<Link> link(OpenNetns place, String name, String kind) {
        Optional<Link> link = place.rtnl.link(name);
        link.ifPresent(l -> requireOwn(l.alias(), place.qualify("link " + name)));
        if (link.isEmpty()) {
            items.add(new CheckItem(Kind.LINK, place.netnsName(), name, Status.MISSING, ""));
        } else if (!link.get().kind().equals(Optional.of(kind))) {
            items.add(new CheckItem(Kind.LINK, place.netnsName(), name, Status.DIFFERENT,
                    "a " + link.get().kind().orElse("device without kind") + ", expected a " + kind));
        } else {
            List<String> differences = new ArrayList<>();
            if (!link.get().up()) differences.add("down");
            // Without an expected owner any will do: the tap works either way (fcnet's own taps have none).
            Optional<String> owner = options.tapOwner().filter(o -> kind.equals("tun")).map(o -> owner(o.uid(), o.gid()));
            owner.ifPresent(wanted -> {
                String actual = owner(link.get().tunOwner(), link.get().tunGroup());
                if (!actual.equals(wanted)) differences.add("owner " + actual + ", expected " + wanted);
            });
            items.add(differences.isEmpty()
                    ? new CheckItem(Kind.LINK, place.netnsName(), name, Status.PRESENT,
                            "up" + owner.map(o -> ", owner " + o).orElse(""))
                    : new CheckItem(Kind.LINK, place.netnsName(), name, Status.DIFFERENT, String.join("; ", differences)));
        }
        return link;
    }

    /** A tap's owner as the report shows it, e.g. {@code uid 1000 gid 100}, {@code gid 100} or {@code none}. */
    private static String owner(OptionalInt uid, OptionalInt gid) {
        String s = (uid.isPresent() ? "uid " + Integer.toUnsignedString(uid.getAsInt()) : "")
                + (uid.isPresent() && gid.isPresent() ? " " : "")
                + (gid.isPresent() ? "gid " + Integer.toUnsignedString(gid.getAsInt()) : "");
        return s.isEmpty() ? "none" : s;
    }

    private void address(OpenNetns place, Optional<Link> link, String linkName, IpInet expected) {
        String object = expected + " on " + linkName;
        if (link.isEmpty()) {
            items.add(new CheckItem(Kind.ADDRESS, place.netnsName(), object, Status.MISSING, "no link " + linkName));
            return;
        }
        Status status = Status.MISSING;
        String detail = "";
        List<Address> addresses;
        try {
            addresses = place.rtnl.addresses(link.get());
        } catch (NetlinkException e) {
            if (e.errno() != Errno.ENODEV) throw e;
            // Deleted since it was looked up (a Delete running meanwhile).
            items.add(new CheckItem(Kind.ADDRESS, place.netnsName(), object, Status.MISSING, "no link " + linkName));
            return;
        }
        for (Address a : addresses) {
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

    private void route(OpenNetns place, InetAddress destination, int prefixLength, InetAddress gateway, String object) {
        Optional<Route> route = NarrowLookups.route(place, destination, prefixLength);
        if (route.isEmpty()) {
            items.add(new CheckItem(Kind.ROUTE, place.netnsName(), object, Status.MISSING, ""));
        } else if (!route.get().gateway().equals(Optional.of(gateway))) {
            items.add(new CheckItem(Kind.ROUTE, place.netnsName(), object, Status.DIFFERENT, "found " + route.get()));
        } else {
            items.add(new CheckItem(Kind.ROUTE, place.netnsName(), object, Status.PRESENT, ""));
        }
    }

    /** The network's host part, from the engine's copy of the host's tables (exact: read at the current generation). */
    private void hostNft() {
        items.addAll(hostTables.read(host.nft, layout.family, copy -> ruleset.check(copy, host, layout)));
    }

    /** A caller other than root may check only what is marked as added for it. */
    private void requireOwn(Optional<String> alias, String object) {
        if (options.caller().isRoot()) return;
        Mark.denial(alias, options.caller(), false).ifPresent(why -> {
            throw new FcnetException(FcnetException.Kind.NOT_OURS, "Check " + layout.id() + ": refusing to check " + object
                    + " for uid " + options.caller().uid() + ": " + why, Step.CHECK_OWNERSHIP, object, null);
        });
    }

    private CheckItem missing(Optional<String> netns, Kind kind, String object) {
        return new CheckItem(kind, netns, object, Status.MISSING, netnsProblem);
    }

    private static InetAddress anyAddress(InetAddress like) {
        return NarrowLookups.anyAddress(IpFamily.of(like));
    }
}
