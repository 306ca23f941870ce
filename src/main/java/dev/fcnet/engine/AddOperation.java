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
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.Expr;
import dev.fcnet.nft.FcnetRules;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftFamily;
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
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One Add: the steps of DESIGN §3 in order, each undone (newest first) when a later one fails.
 * Checks first that the network does not exist, so a second Add changes nothing. In three parts
 * ({@link #prepare}, the host's rules, {@link #finish}) so that a bulk Add (and with it Adds that
 * threads run at once) can commit the host rules of many networks together.
 */
final class AddOperation {
    private final Layout layout;
    private final FirecrackerNetwork network;
    private final Place host;
    private final AddOptions options;
    /** The alias written on every link the Add makes, and on the loopback of its netns. */
    private final String mark;
    private final ForwardingPolicy policy;
    /** The engine's copy of the host's fcnet tables, through which the host rules are added. */
    private final HostRules hostRules;
    private final Transaction tx;
    private final List<RuleHandle> rules = new ArrayList<>();
    /** Set by {@link #addHostRules(HostRules, Place, List)} when this Add failed there (rolled back). */
    private FcnetException hostRulesFailure;

    AddOperation(Layout layout, AddOptions options, Place host, ForwardingPolicy policy, HostRules hostRules,
            FaultInjector faults) {
        this.layout = layout;
        this.options = options;
        this.mark = Mark.of(options.caller()).alias();
        this.network = layout.network;
        this.host = host;
        this.policy = policy;
        this.hostRules = hostRules;
        this.tx = new Transaction("Add " + layout.id(), faults);
    }

    /**
     * The steps before the host's rules: the checks, the tap or the netns with everything in it
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
            Link tap;
            try (Tap opened = host.inside(() -> openTap(host))) {
                tap = markAndPersist(host, opened);
            }
            configure(host, tap, network.tapIp(), false);
        }
    }

    /**
     * The steps after the host's rules: the host route, host forwarding (ENABLE), and the result.
     * Throws instead when the host rules failed (and this Add was rolled back).
     */
    AddResult finish() {
        if (hostRulesFailure != null) throw hostRulesFailure;
        layout.hostRoute.ifPresent(r -> tx.step(Step.ADD_ROUTE, host.qualify(r.describe()), () -> {
            host.rtnl.addRoute(r.destination(), r.prefixLength(), r.gateway());
            tx.onRollback("delete route " + r.describe(),
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
            states = Forwarding.states(host, needs, null);
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
        return tx.completed();
    }

    // ---- before any change

    /** A Simple network's tap is refused as it is made ({@link #openTap}). */
    private void refuseExisting() {
        if (layout.namespaced.isEmpty()) return;
        Namespaced ns = layout.namespaced.get();
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
        String name = ns.netnsName();
        Netns netns = null;
        Inside inside = null;
        try {
            netns = tx.step(Step.CREATE_NETNS, name, Netns::createAnonymous);
            Netns created = netns;
            inside = netns.call(() -> startInside(created, name));
            addInside(ns, netns, inside);
            tx.step(Step.NAME_NETNS, name, () -> {
                created.mountAs(name);
                tx.onRollback("delete netns " + name, () -> Netns.delete(name));
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
    private record Inside(Place place, Tap tap) implements AutoCloseable {
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
        Place inner = tx.step(Step.OPEN_NETNS_SOCKETS, "netns " + name,
                () -> new Place(Optional.of(name), netns, Place.Sockets.open()));
        Tap tap = null;
        try {
            tap = openTap(inner);
            // The devices' IPv4 switches are set with their addresses (configure); the others here.
            List<Need> needs = Forwarding.netnsNeeds(layout).stream().filter(n -> !n.isIpv4Device()).toList();
            if (!needs.isEmpty()) {
                tx.step(Step.ENABLE_FORWARDING, inner.qualify(String.join(", ", needs.stream().map(Need::sysctl).toList())),
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
        Place inner = inside.place();
        // The netns' mark: Delete can tell a netns the engine made from another one.
        tx.step(Step.CONFIGURE_LINK, inner.qualify("lo") + ": alias " + mark + ", up", () -> {
            Link lo = lookup(inner, "lo");
            inner.rtnl.send(new RtnlBatch().setAlias(lo, mark).setUp(lo, true));
        });
        Link tap = markAndPersist(inner, inside.tap());
        // Made from the host with veth2 in the new netns: should the netns die, veth2 takes veth1 along.
        Link[] veths = tx.step(Step.CREATE_VETH_PAIR, host.qualify(ns.veth1Name()) + " / " + inner.qualify(ns.veth2Name()),
                () -> {
                    host.rtnl.createVeth(ns.veth1Name(), ns.veth2Name(), netns.fd());
                    // Deleting veth1 frees both names at once; the netns would free them only when it dies. Once
                    // the netns is unnamed again (a later undo) and closed, it may die first, taking veth1 along.
                    tx.onRollback("delete link " + ns.veth1Name(), () -> {
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
        configure(inner, tap, network.tapIp(), false);
        InetAddress gateway = ns.veth1Ip().address();
        tx.step(Step.ADD_ROUTE, inner.qualify("default via " + IpInet.formatAddress(gateway)),
                () -> inner.rtnl.addRoute(Lookups.anyAddress(IpFamily.of(gateway)), 0, gateway));
        addNetnsRules(inner);
    }

    // ---- steps

    /**
     * The tap, with its owner, from a thread in {@code place}'s netns: not persistent yet, so it
     * lives only as long as the returned handle (or the process). The tun driver refuses a name
     * any link has (IFF_TUN_EXCL): in the host netns, the first change, which leaves nothing to undo.
     */
    private Tap openTap(Place place) {
        String name = network.tapName();
        try {
            return tx.step(Step.CREATE_TAP, place.qualify(name), () -> Tap.open(name, tapOptions()));
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
     * Marks the open tap as the engine's, then makes it persistent (in the host netns, deleted on
     * rollback): it outlives the process only once marked. The caller closes the handle.
     */
    private Link markAndPersist(Place place, Tap tap) {
        String name = tap.name();
        Link link = tx.step(Step.MARK_LINK, place.qualify(name) + ": alias " + mark, () -> {
            Link l = lookup(place, name);
            place.rtnl.setAlias(l, mark);
            return l;
        });
        tx.step(Step.PERSIST_TAP, place.qualify(name), () -> {
            tap.persist();
            // In a network's netns the tap goes with the netns (whose sockets are closed before the host's steps).
            if (place == host) tx.onRollback("delete link " + name, () -> place.rtnl.deleteLink(name));
        });
        return link;
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
    private void configure(Place place, Link link, IpInet address, boolean setMark) {
        boolean v4Only = network.ipStack() == FirecrackerIpStack.V4;
        boolean forward = place.netnsName().isPresent()
                && Forwarding.netnsNeeds(layout).contains(new Need(IpFamily.INET, link.name()));
        tx.step(Step.CONFIGURE_LINK, place.qualify(link.name()) + ":" + (setMark ? " alias " + mark + "," : "")
                + (v4Only ? (place == host ? " ipv6 off," : " no ipv6 link-local address,") : "") + (forward ? " ipv4 forwarding," : "") + " " + address
                + ", up", () -> {
                    if (v4Only && place == host) place.inside(() -> {
                        Rtnl.disableIpv6(link.name());
                        return null;
                    });
                    RtnlBatch batch = new RtnlBatch();
                    if (setMark) batch.setAlias(link, mark);
                    if (v4Only) batch.addrGenModeNone(link);
                    if (forward) batch.setIpv4Forwarding(link, true);
                    place.rtnl.send(batch.addAddress(link, address.address(), address.prefixLength()).setUp(link, true));
                });
    }

    /**
     * The netns' fcnet table, chains and rules in one transaction (nothing to undo: the netns
     * goes, with them, on rollback).
     */
    private void addNetnsRules(Place inner) {
        tx.step(Step.ADD_RULES, inner.qualify(describe(layout.netnsChains, layout.netnsRules)), () -> {
            NftBatch batch = new NftBatch().addTable(FcnetRules.table(layout.family));
            layout.netnsChains.forEach(batch::addChain);
            layout.netnsRules.forEach(spec -> batch.addRule(spec.rule()));
            List<Rule> added = inner.nft.commit(batch);
            for (int i = 0; i < added.size(); i++) rules.add(handle(inner, layout.netnsRules.get(i), added.get(i).handle()));
        });
    }

    // ---- the host's rules, of one Add or of many in few transactions

    /** Networks whose host rules one transaction adds at most (a few hundred KiB of messages and replies). */
    static final int SHARED_COMMIT = 256;

    /**
     * One Add's part of a batch: the rules it adds, in order, and the chains and table it makes
     * (and undoes); none when its guest is masqueraded already ({@code conflict}).
     */
    private record HostPlan(List<RuleSpec> adding, List<Chain> createdChains, boolean createdTable, boolean conflict) {}

    private record Batch(NftBatch changes, List<HostPlan> plans) implements HostRules.Plan {}

    /**
     * The host rules of Adds of one family as one batch, with the fcnet table and chains when the
     * copy shows them missing or of another shape (nft's add then keeps existing ones, or the
     * kernel refuses a chain of another shape in its own words). A Simple network whose masquerade
     * rule the postrouting chain, or an earlier Add of the batch, has already is refused: the
     * rule would serve two networks, and deleting either would cut the other off. The commit is
     * conditional on the ruleset being what the copy shows, so no one can have added it meanwhile.
     */
    private static Batch plan(HostRules.Family copy, List<AddOperation> ops) {
        NftBatch changes = new NftBatch();
        Layout first = ops.get(0).layout;
        List<Chain> missing = first.hostChains.stream().filter(c -> copy.chain(c.name()).isEmpty()).toList();
        boolean shaped = first.hostChains.stream().allMatch(c -> copy.chain(c.name()).map(c::matches).orElse(true));
        boolean createTable = !copy.tableExists();
        if (createTable || !missing.isEmpty() || !shaped) {
            changes.addTable(FcnetRules.table(first.family));
            first.hostChains.forEach(changes::addChain);
        }
        Set<List<Expr>> masqueraded = new HashSet<>();
        List<HostPlan> plans = new ArrayList<>(ops.size());
        for (AddOperation op : ops) {
            // What the batch makes belongs to its first Add, which undoes it if it fails.
            boolean firstOp = plans.isEmpty();
            List<Chain> created = firstOp ? missing : List.of();
            boolean conflict = op.layout.hostRules.stream().filter(op.layout::isSimpleMasquerade)
                    .anyMatch(spec -> copy.handle(spec.rule()).isPresent() || !masqueraded.add(spec.rule().exprs()));
            if (conflict) {
                plans.add(new HostPlan(List.of(), created, firstOp && createTable, true));
                continue;
            }
            op.layout.hostRules.forEach(spec -> changes.addRule(spec.rule()));
            plans.add(new HostPlan(op.layout.hostRules, created, firstOp && createTable, false));
        }
        return new Batch(changes, plans);
    }

    /** The host's rules of this Add alone, in one transaction. Undone: its rules, then the chains and table it made, if empty. */
    private void addHostRules() {
        tx.step(Step.ADD_RULES, describeHostRules(), () -> {
            HostRules.Committed<Batch> done = hostRules.change(host.nft, layout.family, copy -> plan(copy, List.of(this)));
            HostPlan plan = done.plan().plans().get(0);
            tx.onRollback(undoDescription(done.added(), plan), () -> undoHostRules(plan, done.added()));
            if (plan.conflict()) throw masqueradeConflict();
            recordHostRules(done.added());
        });
    }

    /**
     * The host rules of many prepared Adds in few transactions: one per family and
     * {@link #SHARED_COMMIT} networks. A commit costs the kernel time growing with the rules in the
     * table (NftCommitBench: 0.03 ms empty, 4 ms with 20,000 rules), so one commit per network
     * would cost time growing with the number of networks present. Each Add's step "add rules"
     * then completes, or fails and rolls that Add back alone, recording why for {@link #finish};
     * a batch the kernel refuses is retried one Add at a time, so only the culprit fails.
     */
    static void addHostRules(HostRules hostRules, Place host, List<AddOperation> ops) {
        Map<NftFamily, List<AddOperation>> byFamily = new EnumMap<>(NftFamily.class);
        for (AddOperation op : ops) byFamily.computeIfAbsent(op.layout.family, f -> new ArrayList<>()).add(op);
        for (Map.Entry<NftFamily, List<AddOperation>> family : byFamily.entrySet()) {
            List<AddOperation> all = family.getValue();
            for (int from = 0; from < all.size(); from += SHARED_COMMIT) {
                List<AddOperation> chunk = all.subList(from, Math.min(all.size(), from + SHARED_COMMIT));
                HostRules.Committed<Batch> done = null;
                if (chunk.size() > 1) {
                    try {
                        done = hostRules.change(host.nft, family.getKey(), copy -> plan(copy, chunk));
                    } catch (RuntimeException e) {
                        // Refused as a whole: one at a time, below.
                    }
                }
                if (done == null) {
                    for (AddOperation op : chunk) {
                        try {
                            op.addHostRules();
                        } catch (FcnetException f) {
                            op.hostRulesFailure = f;
                        }
                    }
                    continue;
                }
                List<Rule> added = done.added();
                for (int i = 0, next = 0; i < chunk.size(); i++) {
                    AddOperation op = chunk.get(i);
                    HostPlan plan = done.plan().plans().get(i);
                    List<Rule> own = added.subList(next, next + plan.adding().size());
                    next += plan.adding().size();
                    try {
                        // Registered first: should the step fail, its rollback deletes them too.
                        op.tx.onRollback(op.undoDescription(own, plan), () -> op.undoHostRules(plan, own));
                        op.tx.step(Step.ADD_RULES, op.describeHostRules(), () -> {
                            if (plan.conflict()) throw op.masqueradeConflict();
                            op.recordHostRules(own);
                        });
                    } catch (FcnetException f) {
                        op.hostRulesFailure = f;
                    }
                }
            }
        }
    }

    /** The refusal of a Simple network whose guest is masqueraded already, naming the tap it is for if there is one. */
    private FcnetException masqueradeConflict() {
        String guest = IpInet.formatAddress(network.guestIp().address());
        String owner = Lookups.linkRouting(host, network.guestIp().address(), network.tapName(), "tun").map(t -> "for tap " + t)
                .orElse("on " + network.ifaceName() + " (" + layout.hostRules.get(0).describe() + ")");
        return new FcnetException(FcnetException.Kind.CONFLICT, "guest " + guest + " is already masqueraded " + owner,
                Step.CHECK, network.tapName(), null);
    }

    /** Appends this Add's host rules, {@code added} (in layout order), to its result. */
    private void recordHostRules(List<Rule> added) {
        for (int i = 0; i < added.size(); i++) rules.add(handle(host, layout.hostRules.get(i), added.get(i).handle()));
    }

    private String describeHostRules() {
        return host.qualify(describe(layout.hostChains, layout.hostRules));
    }

    private static String undoDescription(List<Rule> added, HostPlan plan) {
        return "delete rules " + added.stream().map(r -> Long.toUnsignedString(r.handle())).toList()
                + (plan.createdChains().isEmpty() ? "" : " and the chains made");
    }

    /**
     * Deletes the rules added, then the chains (and table) made, but only those still empty:
     * another network may have put rules in them meanwhile.
     */
    private void undoHostRules(HostPlan plan, List<Rule> added) {
        hostRules.change(host.nft, layout.family, copy -> {
            NftBatch changes = new NftBatch();
            List<Rule> left = added.stream().filter(copy::contains).toList();
            left.forEach(changes::deleteRule);
            List<Chain> emptied = plan.createdChains().reversed().stream().filter(c -> copy.chain(c.name()).isPresent()
                    && copy.ruleCount(c.name()) == left.stream().filter(r -> r.chain().equals(c.name())).count()).toList();
            emptied.forEach(changes::deleteChainIfEmpty);
            if (plan.createdTable() && copy.tableExists() && copy.chainNames().stream()
                    .allMatch(name -> emptied.stream().anyMatch(c -> c.name().equals(name)))) {
                changes.deleteTableIfEmpty(FcnetRules.table(layout.family));
            }
            return () -> changes;
        });
    }

    private String describe(List<Chain> chains, List<RuleSpec> specs) {
        return layout.family + " " + FcnetRules.TABLE + " (" + String.join(", ", chains.stream().map(Chain::name).toList())
                + "): " + specs.size() + (specs.size() == 1 ? " rule" : " rules");
    }

    private RuleHandle handle(Place place, RuleSpec spec, long handle) {
        Rule r = spec.rule();
        return new RuleHandle(place.netnsName(), network.ipStack(), r.table(), r.chain(), handle, spec.text());
    }

    /** Turns on what is off; the look-up too is part of the step, so that its failure rolls the Add back. */
    private void enableForwarding() {
        List<Need> needs = Forwarding.hostNeeds(layout);
        tx.step(Step.ENABLE_FORWARDING, host.qualify(String.join(", ", needs.stream().map(Need::sysctl).toList())), () -> {
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

    private static Link lookup(Place place, String name) {
        return place.rtnl.link(name).orElseThrow(() -> new IllegalStateException(
                "link " + name + " vanished from the " + place.label() + " right after it was made"));
    }
}
