package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.Layout.HostRoute;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.FcnetRules;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One Delete: the network's host rules (found in the engine's copy of the host's fcnet tables and
 * deleted in one transaction), its host route, its tap or veth1 and its netns, which takes
 * everything inside with it. The link is retired to the {@link Graveyard} rather than destroyed
 * (its name and address are free and it is down when Delete returns; the kernel's slow device
 * destruction happens behind, batched); retiring veth1 frees both veth names at once, rather than
 * when the netns finally dies. The table and chains stay: other networks share them.
 */
final class DeleteOperation {
    /** Something of the network that Delete removes. */
    private record Part(String step, String description, Runnable remove, int missingErrno) {}

    /** What the rules section found and decided. */
    private record RulesPlan(HostRules.Changes changes, List<String> removing, List<String> missing)
            implements HostRules.Plan {}

    private final Layout layout;
    private final Place host;
    private final DeleteMode mode;
    private final ForeignObjects foreign;
    private final HostRules hostRules;
    private final Graveyard graveyard;
    private final List<Part> parts = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();

    DeleteOperation(Layout layout, Place host, DeleteMode mode, ForeignObjects foreign, HostRules hostRules,
            Graveyard graveyard) {
        this.layout = layout;
        this.host = host;
        this.mode = mode;
        this.foreign = foreign;
        this.hostRules = hostRules;
        this.graveyard = graveyard;
    }

    DeleteResult run() {
        survey();
        String id = layout.id();
        List<String> removed = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        // The rules go first, in one transaction; strict mode refuses, before anything is removed,
        // a network that is missing something (rules included, as the copy shows them).
        HostRules.Committed<RulesPlan> rules;
        try {
            rules = hostRules.change(host.nft, layout.family, this::planRules);
        } catch (NetlinkException e) {
            throw new FcnetException("Delete " + id + ": step \"delete rules\" (" + host.qualify(layout.family + " "
                    + FcnetRules.TABLE) + ") failed: " + e.getMessage(), "delete rules", host.qualify(layout.family + " "
                    + FcnetRules.TABLE), e);
        }
        removed.addAll(rules.plan().removing());
        absent.addAll(rules.plan().missing());
        absent.addAll(missing);
        FcnetException failure = null;
        for (Part part : parts) {
            try {
                part.remove().run();
                removed.add(part.description());
            } catch (NetlinkException | SysException e) {
                int errno = e instanceof NetlinkException n ? n.errno() : ((SysException) e).errno();
                if (errno == part.missingErrno()) {
                    // Gone since the survey (e.g. deleted concurrently): what Delete wanted anyway.
                    absent.add(part.description());
                    continue;
                }
                FcnetException f = new FcnetException("Delete " + id + ": step \"" + part.step() + "\" ("
                        + part.description() + ") failed: " + e.getMessage(), part.step(), part.description(), e);
                if (failure == null) failure = f;
                else failure.addSuppressed(f);
            }
        }
        if (failure != null) throw failure;
        return new DeleteResult(layout.network, removed, mode == DeleteMode.IDEMPOTENT ? absent : List.of());
    }

    /**
     * Deletes the rules of the network the copy shows; in strict mode refuses (throws, so nothing
     * is committed) when the network is missing anything.
     */
    private RulesPlan planRules(HostRules.Family copy) {
        HostRules.Changes changes = new HostRules.Changes();
        List<String> removing = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (RuleSpec spec : layout.hostRules) {
            OptionalLong handle = copy.handle(spec.rule());
            if (handle.isEmpty()) {
                gone.add(host.qualify("rule " + spec.describe()));
                continue;
            }
            changes.deleteRule(spec.rule().withHandle(handle.getAsLong()));
            removing.add(host.qualify("rule " + spec.describe() + " handle " + Long.toUnsignedString(handle.getAsLong())));
        }
        if (mode == DeleteMode.STRICT && !(gone.isEmpty() && missing.isEmpty())) {
            String id = layout.id();
            List<String> all = new ArrayList<>(gone);
            all.addAll(missing);
            String message = parts.isEmpty() && removing.isEmpty()
                    ? "Delete " + id + ": network " + id + " does not exist; nothing was deleted"
                    : "Delete " + id + ": network " + id + " is incomplete, missing " + String.join("; ", all)
                            + "; nothing was deleted (DeleteMode.IDEMPOTENT removes the rest)";
            throw new FcnetException(message, "check", id, null);
        }
        return new RulesPlan(changes, removing, gone);
    }

    /** Finds the network's links, route and netns: the parts to remove in order, and the missing ones. */
    private void survey() {
        if (layout.hostRoute.isPresent()) {
            HostRoute r = layout.hostRoute.get();
            boolean present = Lookups.route(host, r).filter(found -> found.gateway().equals(Optional.of(r.gateway())))
                    .isPresent();
            String description = host.qualify("route " + r.describe());
            if (present) {
                parts.add(new Part("delete route", description,
                        () -> host.rtnl.deleteRoute(r.destination(), r.prefixLength(), r.gateway()), Errno.ESRCH));
            } else {
                missing.add(description);
            }
        }
        if (layout.namespaced.isEmpty()) {
            link(layout.network.tapName(), "tun", layout.network.tapIp());
        } else {
            Namespaced ns = layout.namespaced.get();
            link(ns.veth1Name(), "veth", ns.veth1Ip());
            String description = "netns " + ns.netnsName();
            if (Netns.exists(ns.netnsName())) {
                if (foreign == ForeignObjects.REFUSE) requireOwnNetns(ns.netnsName());
                parts.add(new Part("delete netns", description, () -> Netns.delete(ns.netnsName()), Errno.ENOENT));
            } else {
                missing.add(description);
            }
        }
    }

    /**
     * The network's host link; refuses to delete a link of that name that is not of the expected
     * kind, or (under {@link ForeignObjects#REFUSE}) not marked as the engine's. Retires it by
     * index, so a rename after this look cannot redirect the delete.
     */
    private void link(String name, String kind, IpInet address) {
        String description = host.qualify("link " + name);
        Optional<Link> found = host.rtnl.link(name);
        if (found.isEmpty()) {
            missing.add(description);
            return;
        }
        Link link = found.get();
        if (!link.kind().equals(Optional.of(kind))) {
            throw refuse("check", description, "link " + name + " in the " + host.label() + " is a "
                    + link.kind().orElse("device without kind") + ", not a " + kind + " of this network");
        }
        if (foreign == ForeignObjects.REFUSE && !link.alias().equals(Optional.of(FcnetEngine.LINK_ALIAS))) {
            throw refuse("check ownership", description, "refusing to delete link " + name + " (" + host.label()
                    + "): it was not created by fcnet (no \"" + FcnetEngine.LINK_ALIAS + "\" alias)");
        }
        parts.add(new Part("delete link", description, () -> graveyard.retire(host.rtnl, link, address), Errno.ENODEV));
    }

    /** A netns the engine made has the mark on its loopback device. */
    private void requireOwnNetns(String name) {
        Optional<String> alias;
        try (Netns netns = Netns.open(name); Rtnl rtnl = netns.call(Rtnl::open)) {
            alias = rtnl.link("lo").flatMap(Link::alias);
        } catch (SysException e) {
            throw refuse("check ownership", "netns " + name, "refusing to delete netns " + name + ": " + e.getMessage());
        }
        if (!alias.equals(Optional.of(FcnetEngine.LINK_ALIAS))) {
            throw refuse("check ownership", "netns " + name, "refusing to delete netns " + name
                    + ": it was not created by fcnet (its lo has no \"" + FcnetEngine.LINK_ALIAS + "\" alias)");
        }
    }

    private FcnetException refuse(String step, String object, String why) {
        return new FcnetException("Delete " + layout.id() + ": " + why + "; nothing was deleted", step, object, null);
    }
}
