package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.engine.Layout.HostRoute;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.Link;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Delete: the network's host rules (by handle, found in one dump per chain), its host route,
 * its tap or veth1 (deleting veth1 frees both veth names at once, rather than when the netns
 * finally dies) and its netns, which takes everything inside with it. The table and chains stay:
 * other networks share them.
 */
final class DeleteOperation {
    /** Something of the network that Delete removes. */
    private record Part(String step, String description, Runnable remove, int missingErrno) {}

    private final Layout layout;
    private final Place host;
    private final DeleteMode mode;
    private final List<Part> parts = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();

    DeleteOperation(Layout layout, Place host, DeleteMode mode) {
        this.layout = layout;
        this.host = host;
        this.mode = mode;
    }

    DeleteResult run() {
        survey();
        String id = layout.id();
        if (mode == DeleteMode.STRICT && !missing.isEmpty()) {
            String message = parts.isEmpty()
                    ? "Delete " + id + ": network " + id + " does not exist; nothing was deleted"
                    : "Delete " + id + ": network " + id + " is incomplete, missing " + String.join("; ", missing)
                            + "; nothing was deleted (DeleteMode.IDEMPOTENT removes the rest)";
            throw new FcnetException(message, "check", id, null);
        }
        List<String> removed = new ArrayList<>();
        List<String> absent = new ArrayList<>(missing);
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

    /** Finds what exists; the parts to remove in order, and the missing ones. */
    private void survey() {
        Map<String, List<Rule>> dumps = Lookups.chainRules(host, layout.family, layout.hostRules);
        for (RuleSpec spec : layout.hostRules) {
            Optional<Rule> rule = Lookups.find(dumps.get(spec.chain()), spec);
            if (rule.isEmpty()) {
                missing.add(host.qualify("rule " + spec.describe()));
                continue;
            }
            Rule r = rule.get();
            parts.add(new Part("delete rule", host.qualify("rule " + spec.describe() + " handle "
                    + Long.toUnsignedString(r.handle())), () -> host.nft.commit(new NftBatch().deleteRule(r)),
                    Errno.ENOENT));
        }
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
            link(layout.network.tapName(), "tun");
        } else {
            Namespaced ns = layout.namespaced.get();
            link(ns.veth1Name(), "veth");
            String description = "netns " + ns.netnsName();
            if (Netns.exists(ns.netnsName())) {
                parts.add(new Part("delete netns", description, () -> Netns.delete(ns.netnsName()), Errno.ENOENT));
            } else {
                missing.add(description);
            }
        }
    }

    /** The network's host link; refuses to delete a link of that name that is not of the expected kind. */
    private void link(String name, String kind) {
        String description = host.qualify("link " + name);
        Optional<Link> link = host.rtnl.link(name);
        if (link.isEmpty()) {
            missing.add(description);
            return;
        }
        if (!link.get().kind().equals(Optional.of(kind))) {
            throw new FcnetException("Delete " + layout.id() + ": link " + name + " in the " + host.label() + " is a "
                    + link.get().kind().orElse("device without kind") + ", not a " + kind
                    + " of this network; nothing was deleted", "check", description, null);
        }
        parts.add(new Part("delete link", description, () -> host.rtnl.deleteLink(name), Errno.ENODEV));
    }
}
