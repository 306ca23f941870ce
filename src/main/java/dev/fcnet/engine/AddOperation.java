package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.Forwarding.Need;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.Chain;
import dev.fcnet.nft.FcnetRules;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.RtnlBatch;
import dev.fcnet.tun.Tap;
import dev.fcnet.tun.TapOptions;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One Add: the steps of DESIGN §3 in order, each undone (newest first) when a later one fails.
 * Checks first that the network does not exist, so a second Add changes nothing.
 */
final class AddOperation {
    private final Layout layout;
    private final FirecrackerNetwork network;
    private final Place host;
    private final ForwardingPolicy policy;
    /** The engine's copy of the host's fcnet tables, through which the host rules are added. */
    private final HostRules hostRules;
    private final Transaction tx;
    private final List<RuleHandle> rules = new ArrayList<>();

    AddOperation(Layout layout, Place host, ForwardingPolicy policy, HostRules hostRules, FaultInjector faults) {
        this.layout = layout;
        this.network = layout.network;
        this.host = host;
        this.policy = policy;
        this.hostRules = hostRules;
        this.tx = new Transaction("Add " + layout.id(), faults);
    }

    AddResult run() {
        refuseExisting();
        if (policy == ForwardingPolicy.REQUIRE) requireForwarding();
        if (layout.namespaced.isPresent()) {
            addNamespaced(layout.namespaced.get());
        } else {
            addSimple();
        }
        if (policy == ForwardingPolicy.ENABLE) enableForwarding();
        return new AddResult(network, rules, forwardingWarnings());
    }

    /** What still keeps the guest's traffic from being forwarded in the host netns; the network is complete. */
    private List<String> forwardingWarnings() {
        List<String> warnings = new ArrayList<>();
        for (Need need : Forwarding.hostNeeds(layout)) {
            String warning;
            try {
                CheckItem state = Forwarding.state(host, need, null);
                if (state.ok()) continue;
                warning = "Add " + layout.id() + ": " + need.describe() + " in the host netns: " + state.detail()
                        + "; the guest's traffic will not be forwarded"
                        + (state.status() == Status.DIFFERENT ? " until it is enabled (or use ForwardingPolicy.ENABLE)" : "");
            } catch (RuntimeException e) {
                warning = "Add " + layout.id() + ": cannot tell whether " + need.sysctl() + " is on: " + e.getMessage();
            }
            warnings.add(warning);
            FcnetEngine.log(Level.WARNING, warning);
        }
        return warnings;
    }

    // ---- before any change

    private void refuseExisting() {
        if (layout.namespaced.isEmpty()) {
            if (host.rtnl.link(network.tapName()).isPresent()) {
                throw exists(network.tapName(), network.tapName() + " already exists in the host netns");
            }
            return;
        }
        Namespaced ns = layout.namespaced.get();
        if (Netns.exists(ns.netnsName())) {
            throw exists("netns " + ns.netnsName(), "netns " + ns.netnsName() + " already exists");
        }
        if (host.rtnl.link(ns.veth1Name()).isPresent()) {
            throw exists(ns.veth1Name(), ns.veth1Name() + " already exists in the host netns");
        }
    }

    private FcnetException exists(String object, String what) {
        return new FcnetException("Add " + layout.id() + ": " + what + "; nothing was changed", "check", object, null);
    }

    private void requireForwarding() {
        String own = layout.namespaced.map(Namespaced::veth1Name).orElse(network.tapName());
        List<String> off = new ArrayList<>();
        for (Need need : Forwarding.hostNeeds(layout)) {
            CheckItem state = Forwarding.state(host, need, own);
            if (!state.ok()) off.add(need.describe() + ": " + state.detail());
        }
        if (!off.isEmpty()) {
            throw new FcnetException("Add " + layout.id() + ": the host netns does not forward the guest's traffic ("
                    + String.join("; ", off) + "); nothing was changed (enable forwarding, or use"
                    + " ForwardingPolicy.ENABLE to let the engine do it)", "check forwarding", String.join(", ",
                    Forwarding.hostNeeds(layout).stream().map(Need::sysctl).toList()), null);
        }
    }

    // ---- the two network types

    private void addSimple() {
        Link tap = createTap(host, network.tapName());
        configure(host, tap, network.tapIp());
        addHostRules();
    }

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
     * sockets, its tap and its forwarding switches (the devices made later inherit them).
     */
    private Place startInside(Netns netns, String name) {
        Place inner = tx.step("open netns sockets", "netns " + name,
                () -> new Place(Optional.of(name), netns, Place.Sockets.open()));
        try {
            tx.step("create tap", inner.qualify(network.tapName()), () -> Tap.create(network.tapName(), TapOptions.DEFAULT));
            List<Need> needs = Forwarding.netnsNeeds(layout);
            tx.step("enable forwarding", inner.qualify(String.join(", ", needs.stream().map(Need::sysctl).toList())),
                    () -> needs.forEach(Forwarding::enableHere));
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
        addHostRules();
        layout.hostRoute.ifPresent(r -> tx.step("add route", host.qualify(r.describe()), () -> {
            host.rtnl.addRoute(r.destination(), r.prefixLength(), r.gateway());
            tx.onRollback("delete route " + r.describe(),
                    () -> host.rtnl.deleteRoute(r.destination(), r.prefixLength(), r.gateway()));
        }));
    }

    // ---- steps

    /** A persistent tap in the host netns, deleted on rollback. */
    private Link createTap(Place place, String name) {
        return tx.step("create tap", place.qualify(name), () -> {
            place.inside(() -> {
                Tap.create(name, TapOptions.DEFAULT);
                return null;
            });
            tx.onRollback("delete link " + name, () -> place.rtnl.deleteLink(name));
            return lookup(place, name);
        });
    }

    /** Marks the link as the engine's, gives it its address and sets it up: one datagram. */
    private void configure(Place place, Link link, IpInet address) {
        tx.step("configure link", place.qualify(link.name()) + ": alias " + FcnetEngine.LINK_ALIAS + ", " + address + ", up",
                () -> place.rtnl.send(new RtnlBatch().setAlias(link, FcnetEngine.LINK_ALIAS)
                        .addAddress(link, address.address(), address.prefixLength()).setUp(link, true)));
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

    /** What a host plan found and decided. */
    private record HostPlan(HostRules.Changes changes, Map<RuleSpec, Long> present, List<Chain> createdChains,
            boolean createdTable) implements HostRules.Plan {}

    /**
     * The host's rules in one transaction, with the fcnet table and chains when the copy shows
     * them missing or of another shape (nft's add then keeps existing ones, or the kernel refuses
     * a chain of another shape in its own words). The Simple masquerade rule is added only when
     * the postrouting chain does not have it yet: the commit is conditional on the ruleset being
     * what the copy shows, so no other Add can have added it meanwhile. Undone: the rules added,
     * then the chains and table made here, if empty by then.
     */
    private void addHostRules() {
        tx.step("add rules", host.qualify(describe(layout.hostChains, layout.hostRules)), () -> {
            HostRules.Committed<HostPlan> done = hostRules.change(host.nft, layout.family, copy -> {
                HostRules.Changes changes = new HostRules.Changes();
                List<Chain> missing = layout.hostChains.stream().filter(c -> copy.chain(c.name()).isEmpty()).toList();
                boolean shaped = layout.hostChains.stream().allMatch(c -> copy.chain(c.name()).map(c::matches).orElse(true));
                if (!copy.tableExists() || !missing.isEmpty() || !shaped) {
                    changes.addTable(FcnetRules.table(layout.family));
                    layout.hostChains.forEach(changes::addChain);
                }
                Map<RuleSpec, Long> present = new HashMap<>();
                for (RuleSpec spec : layout.hostRules) {
                    OptionalLong found = layout.isSharedMasquerade(spec) ? copy.handle(spec.rule()) : OptionalLong.empty();
                    if (found.isPresent()) present.put(spec, found.getAsLong());
                    else changes.addRule(spec.rule());
                }
                return new HostPlan(changes, present, missing, !copy.tableExists());
            });
            HostPlan plan = done.plan();
            List<Rule> added = done.added();
            for (int i = 0, next = 0; i < layout.hostRules.size(); i++) {
                RuleSpec spec = layout.hostRules.get(i);
                Long present = plan.present().get(spec);
                rules.add(present != null ? handle(host, spec, present, false)
                        : handle(host, spec, added.get(next++).handle(), true));
            }
            tx.onRollback("delete rules " + added.stream().map(r -> Long.toUnsignedString(r.handle())).toList()
                    + (plan.createdChains().isEmpty() ? "" : " and the chains made"), () -> undoHostRules(plan, added));
        });
    }

    /**
     * Deletes the rules added, then the chains (and table) made, but only those still empty:
     * another network may have put rules in them meanwhile.
     */
    private void undoHostRules(HostPlan plan, List<Rule> added) {
        hostRules.change(host.nft, layout.family, copy -> {
            HostRules.Changes changes = new HostRules.Changes();
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
        return new RuleHandle(place.netnsName(), r.family().keyword(), r.table(), r.chain(), handle, spec.text(), added);
    }

    private void enableForwarding() {
        List<Need> off = new ArrayList<>();
        for (Need need : Forwarding.hostNeeds(layout)) {
            if (Forwarding.state(host, need, null).status() == Status.DIFFERENT) off.add(need);
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
