package dev.fcnet.engine;

import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.FcnetException.Step;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.engine.Layout.HostRoute;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.sys.Errno;
import dev.fcnet.sys.SysException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One Delete: the network's host part (removed by the {@link HostCommitter} with those of other
 * Deletes, as the engine's {@link Ruleset} says), its host route, its tap or veth1
 * and its netns, which takes everything inside with it. The link is retired to the
 * {@link Graveyard} rather than destroyed (its name and address are free and it is down when
 * Delete returns; the kernel's slow device destruction happens behind, batched); retiring veth1
 * frees both veth names at once, rather than when the netns finally dies. The table and chains
 * stay: other networks share them.
 *
 * <p>A network that is partly there (a crash, a netns deleted behind the engine's back) is removed
 * as far as it is there, and a strict Delete then fails naming what was missing. Before anything
 * is changed, a link or netns that the caller may not delete (another user's, or one without the
 * engine's mark when foreign objects are not allowed) refuses the whole Delete.
 */
final class DeleteOperation {
    /** Something of the network that Delete removes. */
    private record Part(Step step, NetworkObject description, Runnable remove, int missingErrno) {}

    private final Layout layout;
    private final Caller caller;
    private final OpenNetns host;
    private final DeleteMode mode;
    /** Whether links and a netns without the engine's mark may be removed: only for root, when the engine allows it. */
    private final boolean foreignAllowed;
    private final Graveyard graveyard;
    /** The engine's clone pool, to which a Namespaced network's netns and veth pair return while it has room. */
    private final ClonePool pool;
    private final List<Part> parts = new ArrayList<>();
    private final List<NetworkObject> missing = new ArrayList<>();
    /**
     * For a network whose tap or veth1 is gone: the link of that kind the host routes the
     * masqueraded address (guest, veth2) to instead, whose network that masquerade rule then is.
     */
    private Optional<String> masqueradeOwner = Optional.empty();
    /** What the committer removed of the network's host part ({@link #takeHostPart}). */
    private Ruleset.RemovedPart hostPart;

    DeleteOperation(Layout layout, Caller caller, OpenNetns host, DeleteMode mode, ForeignObjects foreign,
            Graveyard graveyard, ClonePool pool) {
        this.pool = pool;
        this.layout = layout;
        this.caller = caller;
        this.host = host;
        this.mode = mode;
        this.foreignAllowed = caller.isRoot() && foreign == ForeignObjects.ALLOW;
        this.graveyard = graveyard;
    }

    /** This Delete's host part, as the committer takes it. */
    Ruleset.DeletingPart hostPart() {
        return new Ruleset.DeletingPart(layout, masqueradeOwner);
    }

    /** This Delete's host part as the committer removed it, or throws why it could not (then nothing of it was). */
    void takeHostPart(HostCommitter.Result<Ruleset.RemovedPart> result) {
        switch (result) {
            case HostCommitter.Result.Done<Ruleset.RemovedPart>(Ruleset.RemovedPart part) -> hostPart = part;
            case HostCommitter.Result.Failed<Ruleset.RemovedPart>(RuntimeException e) -> {
                String object = host.qualify(layout.family + " " + FcnetTable.TABLE);
                throw new FcnetException("Delete " + layout.id() + ": step \"delete rules\" (" + object + ") failed: "
                        + e.getMessage(), Step.DELETE_RULES, object, e);
            }
        }
    }

    /**
     * The last phase of a Delete, after its host part was removed ({@link #takeHostPart}): removes
     * the route, link and netns (every removal is tried). A strict Delete
     * of a network that was not there at all, or only in part, fails: "does not exist" (nothing
     * was there to change) or "was incomplete", naming what was missing, after removing the rest.
     */
    DeleteResult finish() {
        String id = layout.id();
        if (mode == DeleteMode.STRICT && parts.isEmpty() && hostPart.removing().isEmpty()) {
            throw new FcnetException(FcnetException.Kind.NOT_FOUND, "Delete " + id + ": network " + id
                    + " does not exist; nothing was deleted", Step.CHECK, id, null);
        }
        List<NetworkObject> removed = new ArrayList<>(hostPart.removing());
        List<NetworkObject> absent = new ArrayList<>(hostPart.missing());
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
                        + part.description() + ") failed: " + e.getMessage(), part.step(), part.description().toString(), e);
                if (failure == null) failure = f;
                else failure.addSuppressed(f);
            }
        }
        if (failure != null) throw failure;
        if (mode == DeleteMode.STRICT && !absent.isEmpty()) {
            throw new FcnetException(FcnetException.Kind.INCOMPLETE, "Delete " + id + ": network " + id
                    + " was incomplete, missing " + String.join("; ", absent.stream().map(NetworkObject::toString).toList()) + "; what was there of it was deleted ("
                    + removed.size() + (removed.size() == 1 ? " object)" : " objects)"), Step.CHECK, id, null);
        }
        return new DeleteResult(layout.network, removed, mode == DeleteMode.IDEMPOTENT ? absent : List.of());
    }

    /**
     * Finds the network's links, route and netns: the parts to remove in order, and the missing
     * ones. Throws, having changed nothing, for a link or netns the caller must not delete.
     */
    void survey() {
        Optional<Link> own;
        if (layout.namespaced.isEmpty()) {
            String tap = layout.network.tapName();
            own = link(tap, "tun", layout.network.tapIp());
            if (own.isEmpty()) masqueradeOwner = NarrowLookups.linkRouting(host, layout.network.guestIp().address(), tap, "tun");
        } else {
            Namespaced ns = layout.namespaced.get();
            own = link(ns.veth1Name(), "veth", ns.veth1Ip());
            if (own.isEmpty()) masqueradeOwner = NarrowLookups.linkRouting(host, ns.veth2Ip().address(), ns.veth1Name(), "veth");
            netns(ns.netnsName());
            if (own.isPresent() && pool.recycles(layout)) recycleInstead(own.get());
        }
        if (layout.hostRoute.isPresent()) {
            HostRoute r = layout.hostRoute.get();
            // Through veth1 only: through another link, it is that network's route.
            boolean present = own.isPresent() && NarrowLookups.route(host, r).filter(found -> found.gateway()
                    .equals(Optional.of(r.gateway())) && found.outputIndex().equals(OptionalInt.of(own.get().index())))
                    .isPresent();
            NetworkObject description = hostObject(Kind.ROUTE, r.describe());
            if (present) {
                // Before the link, which takes routes through it along.
                parts.addFirst(new Part(Step.DELETE_ROUTE, description,
                        () -> host.rtnl.deleteRoute(r.destination(), r.prefixLength(), r.gateway()), Errno.ESRCH));
            } else {
                missing.addFirst(description);
            }
        }
    }

    /**
     * The network's host link, if there: refuses to delete a link of that name that is not of the
     * expected kind or that the caller may not delete. Retires it by index, so a rename after this
     * look cannot redirect the delete.
     *
     * @return the link, if there
     */
    private Optional<Link> link(String name, String kind, IpInet address) {
        NetworkObject description = hostObject(Kind.LINK, name);
        Optional<Link> found = host.rtnl.link(name);
        if (found.isEmpty()) {
            missing.add(description);
            return found;
        }
        Link link = found.get();
        if (!link.kind().equals(Optional.of(kind))) {
            throw refuse(description, "link " + name + " in the " + host.label() + " is a "
                    + link.kind().orElse("device without kind") + ", not a " + kind + " of this network");
        }
        Mark.denial(link.alias(), caller, foreignAllowed).ifPresent(why -> {
            throw refuse(description, "refusing to delete link " + name + " (" + host.label() + "): " + why);
        });
        parts.add(new Part(Step.DELETE_LINK, description, () -> graveyard.retire(host.rtnl, link, address), Errno.ENODEV));
        return found;
    }

    /**
     * The network's netns, if there. Its mark is on its loopback device, looked at only when the
     * caller may not delete any netns. An empty file where the netns should be (left by a process
     * that died between creating it and mounting the namespace on it) is no namespace: removed.
     */
    private void netns(String name) {
        NetworkObject description = new NetworkObject(Kind.NETNS, Optional.of(name), name);
        if (!Netns.exists(name)) {
            missing.add(description);
            return;
        }
        Part delete = new Part(Step.DELETE_NETNS, description, () -> Netns.delete(name), Errno.ENOENT);
        if (foreignAllowed) {
            parts.add(delete);
            return;
        }
        Optional<String> alias;
        try (Netns netns = Netns.open(name); Rtnl rtnl = netns.call(Rtnl::open)) {
            alias = rtnl.link("lo").flatMap(Link::alias);
        } catch (SysException e) {
            if (e.errno() == Errno.ENOENT) {
                missing.add(description);
            } else if (e.errno() == Errno.EINVAL) {
                parts.add(new Part(Step.DELETE_NETNS, new NetworkObject(Kind.NETNS, Optional.of(name), name + " (an empty file, no namespace)"), () -> Netns.delete(name),
                        Errno.ENOENT));
            } else {
                throw refuse(description, "refusing to delete netns " + name + ": " + e.getMessage());
            }
            return;
        }
        Mark.denial(alias, caller, false).ifPresent(why -> {
            throw refuse(description, "refusing to delete netns " + name + " (marked on its lo): " + why);
        });
        parts.add(delete);
    }

    /**
     * Clone pool (DESIGN §4b): veth1's removal offers the veth pair and netns to the pool first,
     * and the netns' removal is then done already; when the pool does not take them (full, or
     * the netns not as Add makes it), both are removed as usual.
     */
    private void recycleInstead(Link veth1) {
        int link = -1;
        int netns = -1;
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            if (p.step() == Step.DELETE_LINK) link = i;
            if (p.step() == Step.DELETE_NETNS && p.description().object().equals(layout.namespaced.get().netnsName())) netns = i;
        }
        if (link < 0 || netns < 0) return;
        Part retire = parts.get(link);
        Part delete = parts.get(netns);
        boolean[] recycled = {false};
        parts.set(link, new Part(retire.step(), retire.description(), () -> {
            recycled[0] = pool.recycle(host, layout, veth1);
            if (!recycled[0]) retire.remove().run();
        }, retire.missingErrno()));
        parts.set(netns, new Part(delete.step(), delete.description(), () -> {
            if (!recycled[0]) delete.remove().run();
        }, delete.missingErrno()));
    }

    private NetworkObject hostObject(Kind kind, String object) {
        return new NetworkObject(kind, host.netnsName(), object);
    }

    private FcnetException refuse(NetworkObject object, String why) {
        return new FcnetException(FcnetException.Kind.NOT_OURS, "Delete " + layout.id() + ": " + why + "; nothing was deleted",
                Step.CHECK_OWNERSHIP, object.toString(), null);
    }
}
