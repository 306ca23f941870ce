package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.Layout.HostRoute;
import dev.fcnet.engine.Layout.RuleSpec;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.FcnetRules;
import dev.fcnet.nft.NftBatch;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.Rule;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
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

    private final Layout layout;
    private final Place host;
    private final DeleteMode mode;
    private final ForeignObjects foreign;
    private final HostRules hostRules;
    private final Graveyard graveyard;
    private final List<Part> parts = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    /** Set by a bulk Delete's rules section: what it deleted of this network's rules, or why not. */
    private RulesPlan rules;
    private FcnetException refusal;

    DeleteOperation(Layout layout, Place host, DeleteMode mode, ForeignObjects foreign, HostRules hostRules,
            Graveyard graveyard) {
        this.layout = layout;
        this.host = host;
        this.mode = mode;
        this.foreign = foreign;
        this.hostRules = hostRules;
        this.graveyard = graveyard;
    }

    /** What the rules section found of one Delete: the rules it deletes and those that were missing. */
    private record RulesPlan(List<String> removing, List<String> missing) {}

    /** The rules of Deletes in one batch, and the Deletes that strict mode refused. */
    private record Batch(NftBatch changes, Map<DeleteOperation, RulesPlan> plans,
            Map<DeleteOperation, FcnetException> refused) implements HostRules.Plan {}

    /**
     * Deletes, in one batch, the rules the copy shows of every surveyed Delete of one family;
     * strict mode refuses (and leaves out of the batch) a Delete whose network is missing
     * anything. A rule two Deletes share (a Simple masquerade rule) is deleted by the first; the
     * second finds it missing, as if it ran after.
     */
    private static Batch plan(HostRules.Family copy, List<DeleteOperation> ops) {
        NftBatch changes = new NftBatch();
        Map<DeleteOperation, RulesPlan> plans = new HashMap<>();
        Map<DeleteOperation, FcnetException> refused = new HashMap<>();
        Set<Long> deleting = new HashSet<>();
        for (DeleteOperation op : ops) {
            List<Rule> rules = new ArrayList<>();
            List<String> removing = new ArrayList<>();
            List<String> gone = new ArrayList<>();
            for (RuleSpec spec : op.layout.hostRules) {
                OptionalLong handle = copy.handle(spec.rule());
                if (handle.isEmpty() || deleting.contains(handle.getAsLong())) {
                    gone.add(op.host.qualify("rule " + spec.describe()));
                    continue;
                }
                rules.add(spec.rule().withHandle(handle.getAsLong()));
                removing.add(op.host.qualify("rule " + spec.describe() + " handle " + Long.toUnsignedString(handle.getAsLong())));
            }
            if (op.mode == DeleteMode.STRICT && !(gone.isEmpty() && op.missing.isEmpty())) {
                refused.put(op, op.incomplete(gone, removing.isEmpty()));
                continue;
            }
            rules.forEach(r -> {
                changes.deleteRule(r);
                deleting.add(r.handle());
            });
            plans.put(op, new RulesPlan(removing, gone));
        }
        return new Batch(changes, plans, refused);
    }

    /** Strict mode's refusal of a network that is missing something. */
    private FcnetException incomplete(List<String> goneRules, boolean noRules) {
        String id = layout.id();
        List<String> all = new ArrayList<>(goneRules);
        all.addAll(missing);
        String message = parts.isEmpty() && noRules
                ? "Delete " + id + ": network " + id + " does not exist; nothing was deleted"
                : "Delete " + id + ": network " + id + " is incomplete, missing " + String.join("; ", all)
                        + "; nothing was deleted (an idempotent Delete removes the rest)";
        return new FcnetException(message, "check", id, null);
    }

    private FcnetException rulesFailed(RuntimeException e) {
        String object = host.qualify(layout.family + " " + FcnetRules.TABLE);
        return new FcnetException("Delete " + layout.id() + ": step \"delete rules\" (" + object + ") failed: " + e.getMessage(),
                "delete rules", object, e);
    }

    /**
     * The rules of many surveyed Deletes in few transactions, one per family and
     * {@link AddOperation#SHARED_COMMIT} networks (each commit costs the kernel time growing with
     * the rules in the table); a batch the kernel refuses is retried one Delete at a time. Each
     * Delete then {@link #finish}es, or throws why its rules could not be deleted (then nothing of
     * it was).
     */
    static void deleteHostRules(HostRules hostRules, Place host, List<DeleteOperation> ops) {
        Map<NftFamily, List<DeleteOperation>> byFamily = new EnumMap<>(NftFamily.class);
        for (DeleteOperation op : ops) byFamily.computeIfAbsent(op.layout.family, f -> new ArrayList<>()).add(op);
        for (Map.Entry<NftFamily, List<DeleteOperation>> family : byFamily.entrySet()) {
            List<DeleteOperation> all = family.getValue();
            for (int from = 0; from < all.size(); from += AddOperation.SHARED_COMMIT) {
                List<DeleteOperation> chunk = all.subList(from, Math.min(all.size(), from + AddOperation.SHARED_COMMIT));
                if (chunk.size() > 1) {
                    try {
                        Batch batch = hostRules.change(host.nft, family.getKey(), copy -> plan(copy, chunk)).plan();
                        batch.plans().forEach((op, rules) -> op.rules = rules);
                        batch.refused().forEach((op, e) -> op.refusal = e);
                        continue;
                    } catch (RuntimeException e) {
                        // Refused as a whole: one at a time, below.
                    }
                }
                for (DeleteOperation op : chunk) {
                    try {
                        Batch batch = hostRules.change(op.host.nft, family.getKey(), copy -> plan(copy, List.of(op))).plan();
                        op.rules = batch.plans().get(op);
                        op.refusal = batch.refused().get(op);
                    } catch (RuntimeException f) {
                        op.refusal = op.rulesFailed(f);
                    }
                }
            }
        }
    }

    /** Removes the route, link and netns after the rules ({@code rules}); every removal is tried. */
    private DeleteResult removeTheRest(RulesPlan rules) {
        String id = layout.id();
        List<String> removed = new ArrayList<>(rules.removing());
        List<String> absent = new ArrayList<>(rules.missing());
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
     * The last phase of a bulk Delete, after {@link #deleteHostRules}: removes the rest, or
     * throws why the rules could not be deleted.
     */
    DeleteResult finish() {
        if (refusal != null) throw refusal;
        return removeTheRest(rules);
    }

    /**
     * Finds the network's links, route and netns: the parts to remove in order, and the missing
     * ones. Throws, having changed nothing, for a link or netns it must not delete.
     */
    void survey() {
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
