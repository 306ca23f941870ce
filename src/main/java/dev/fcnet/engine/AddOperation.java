package dev.fcnet.engine;

import dev.fcnet.TapOwner;
import dev.fcnet.engine.FcnetException.Step;
import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.FcnetException.Kind;
import dev.fcnet.engine.Forwarding.Need;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Route;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.rtnl.RtnlConstants;
import dev.fcnet.rtnl.RtnlBatch;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import dev.fcnet.tun.Tap;
import dev.fcnet.tun.TapOptions;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One Add: the steps of DESIGN §3 in order, each undone (newest first) when a later one fails.
 * Checks first that the network does not exist, so a second Add changes nothing. In three parts
 * ({@link #prepare}, the host's part committed by the {@link HostCommitter} with those of other
 * Adds, {@link #finish}) so that a bulk Add (and with it Adds that threads run at once) commits
 * the host parts of many networks together.
 */
final class AddOperation {
    private final Layout layout;
    private final FirecrackerNetwork network;
    private final OpenNetns host;
    private final AddOptions options;
    /** The alias written on every link the Add makes, and on the loopback of its netns. */
    private final String mark;
    private final ForwardingPolicy policy;
    /** The engine's copy of the host's fcnet tables, through which the host part is undone. */
    private final HostTables hostTables;
    private final Ruleset ruleset;
    /** The steps carried out, with how to undo each. */
    private final UndoLog steps;
    private final List<RuleHandle> rules = new ArrayList<>();
    /** The engine's clone pool, whose slot a Namespaced Add takes when one is ready. */
    private final ClonePool pool;
    /**
     * A Simple network's tap and host interface as looked up when the tap was made (one datagram,
     * which the tap's index needs anyway), for the forwarding warnings: nothing the Add does
     * changes their switches but {@link #enableForwarding}, which forgets them. Null otherwise.
     */
    private Map<String, Optional<Link>> hostLinks;

    AddOperation(Layout layout, AddOptions options, OpenNetns host, ForwardingPolicy policy, Ruleset ruleset,
            HostTables hostTables, FaultInjector faults, ClonePool pool) {
        this.pool = pool;
        this.layout = layout;
        this.options = options;
        this.mark = Mark.of(options.caller()).alias();
        this.network = layout.network;
        this.host = host;
        this.policy = policy;
        this.ruleset = ruleset;
        this.hostTables = hostTables;
        this.steps = new UndoLog("Add " + layout.id(), faults);
    }

    Layout layout() {
        return layout;
    }

    /**
     * The steps before the host's part: the checks, the tap or the netns with everything in it
     * and the veth pair. Nothing inside the network's netns is needed afterwards (its sockets are
     * closed). On failure, rolls back and throws.
     */
    void prepare() {
        refuseExisting();
        refuseRoutedForwardedIp();
        if (policy == ForwardingPolicy.REQUIRE) requireForwarding();
        if (layout.namespaced.isPresent()) {
            addNamespaced(layout.namespaced.get());
        } else {
            String name = network.tapName();
            // Marked by the datagram that configures it, while only this handle keeps it: should the
            // process die before it is persistent, the tap goes with it.
            try (Tap opened = host.inside(() -> openTap(host, true))) {
                configure(host, name, () -> {
                    List<String> devices = new ArrayList<>(List.of(name));
                    Forwarding.devices(Forwarding.hostNeeds(layout)).stream().filter(d -> !d.equals(name)).forEach(devices::add);
                    hostLinks = Forwarding.links(host, devices);
                    return hostLinks.get(name).orElseThrow(() -> vanished(host, name));
                }, network.tapIp(), true, false);
                persist(host, opened);
            }
        }
    }

    /** The steps after the host's part: the host route, host forwarding (ENABLE), and the result. */
    AddResult finish() {
        layout.hostRoute.ifPresent(r -> steps.step(Step.ADD_ROUTE, host.qualify(r.describe()), () -> {
            host.rtnl.addRoute(r.destination(), r.prefixLength(), r.gateway());
            steps.onRollback("delete route " + r.describe(),
                    () -> host.rtnl.deleteRoute(r.destination(), r.prefixLength(), r.gateway()));
        }));
        if (policy == ForwardingPolicy.ENABLE) enableForwarding();
        return new AddResult(network, rules, forwardingWarnings());
    }

    /** What still keeps the guest's traffic from being forwarded in the host netns; the network is complete. */
    private List<String> forwardingWarnings() {
        List<Need> needs = Forwarding.hostNeeds(layout);
        List<String> warnings = new ArrayList<>();
        List<CheckItem> states;
        try {
            states = hostLinks == null ? Forwarding.states(host, needs, null) : Forwarding.states(host, needs, null, hostLinks);
        } catch (RuntimeException e) {
            return List.of("Add " + layout.id() + ": cannot tell whether "
                    + String.join(", ", needs.stream().map(Need::sysctl).toList()) + " are on: " + e.getMessage());
        }
        for (int i = 0; i < needs.size(); i++) {
            CheckItem state = states.get(i);
            if (state.ok()) continue;
            String warning = "Add " + layout.id() + ": " + needs.get(i).describe() + " in the host netns: " + state.detail()
                    + "; the guest's traffic will not be forwarded"
                    + (state.status() == Status.DIFFERENT ? " until it is enabled" : "");
            // Returned in AddResult, which callers (the CLI, the daemon) report; logged only for debugging so
            // that they are not shown twice.
            warnings.add(warning);
            FcnetEngine.log(Level.DEBUG, warning);
        }
        return warnings;
    }

    /** How many steps completed (undone ones included), for the operation's trace. */
    int stepsDone() {
        return steps.completed();
    }

    // ---- before any change

    /** A Simple network's tap is refused as it is made ({@link #openTap}). */
    private void refuseExisting() {
        if (layout.namespaced.isEmpty()) return;
        Namespaced ns = layout.namespaced.get();
        if (ns.netnsName().startsWith(PoolSlot.NETNS_PREFIX)) {
            throw new FcnetException(FcnetException.Kind.CONFLICT, "Add " + layout.id() + ": netns names starting with "
                    + PoolSlot.NETNS_PREFIX + " are the clone pool's; nothing was changed", Step.CHECK, ns.netnsName(), null);
        }
        if (Netns.exists(ns.netnsName())) {
            throw exists("netns " + ns.netnsName(), "netns " + ns.netnsName() + " already exists");
        }
        if (host.rtnl.link(ns.veth1Name()).isPresent()) {
            throw exists(ns.veth1Name(), ns.veth1Name() + " already exists in the host netns");
        }
    }

    /**
     * A forwarded guest IP is refused when the host would not otherwise send its traffic out by
     * its default route: an address of the host, or one it routes more specifically (the route
     * Add adds would pull that traffic into the guest).
     */
    private void refuseRoutedForwardedIp() {
        Optional<InetAddress> forwarded = layout.namespaced.flatMap(Namespaced::forwardedGuestIp);
        if (forwarded.isEmpty()) return;
        Optional<Route> route = host.rtnl.fibMatch(forwarded.get());
        if (route.isEmpty() || (route.get().isDefault() && route.get().type() != RtnlConstants.RTN_LOCAL)) return;
        Route r = route.get();
        String dev = r.outputIndex().isEmpty() ? "" : host.rtnl.link(r.outputIndex().getAsInt())
                .map(l -> " dev " + l.name()).orElse("");
        String found = (r.isDefault() ? "default" : IpInet.formatAddress(r.destination()) + "/" + r.prefixLength())
                + r.gateway().map(g -> " via " + IpInet.formatAddress(g)).orElse("") + dev;
        String ip = IpInet.formatAddress(forwarded.get());
        String why = r.type() == RtnlConstants.RTN_LOCAL ? "is an address of the host (local route " + found + ")"
                : "is routed by the host more specifically than by its default route (route " + found + ")";
        throw new FcnetException(FcnetException.Kind.CONFLICT, "Add " + layout.id() + ": forwarded guest IP " + ip + " "
                + why + "; nothing was changed", Step.CHECK, ip, null);
    }

    private FcnetException exists(String object, String what) {
        return new FcnetException(FcnetException.Kind.ALREADY_EXISTS, "Add " + layout.id() + ": " + what
                + "; nothing was changed", Step.CHECK, object, null);
    }

    private void requireForwarding() {
        String own = layout.namespaced.map(Namespaced::veth1Name).orElse(network.tapName());
        List<Need> needs = Forwarding.hostNeeds(layout);
        List<CheckItem> states = Forwarding.states(host, needs, own);
        List<String> off = new ArrayList<>();
        for (int i = 0; i < needs.size(); i++) {
            if (!states.get(i).ok()) off.add(needs.get(i).describe() + ": " + states.get(i).detail());
        }
        if (!off.isEmpty()) {
            throw new FcnetException("Add " + layout.id() + ": the host netns does not forward the guest's traffic ("
                    + String.join("; ", off) + "); nothing was changed (enable forwarding, or have the engine"
                    + " enable it)", Step.CHECK_FORWARDING, String.join(", ",
                    Forwarding.hostNeeds(layout).stream().map(Need::sysctl).toList()), null);
        }
    }

    // ---- a namespaced network's netns

    /**
     * The netns stays anonymous, held only by this process (a handle and sockets), until
     * everything in it and the veth pair are made and marked; only then is it named (mounted at
     * /run/netns/NAME). Should the process die before, the kernel destroys the netns with its tap
     * and veth2, and veth2 takes veth1 along: nothing of the network outlives it unmarked.
     * Rolling back before the mount is deleting veth1 (at once, so that its name is free again)
     * and closing the handles.
     */
    private void addNamespaced(Namespaced ns) {
        // A slot's tap may have an owner from its last network, which the kernel cannot unset: an Add that
        // names a group alone for its tap (no owner) makes its network as usual.
        Optional<ClonePool.Ready> slot = tapOptions().owner().isPresent() ? pool.take(ns, network.tapName()) : Optional.empty();
        if (slot.isPresent()) {
            addFromSlot(ns, slot.get());
            return;
        }
        String name = ns.netnsName();
        Netns netns = null;
        Inside inside = null;
        try {
            netns = steps.step(Step.CREATE_NETNS, name, Netns::createAnonymous);
            Netns created = netns;
            inside = netns.call(() -> startInside(created, name));
            addInside(ns, netns, inside);
            steps.step(Step.NAME_NETNS, name, () -> {
                created.mountAs(name);
                steps.onRollback("delete netns " + name, () -> Netns.delete(name));
            });
        } catch (FcnetException e) {
            if (e.step() == Step.NAME_NETNS && e.getCause() instanceof SysException s && s.errno() == Errno.EEXIST) {
                throw withKind(Kind.ALREADY_EXISTS, e); // made meanwhile by someone else
            }
            throw e;
        } finally {
            if (inside != null) inside.close();
            if (netns != null) netns.close();
        }
    }

    /** What the visit inside the new netns opened: its sockets and the tap, not yet persistent. */
    private record Inside(OpenNetns place, Tap tap) implements AutoCloseable {
        @Override
        public void close() {
            try {
                tap.close();
            } finally {
                place.closeSockets();
            }
        }
    }

    /**
     * What must be done from inside the new netns, in one visit on a thread that entered it: its
     * sockets, its tap and, for IPv6, its netns-wide forwarding switch.
     */
    private Inside startInside(Netns netns, String name) {
        OpenNetns inner = steps.step(Step.OPEN_NETNS_SOCKETS, "netns " + name,
                () -> new OpenNetns(Optional.of(name), netns, OpenNetns.Sockets.open()));
        Tap tap = null;
        try {
            // Set up while the handle is open, with carrier, as the clone pool's taps are: pooled and made networks look the same.
            tap = openTap(inner, false);
            // The devices' IPv4 switches are set with their addresses (configure); the others here.
            List<Need> needs = Forwarding.netnsNeeds(layout).stream().filter(n -> !n.isIpv4Device()).toList();
            if (!needs.isEmpty()) {
                steps.step(Step.ENABLE_FORWARDING, inner.qualify(String.join(", ", needs.stream().map(Need::sysctl).toList())),
                        () -> needs.forEach(Forwarding::enableHere));
            }
            return new Inside(inner, tap);
        } catch (RuntimeException | Error e) {
            if (tap != null) tap.close();
            inner.closeSockets();
            throw e;
        }
    }

    private void addInside(Namespaced ns, Netns netns, Inside inside) {
        OpenNetns inner = inside.place();
        // The netns' mark: Delete can tell a netns the engine made from another one.
        steps.step(Step.CONFIGURE_LINK, inner.qualify("lo") + ": alias " + mark + ", up", () -> {
            Link lo = lookup(inner, "lo");
            inner.rtnl.send(new RtnlBatch().setAlias(lo, mark).setUp(lo, true));
        });
        // Made from the host with veth2 in the new netns: should the netns die, veth2 takes veth1 along.
        Link[] veths = steps.step(Step.CREATE_VETH_PAIR, host.qualify(ns.veth1Name()) + " / " + inner.qualify(ns.veth2Name()),
                () -> {
                    host.rtnl.createVeth(ns.veth1Name(), ns.veth2Name(), netns.fd());
                    // Deleting veth1 frees both names at once; the netns would free them only when it dies. Once
                    // the netns is unnamed again (a later undo) and closed, it may die first, taking veth1 along.
                    steps.onRollback("delete link " + ns.veth1Name(), () -> {
                        try {
                            host.rtnl.deleteLink(ns.veth1Name());
                        } catch (NetlinkException e) {
                            if (e.errno() != Errno.ENODEV) throw e;
                        }
                    });
                    return new Link[] {lookup(host, ns.veth1Name()), lookup(inner, ns.veth2Name())};
                });
        configure(host, veths[0], ns.veth1Ip(), true);
        configure(inner, veths[1], ns.veth2Ip(), true);
        String tap = network.tapName();
        configure(inner, tap, () -> lookup(inner, tap), network.tapIp(), true, false);
        persist(inner, inside.tap());
        InetAddress gateway = ns.veth1Ip().address();
        steps.step(Step.ADD_ROUTE, inner.qualify("default via " + IpInet.formatAddress(gateway)),
                () -> inner.rtnl.addRoute(NarrowLookups.anyAddress(IpFamily.of(gateway)), 0, gateway));
        addNetnsRules(inner);
    }

    // ---- a namespaced network from a clone pool slot (DESIGN §4b)

    /**
     * The network made of a pool slot: the slot claimed (tap owner set, marked, renamed) while it still has its pool name, configured as {@link #addInside} configures a new
     * one, and only then moved to the network's name (through the unnamed state, where a death
     * destroys it). Rolled back, the slot is destroyed: its host end at once (freeing the veth
     * names), its names unmounted.
     */
    private void addFromSlot(Namespaced ns, ClonePool.Ready ready) {
        PoolSlot slot = ready.slot();
        String name = ns.netnsName();
        Netns netns = null;
        ClonePool.Entered entered = null;
        try {
            netns = steps.step(Step.CREATE_NETNS, name + " (from pool slot " + slot.netns() + ")", () -> Netns.open(slot.netns()));
            Netns opened = netns;
            steps.onRollback("delete netns " + slot.netns(), () -> ClonePool.deleteNetns(slot.netns()));
            Link hostEnd = steps.step(Step.CREATE_NETNS, host.qualify(slot.veth1()), () -> lookup(host, slot.veth1()));
            steps.onRollback("delete link " + slot.veth1(), () -> ClonePool.deleteLink(host.rtnl, hostEnd));
            entered = steps.step(Step.OPEN_NETNS_SOCKETS, "netns " + name, () -> opened.call(() -> ClonePool.enter(Optional.of(name), opened, slot)));
            ClonePool.Entered claimed = entered;
            OpenNetns in = entered.inner();
            // By the pool's handle, which this Add keeps until the tap is up (ClonePool.Ready).
            steps.step(Step.MARK_LINK, in.qualify(slot.tap()) + ": owner", () -> ready.tap().own(tapOptions()));
            ClonePool.Claim claim = ClonePool.claim(claimed, hostEnd, ns, network.tapName(), mark);
            String taken = host.qualify(ns.veth1Name()) + ", " + in.qualify(ns.veth2Name() + ", " + network.tapName())
                    + ": renamed from pool slot " + slot.id() + ", alias " + mark;
            List<Need> needs = Forwarding.netnsNeeds(layout).stream().filter(n -> !n.isIpv4Device()).toList();
            if (network.ipStack() == FirecrackerIpStack.V4 && needs.isEmpty()) {
                // One datagram a side for claim and configuration: a slot's host end has IPv6 off already
                // (ClonePool.hostEndIpv6Off), and rtnl runs a datagram's messages in order, each in one go.
                steps.step(Step.CONFIGURE_LINK, taken + "; " + describe(in, claim.veth2().name(), ns.veth2Ip(), false) + "; "
                        + describe(in, claim.tap().name(), network.tapIp(), false) + "; " + describe(host, claim.veth1().name(), ns.veth1Ip(), false),
                        () -> {
                            RtnlBatch inside = configureInto(claim.inside(), in, claim.veth2(), ns.veth2Ip(), false);
                            in.rtnl.send(configureInto(inside, in, claim.tap(), network.tapIp(), false));
                            host.rtnl.send(configureInto(claim.host(), host, claim.veth1(), ns.veth1Ip(), false));
                        });
            } else {
                steps.step(Step.MARK_LINK, taken, () -> {
                    in.rtnl.send(claim.inside());
                    host.rtnl.send(claim.host());
                });
                if (!needs.isEmpty()) {
                    steps.step(Step.ENABLE_FORWARDING, in.qualify(String.join(", ", needs.stream().map(Need::sysctl).toList())),
                            () -> in.inside(() -> {
                                needs.forEach(Forwarding::enableHere);
                                return null;
                            }));
                }
                // A slot's host end has IPv6 off (ClonePool.hostEndIpv6Off), as a V4 network's; another's gets the host's default.
                if (network.ipStack() != FirecrackerIpStack.V4) {
                    steps.step(Step.CONFIGURE_LINK, host.qualify(ns.veth1Name()) + ": ipv6 as the host's default",
                            () -> host.inside(() -> ClonePool.hostEndIpv6Default(ns.veth1Name())));
                }
                configure(host, claim.veth1(), ns.veth1Ip(), false, false);
                configure(in, claim.veth2(), ns.veth2Ip(), false, true);
                configure(in, claim.tap(), network.tapIp(), false, true);
            }
            InetAddress gateway = ns.veth1Ip().address();
            steps.step(Step.ADD_ROUTE, in.qualify("default via " + IpInet.formatAddress(gateway)),
                    () -> in.rtnl.addRoute(NarrowLookups.anyAddress(IpFamily.of(gateway)), 0, gateway));
            addNetnsRules(in);
            // lo's mark last, just before the name: until then a sweep sees whose slot is being taken.
            steps.step(Step.NAME_NETNS, name, () -> {
                in.rtnl.setAlias(claimed.lo(), mark);
                opened.rename(name);
                steps.onRollback("delete netns " + name, () -> Netns.delete(name));
            });
        } catch (FcnetException e) {
            if (e.step() == Step.NAME_NETNS && e.getCause() instanceof SysException s && s.errno() == Errno.EEXIST) {
                throw withKind(Kind.ALREADY_EXISTS, e);
            }
            throw e;
        } finally {
            ready.tap().close();
            if (entered != null) entered.inner().closeSockets();
            if (netns != null) netns.close();
        }
    }

    // ---- steps

    /**
     * The tap, with its owner, from a thread in {@code place}'s netns: not persistent yet, so it
     * lives only as long as the returned handle (or the process). The tun driver refuses a name
     * any link has (IFF_TUN_EXCL): in the host netns, the first change, which leaves nothing to undo.
     * A Simple network's tap ({@code simple}) is set up before the handle is closed and must go up
     * as one made persistent and closed first ({@code ip tuntap add}): its carrier is turned off
     * (so it gets no IPv6 multicast route, and its state does not change when the handle is
     * closed), and for a V4 network its IPv6 too (as {@link #configure} does for host links), in
     * this same visit to the host netns.
     */
    private Tap openTap(OpenNetns place, boolean simple) {
        String name = network.tapName();
        boolean ipv6Off = simple && network.ipStack() == FirecrackerIpStack.V4;
        try {
            return steps.step(Step.CREATE_TAP, place.qualify(name) + (ipv6Off ? ": ipv6 off" : ""), () -> {
                Tap tap = Tap.open(name, tapOptions());
                try {
                    if (simple) tap.carrierOff();
                    if (ipv6Off) Rtnl.disableIpv6(name);
                    return tap;
                } catch (RuntimeException e) {
                    tap.close();
                    throw e;
                }
            });
        } catch (FcnetException e) {
            if (e.getCause() instanceof SysException s && s.errno() == Errno.EBUSY) {
                throw exists(name, name + " already exists in the " + place.label());
            }
            throw e;
        }
    }

    /**
     * TUNSETOWNER and TUNSETGROUP of the options' tap owner; without one, owner root: the kernel
     * lets any user open a tap that has neither owner nor group.
     */
    private TapOptions tapOptions() {
        if (options.tapOwner().isEmpty()) return TapOptions.DEFAULT.withOwner(0);
        TapOwner owner = options.tapOwner().get();
        TapOptions tap = TapOptions.DEFAULT;
        if (owner.uid().isPresent()) tap = tap.withOwner(owner.uid().getAsInt());
        if (owner.gid().isPresent()) tap = tap.withGroup(owner.gid().getAsInt());
        return tap;
    }

    /**
     * Makes the open tap persistent (in the host netns, deleted on rollback), once it is marked
     * ({@link #configure}): until then it lives only as long as the caller's handle, or the
     * process, so that a crash leaves no tap unmarked. The caller closes the handle.
     */
    private void persist(OpenNetns place, Tap tap) {
        String name = tap.name();
        steps.step(Step.PERSIST_TAP, place.qualify(name), () -> {
            tap.persist();
            // In a network's netns the tap goes with the netns (whose sockets are closed before the host's steps).
            if (place == host) steps.onRollback("delete link " + name, () -> place.rtnl.deleteLink(name));
        });
    }

    /**
     * Marks the link as the engine's (unless it is already: {@code setMark}), gives it its address
     * and sets it up, in one datagram;
     * before it is up, for a V4 network, without an IPv6 link-local address (nothing of the
     * network uses IPv6, and the kernel's work for every such address — duplicate address
     * detection, router solicitations, a route per device — grows with the number of links),
     * and in a network's netns, with the IPv4 forwarding the network needs of the link.
     * A V4 network's host link has IPv6 turned off altogether first: even without an address,
     * a link that goes up gets a multicast route in the host's one IPv6 table, and every link
     * up and down walks that table (benchmarks/RESULTS.md, "IPv6 off host links").
     */
    private void configure(OpenNetns place, Link link, IpInet address, boolean setMark) {
        configure(place, link, address, setMark, true);
    }

    /** As above; {@code turnIpv6Off} false: a V4 network's host link has IPv6 off already (a pool slot's). */
    private void configure(OpenNetns place, Link link, IpInet address, boolean setMark, boolean turnIpv6Off) {
        configure(place, link.name(), () -> link, address, setMark, turnIpv6Off);
    }

    /** As above, of the link {@code find} looks up in the step (a tap's index; a Simple network's tap has IPv6 off already). */
    private void configure(OpenNetns place, String name, Supplier<Link> find, IpInet address, boolean setMark, boolean turnIpv6Off) {
        boolean v4Only = network.ipStack() == FirecrackerIpStack.V4;
        steps.step(Step.CONFIGURE_LINK, describe(place, name, address, setMark), () -> {
            Link link = find.get();
            if (v4Only && place == host && turnIpv6Off) place.inside(() -> {
                Rtnl.disableIpv6(name);
                return null;
            });
            place.rtnl.send(configureInto(new RtnlBatch(), place, link, address, setMark));
        });
    }

    /** What {@link #configure} sends, added to {@code batch}. */
    private RtnlBatch configureInto(RtnlBatch batch, OpenNetns place, Link link, IpInet address, boolean setMark) {
        if (setMark) batch.setAlias(link, mark);
        if (network.ipStack() == FirecrackerIpStack.V4) batch.addrGenModeNone(link);
        if (forwards(place, link.name())) batch.setIpv4Forwarding(link, true);
        return batch.addAddress(link, address.address(), address.prefixLength()).setUp(link, true);
    }

    /** Whether the link, in a network's netns, forwards IPv4 for the network. */
    private boolean forwards(OpenNetns place, String link) {
        return place.netnsName().isPresent() && Forwarding.netnsNeeds(layout).contains(new Need(IpFamily.INET, link));
    }

    /** {@link #configure}'s step, as the failure and the trace name it. */
    private String describe(OpenNetns place, String link, IpInet address, boolean setMark) {
        boolean v4Only = network.ipStack() == FirecrackerIpStack.V4;
        return place.qualify(link) + ":" + (setMark ? " alias " + mark + "," : "")
                + (v4Only ? (place == host ? " ipv6 off," : " no ipv6 link-local address,") : "")
                + (forwards(place, link) ? " ipv4 forwarding," : "") + " " + address + ", up";
    }

    /**
     * The netns' fcnet table, chains and rules in one transaction (nothing to undo: the netns
     * goes, with them, on rollback).
     */
    private void addNetnsRules(OpenNetns inner) {
        steps.step(Step.ADD_RULES, inner.qualify(FcnetRuleset.describe(layout.family, layout.netnsChains, layout.netnsRules)), () -> {
            NftBatch batch = new NftBatch().addTable(FcnetTable.table(layout.family));
            layout.netnsChains.forEach(batch::addChain);
            layout.netnsRules.forEach(spec -> batch.addRule(spec.rule()));
            List<Rule> added = inner.nft.commit(batch);
            for (int i = 0; i < added.size(); i++) rules.add(layout.handle(inner.netnsName(), layout.netnsRules.get(i), added.get(i).handle()));
        });
    }

    // ---- the host's part, committed with those of other Adds

    /**
     * Step "add rules": this Add's host part as the committer committed it (its undo registered
     * first, so that a failure of the step deletes it too), or why it could not be (then nothing
     * of it was), or the network it belongs to already. On failure, rolls back and throws.
     */
    void takeHostPart(HostCommitter.Result<Ruleset.AddedPart> result) {
        if (result instanceof HostCommitter.Result.Done<Ruleset.AddedPart>(Ruleset.AddedPart part)) {
            steps.onRollback(part.undoDescription(), () -> hostTables.change(host.nft, layout.family, part::undo));
        }
        steps.step(Step.ADD_RULES, host.qualify(ruleset.describe(layout)), () -> {
            switch (result) {
                case HostCommitter.Result.Failed<Ruleset.AddedPart>(RuntimeException cause) -> throw cause;
                case HostCommitter.Result.Done<Ruleset.AddedPart>(Ruleset.AddedPart part) -> {
                    if (part.conflict()) throw part.refusal(host);
                    rules.addAll(part.rules());
                }
            }
        });
    }

    /** Turns on what is off; the look-up too is part of the step, so that its failure rolls the Add back. */
    private void enableForwarding() {
        List<Need> needs = Forwarding.hostNeeds(layout);
        hostLinks = null;
        steps.step(Step.ENABLE_FORWARDING, host.qualify(String.join(", ", needs.stream().map(Need::sysctl).toList())), () -> {
            List<CheckItem> states = Forwarding.states(host, needs, null);
            for (int i = 0; i < needs.size(); i++) {
                if (states.get(i).status() == Status.DIFFERENT) Forwarding.enable(host, needs.get(i));
            }
        });
    }

    /** {@code e} as of kind {@code kind}, message, step, cause and suppressed failures kept. */
    private static FcnetException withKind(Kind kind, FcnetException e) {
        FcnetException k = new FcnetException(kind, e.getMessage(), e.step(), e.object(), e.getCause());
        for (Throwable t : e.getSuppressed()) k.addSuppressed(t);
        return k;
    }

    private static Link lookup(OpenNetns place, String name) {
        return place.rtnl.link(name).orElseThrow(() -> vanished(place, name));
    }

    private static IllegalStateException vanished(OpenNetns place, String name) {
        return new IllegalStateException("link " + name + " vanished from the " + place.label() + " right after it was made");
    }
}
