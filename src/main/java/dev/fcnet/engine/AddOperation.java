package dev.fcnet.engine;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.Forwarding.Need;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.Expr;
import dev.fcnet.nft.FcnetRules;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.RtnlBatch;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import dev.fcnet.tun.Tap;
import dev.fcnet.tun.TapOptions;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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
        if (policy == ForwardingPolicy.REQUIRE) requireForwarding();
        if (layout.namespaced.isPresent()) {
            addNamespaced(layout.namespaced.get());
        } else {
            Link tap = createTap(host, network.tapName());
            configure(host, tap, network.tapIp());
        }
    }

    /**
     * The steps after the host's rules: the host route, host forwarding (ENABLE), and the result.
     * Throws instead when the host rules failed (and this Add was rolled back).
     */
    AddResult finish() {
        if (hostRulesFailure != null) throw hostRulesFailure;
        layout.hostRoute.ifPresent(r -> tx.step("add route", host.qualify(r.describe()), () -> {
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

    /** A Simple network's tap is refused as it is made ({@link #createTap}). */
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

    private FcnetException exists(String object, String what) {
        return new FcnetException(FcnetException.Kind.ALREADY_EXISTS, "Add " + layout.id() + ": " + what
                + "; nothing was changed", "check", object, null);
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
                    + String.join("; ", off) + "); nothing was changed (enable forwarding, or use"
                    + " ForwardingPolicy.ENABLE to let the engine do it)", "check forwarding", String.join(", ",
                    Forwarding.hostNeeds(layout).stream().map(Need::sysctl).toList()), null);
        }
    }

    // ---- a namespaced network's netns

    private void addNamespaced(Namespaced ns) {
        String name = ns.netnsName();
        Netns[] netns = new Netns[1];
        Place inner = null;
        try {
            tx.step("create netns", name, () -> {
                netns[0] = Netns.create(name);
                tx.onRollback("delete netns " + name, () -> Netns.delete(name));
            });
            inner = netns[0].call(() -> startInside(netns[0], name));
            addInside(ns, netns[0], inner);
        } finally {
            // The netns dies, after a rollback, once nothing holds it open.
            if (inner != null) inner.closeSockets();
            if (netns[0] != null) netns[0].close();
        }
    }

    /**
     * What must be done from inside the new netns, in one visit on a thread that entered it: its
     * sockets, its tap and, for IPv6, its netns-wide forwarding switch.
     */
    private Place startInside(Netns netns, String name) {
        Place inner = tx.step("open netns sockets", "netns " + name,
                () -> new Place(Optional.of(name), netns, Place.Sockets.open()));
        try {
            tx.step("create tap", inner.qualify(network.tapName()), () -> Tap.create(network.tapName(), TapOptions.DEFAULT));
            // The devices' IPv4 switches are set with their addresses (configure); the others here.
            List<Need> needs = Forwarding.netnsNeeds(layout).stream().filter(n -> !n.isIpv4Device()).toList();
            if (!needs.isEmpty()) {
                tx.step("enable forwarding", inner.qualify(String.join(", ", needs.stream().map(Need::sysctl).toList())),
                        () -> needs.forEach(Forwarding::enableHere));
            }
            return inner;
        } catch (RuntimeException | Error e) {
            inner.closeSockets();
            throw e;
        }
    }

    private void addInside(Namespaced ns, Netns netns, Place inner) {
        Place innerPlace = inner;
        // The netns' mark: Delete can tell a netns the engine made from another one.
        tx.step("configure link", inner.qualify("lo") + ": alias " + FcnetEngine.LINK_ALIAS + ", up", () -> {
            Link lo = lookup(innerPlace, "lo");
            innerPlace.rtnl.send(new RtnlBatch().setAlias(lo, FcnetEngine.LINK_ALIAS).setUp(lo, true));
        });
        Link[] veths = tx.step("create veth pair", host.qualify(ns.veth1Name()) + " / " + inner.qualify(ns.veth2Name()),
                () -> {
                    host.rtnl.createVeth(ns.veth1Name(), ns.veth2Name(), netns.fd());
                    // Deleting veth1 frees both names at once; the netns would free them only when it dies.
                    tx.onRollback("delete link " + ns.veth1Name(), () -> host.rtnl.deleteLink(ns.veth1Name()));
                    return new Link[] {lookup(host, ns.veth1Name()), lookup(innerPlace, ns.veth2Name())};
                });
        configure(host, veths[0], ns.veth1Ip());
        configure(inner, veths[1], ns.veth2Ip());
        configure(inner, lookup(inner, network.tapName()), network.tapIp());
        InetAddress gateway = ns.veth1Ip().address();
        tx.step("add route", inner.qualify("default via " + IpInet.formatAddress(gateway)),
                () -> innerPlace.rtnl.addRoute(Lookups.anyAddress(IpFamily.of(gateway)), 0, gateway));
        addNetnsRules(inner);
    }

    // ---- steps

    /**
     * A persistent tap in the host netns, deleted on rollback. The tun driver refuses a name any
     * link has (IFF_TUN_EXCL), which, as the first change, leaves nothing to undo.
     */
    private Link createTap(Place place, String name) {
        try {
            return tx.step("create tap", place.qualify(name), () -> {
                place.inside(() -> {
                    Tap.create(name, TapOptions.DEFAULT);
                    return null;
                });
                tx.onRollback("delete link " + name, () -> place.rtnl.deleteLink(name));
                return lookup(place, name);
            });
        } catch (FcnetException e) {
            if (e.getCause() instanceof SysException s && s.errno() == Errno.EBUSY) {
                throw exists(name, name + " already exists in the " + place.label());
            }
            throw e;
        }
    }

    /**
     * Marks the link as the engine's, gives it its address and sets it up, in one datagram;
     * before it is up, for a V4 network, without an IPv6 link-local address (nothing of the
     * network uses IPv6, and the kernel's work for every such address — duplicate address
     * detection, router solicitations, a route per device — grows with the number of links),
     * and in a network's netns, with the IPv4 forwarding the network needs of the link.
     */
    private void configure(Place place, Link link, IpInet address) {
        boolean v4Only = network.ipStack() == FirecrackerIpStack.V4;
        boolean forward = place.netnsName().isPresent()
                && Forwarding.netnsNeeds(layout).contains(new Need(IpFamily.INET, link.name()));
        tx.step("configure link", place.qualify(link.name()) + ": alias " + FcnetEngine.LINK_ALIAS
                + (v4Only ? ", no ipv6 link-local address" : "") + (forward ? ", ipv4 forwarding" : "") + ", " + address
                + ", up", () -> {
                    RtnlBatch batch = new RtnlBatch().setAlias(link, FcnetEngine.LINK_ALIAS);
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
        tx.step("add rules", inner.qualify(describe(layout.netnsChains, layout.netnsRules)), () -> {
            NftBatch batch = new NftBatch().addTable(FcnetRules.table(layout.family));
            layout.netnsChains.forEach(batch::addChain);
            layout.netnsRules.forEach(spec -> batch.addRule(spec.rule()));
            List<Rule> added = inner.nft.commit(batch);
            for (int i = 0; i < added.size(); i++) rules.add(handle(inner, layout.netnsRules.get(i), added.get(i).handle(), true));
        });
    }

    // ---- the host's rules, of one Add or of many in few transactions

    /** Networks whose host rules one transaction adds at most (a few hundred KiB of messages and replies). */
    static final int SHARED_COMMIT = 256;

    /** Marks a shared masquerade rule that an earlier Add of the same batch adds. */
    private static final long IN_BATCH = -1;

    /**
     * One Add's part of a batch: the rules it adds, in order, those it found (handle, or
     * {@link #IN_BATCH}), and the chains and table it makes (and undoes).
     */
    private record HostPlan(List<RuleSpec> adding, Map<RuleSpec, Long> present, List<Chain> createdChains,
            boolean createdTable) {}

    private record Batch(NftBatch changes, List<HostPlan> plans) implements HostRules.Plan {}

    /**
     * The host rules of Adds of one family as one batch, with the fcnet table and chains when the
     * copy shows them missing or of another shape (nft's add then keeps existing ones, or the
     * kernel refuses a chain of another shape in its own words). A Simple masquerade rule is
     * added only when the postrouting chain, or an earlier Add of the batch, does not have it
     * yet: the commit is conditional on the ruleset being what the copy shows, so no one else
     * can have added it meanwhile.
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
        Set<List<Expr>> planned = new HashSet<>();
        List<HostPlan> plans = new ArrayList<>(ops.size());
        for (AddOperation op : ops) {
            List<RuleSpec> adding = new ArrayList<>();
            Map<RuleSpec, Long> present = new HashMap<>();
            for (RuleSpec spec : op.layout.hostRules) {
                if (op.layout.isSharedMasquerade(spec)) {
                    OptionalLong found = copy.handle(spec.rule());
                    if (found.isPresent()) {
                        present.put(spec, found.getAsLong());
                        continue;
                    }
                    if (!planned.add(spec.rule().exprs())) {
                        present.put(spec, IN_BATCH);
                        continue;
                    }
                }
                adding.add(spec);
                changes.addRule(spec.rule());
            }
            // What the batch makes belongs to its first Add, which undoes it if it fails.
            boolean firstOp = plans.isEmpty();
            plans.add(new HostPlan(adding, present, firstOp ? missing : List.of(), firstOp && createTable));
        }
        return new Batch(changes, plans);
    }

    /** The host's rules of this Add alone, in one transaction. Undone: its rules, then the chains and table it made, if empty. */
    private void addHostRules() {
        tx.step("add rules", describeHostRules(), () -> {
            HostRules.Committed<Batch> done = hostRules.change(host.nft, layout.family, copy -> plan(copy, List.of(this)));
            HostPlan plan = done.plan().plans().get(0);
            recordHostRules(plan, done.added(), done.added());
            tx.onRollback(undoDescription(done.added(), plan), () -> undoHostRules(plan, done.added()));
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
                        op.tx.step("add rules", op.describeHostRules(), () -> op.recordHostRules(plan, own, added));
                    } catch (FcnetException f) {
                        op.hostRulesFailure = f;
                    }
                }
            }
        }
    }

    /**
     * Appends this Add's host rules to its result, in layout order: {@code own}, the rules it
     * added; {@code batch}, all the batch added (where a masquerade rule an earlier Add of the
     * batch added is found).
     */
    private void recordHostRules(HostPlan plan, List<Rule> own, List<Rule> batch) {
        int next = 0;
        for (RuleSpec spec : layout.hostRules) {
            Long present = plan.present().get(spec);
            if (present == null) {
                rules.add(handle(host, spec, own.get(next++).handle(), true));
            } else if (present == IN_BATCH) {
                long h = batch.stream().filter(r -> r.exprs().equals(spec.rule().exprs())).findFirst().orElseThrow().handle();
                rules.add(handle(host, spec, h, false));
            } else {
                rules.add(handle(host, spec, present, false));
            }
        }
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

    private RuleHandle handle(Place place, RuleSpec spec, long handle, boolean added) {
        Rule r = spec.rule();
        return new RuleHandle(place.netnsName(), network.ipStack(), r.table(), r.chain(), handle, spec.text(), added);
    }

    private void enableForwarding() {
        List<Need> needs = Forwarding.hostNeeds(layout);
        List<CheckItem> states = Forwarding.states(host, needs, null);
        List<Need> off = new ArrayList<>();
        for (int i = 0; i < needs.size(); i++) {
            if (states.get(i).status() == Status.DIFFERENT) off.add(needs.get(i));
        }
        if (off.isEmpty()) return;
        tx.step("enable forwarding", host.qualify(String.join(", ", off.stream().map(Need::sysctl).toList())),
                () -> off.forEach(n -> Forwarding.enable(host, n)));
    }

    private static Link lookup(Place place, String name) {
        return place.rtnl.link(name).orElseThrow(() -> new IllegalStateException(
                "link " + name + " vanished from the " + place.label() + " right after it was made"));
    }
}
