package dev.fcnet.engine;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.FirecrackerNetworkType.Simple;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.ListedNetwork.Type;
import dev.fcnet.netns.Netns;
import dev.fcnet.nft.Cmp;
import dev.fcnet.nft.Expr;
import dev.fcnet.nft.FcnetTable;
import dev.fcnet.nft.Immediate;
import dev.fcnet.nft.Masq;
import dev.fcnet.nft.Meta;
import dev.fcnet.nft.Nat;
import dev.fcnet.nft.NftConstants;
import dev.fcnet.nft.NftConnection;
import dev.fcnet.nft.NftFamily;
import dev.fcnet.nft.NftSet;
import dev.fcnet.nft.Payload;
import dev.fcnet.nft.Rule;
import dev.fcnet.nft.SetElement;
import dev.fcnet.nft.SetKeyType;
import dev.fcnet.nft.Verdict;
import dev.fcnet.rtnl.Address;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Route;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.rtnl.RtnlConstants;
import dev.fcnet.sys.SysException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One listing: every network the engine made, found from the kernel's state alone. The marked
 * namespaces under /run/netns with what is inside them, the marked host links (taps of Simple
 * networks, veth1 of Namespaced ones) and the host's fcnet rules (or, for networks of the sets
 * ruleset, the set elements) that name them; from these the network's settings are read back
 * where they are all there, and a Check of it tells whether it is complete. Unlike the other operations it dumps whole link lists and chains: it is for
 * operators, after a crash or before a reboot, not for a VMM's hot path. Changes nothing.
 */
final class ListOperation {
    private static final Ruleset SETS = new SetsRuleset();
    private final OpenNetns host;
    private final Ruleset ruleset;
    private final HostTables hostTables;
    private final Caller caller;
    private final ForwardingPolicy forwarding;
    private final Map<Integer, Link> hostLinks = new HashMap<>();
    private final List<Fact> hostFacts;
    private final Set<Integer> claimed = new HashSet<>();

    ListOperation(OpenNetns host, Ruleset ruleset, HostTables hostTables, Caller caller, ForwardingPolicy forwarding) {
        this.host = host;
        this.ruleset = ruleset;
        this.hostTables = hostTables;
        this.caller = caller;
        this.forwarding = forwarding;
        for (Link l : host.rtnl.links()) hostLinks.put(l.index(), l);
        this.hostFacts = facts(host.nft, List.of(FcnetTable.POSTROUTING, FcnetTable.FILTER), true);
    }

    List<ListedNetwork> run() {
        List<ListedNetwork> found = new ArrayList<>();
        for (String name : netnsNames()) namespaced(name).ifPresent(found::add);
        for (Link link : hostLinks.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList()) {
            Optional<Mark> mark = Mark.parse(link.alias());
            // Links a Delete retired (fcg<ifindex>) are on their way out with the rest of their network.
            if (mark.isEmpty() || claimed.contains(link.index()) || link.name().equals("fcg" + link.index())) continue;
            if (link.kind().equals(Optional.of("tun"))) found.add(simple(link, mark.get()));
            if (link.kind().equals(Optional.of("veth"))) found.add(loneVeth(link, mark.get()));
        }
        return found.stream().filter(n -> caller.isRoot() || n.uid().equals(OptionalInt.of(caller.uid()))).toList();
    }

    // ---- Simple

    private ListedNetwork simple(Link tap, Mark mark) {
        List<NetworkObject> parts = new ArrayList<>();
        parts.add(new NetworkObject(Kind.LINK, Optional.empty(), tap.name()));
        Optional<IpInet> tapIp = address(host.rtnl, tap, parts, Optional.empty());
        Optional<Fact> accept = hostFacts.stream().filter(f -> f.accept && tap.name().equals(f.iif) && f.oif != null).findFirst();
        Optional<Fact> masq = accept.flatMap(a -> hostFacts.stream().filter(f -> f.masquerade && a.oif.equals(f.oif)
                && f.family == a.family && f.saddr != null && tapIp.isPresent() && tapIp.get().contains(f.saddr)
                && !tapIp.get().address().equals(f.saddr)).findFirst());
        masq.ifPresent(f -> parts.add(f.part(Optional.empty())));
        accept.ifPresent(f -> parts.add(f.part(Optional.empty())));
        Optional<FirecrackerNetwork> network = Optional.empty();
        if (tapIp.isPresent() && accept.isPresent() && masq.isPresent()) {
            network = build(() -> FirecrackerNetwork.builder().ipStack(stack(accept.get().family)).ifaceName(accept.get().oif)
                    .tapName(tap.name()).tapIp(tapIp.get()).guestIp(new IpInet(masq.get().saddr, tapIp.get().prefixLength()))
                    .networkType(new Simple()).build());
        }
        return listed(tap.name(), Type.SIMPLE, OptionalInt.of(mark.uid()), network, parts);
    }

    // ---- Namespaced

    /** A lone marked host veth: its netns is gone (deleted behind the engine's back). */
    private ListedNetwork loneVeth(Link veth1, Mark mark) {
        List<NetworkObject> parts = new ArrayList<>();
        parts.add(new NetworkObject(Kind.LINK, Optional.empty(), veth1.name()));
        address(host.rtnl, veth1, parts, Optional.empty());
        hostFacts.stream().filter(f -> f.accept && (veth1.name().equals(f.iif) || veth1.name().equals(f.oif)))
                .forEach(f -> parts.add(f.part(Optional.empty())));
        return listed("veth " + veth1.name(), Type.NAMESPACED, OptionalInt.of(mark.uid()), Optional.empty(), parts);
    }

    private Optional<ListedNetwork> namespaced(String name) {
        Optional<String> where = Optional.of(name);
        Netns netns;
        try {
            netns = Netns.open(name);
        } catch (SysException e) {
            // A mount point left without its namespace (a crash between creating the file and mounting it).
            return Optional.of(listed("netns " + name, Type.NAMESPACED, OptionalInt.empty(), Optional.empty(),
                    List.of(new NetworkObject(Kind.NETNS, where, name + " (" + e.getMessage() + ")"))));
        }
        try (netns; OpenNetns.Sockets inside = netns.call(OpenNetns.Sockets::open)) {
            List<Link> links = inside.rtnl().links();
            Optional<Mark> mark = links.stream().filter(l -> l.name().equals("lo")).findFirst()
                    .flatMap(lo -> Mark.parse(lo.alias()));
            if (mark.isEmpty()) return Optional.empty();
            List<NetworkObject> parts = new ArrayList<>();
            parts.add(new NetworkObject(Kind.NETNS, where, name));
            Optional<Link> tap = links.stream().filter(l -> l.kind().equals(Optional.of("tun"))).findFirst();
            Optional<Link> veth2 = links.stream().filter(l -> l.kind().equals(Optional.of("veth"))).findFirst();
            Optional<Link> veth1 = veth2.flatMap(v -> v.peer().stream().mapToObj(hostLinks::get).filter(l -> l != null
                    && l.kind().equals(Optional.of("veth")) && l.peer().equals(OptionalInt.of(v.index()))).findFirst());
            veth1.ifPresent(l -> claimed.add(l.index()));
            Optional<IpInet> veth1Ip = veth1.flatMap(l -> {
                parts.add(new NetworkObject(Kind.LINK, Optional.empty(), l.name()));
                return address(host.rtnl, l, parts, Optional.empty());
            });
            Optional<IpInet> veth2Ip = veth2.flatMap(l -> {
                parts.add(new NetworkObject(Kind.LINK, where, l.name()));
                return address(inside.rtnl(), l, parts, where);
            });
            Optional<IpInet> tapIp = tap.flatMap(l -> {
                parts.add(new NetworkObject(Kind.LINK, where, l.name()));
                return address(inside.rtnl(), l, parts, where);
            });
            for (IpFamily family : IpFamily.values()) {
                for (Route r : inside.rtnl().routes(family)) {
                    if (r.prefixLength() == 0 && r.gateway().isPresent()) {
                        parts.add(new NetworkObject(Kind.ROUTE, where, "default via " + IpInet.formatAddress(r.gateway().get())));
                    }
                }
            }
            List<Fact> inner = facts(inside.nft(), List.of(FcnetTable.POSTROUTING, FcnetTable.PREROUTING), false);
            String v2 = veth2.map(Link::name).orElse(null);
            Optional<Fact> snat = inner.stream().filter(f -> f.natType == NftConstants.NFT_NAT_SNAT && v2 != null
                    && v2.equals(f.oif) && f.saddr != null && veth2Ip.isPresent() && veth2Ip.get().address().equals(f.natTo))
                    .findFirst();
            Optional<Fact> dnat = inner.stream().filter(f -> f.natType == NftConstants.NFT_NAT_DNAT && v2 != null
                    && v2.equals(f.iif) && snat.isPresent() && snat.get().saddr.equals(f.natTo)).findFirst();
            snat.ifPresent(f -> parts.add(f.part(where)));
            dnat.ifPresent(f -> parts.add(f.part(where)));
            String v1 = veth1.map(Link::name).orElse(null);
            Optional<Fact> in = hostFacts.stream().filter(f -> f.accept && v1 != null && v1.equals(f.oif) && f.iif != null)
                    .findFirst();
            hostFacts.stream().filter(f -> f.accept && v1 != null && (v1.equals(f.oif) || v1.equals(f.iif)))
                    .forEach(f -> parts.add(f.part(Optional.empty())));
            hostFacts.stream().filter(f -> f.masquerade && veth2Ip.isPresent() && veth2Ip.get().address().equals(f.saddr))
                    .forEach(f -> parts.add(f.part(Optional.empty())));
            Optional<FirecrackerNetwork> network = Optional.empty();
            if (tap.isPresent() && tapIp.isPresent() && veth1Ip.isPresent() && veth2Ip.isPresent() && snat.isPresent()
                    && in.isPresent()) {
                Namespaced.Builder type = Namespaced.builder().netnsName(name).veth1Name(v1).veth2Name(v2)
                        .veth1Ip(veth1Ip.get()).veth2Ip(veth2Ip.get());
                dnat.ifPresent(f -> type.forwardedGuestIp(f.daddr));
                network = build(() -> FirecrackerNetwork.builder().ipStack(stack(snat.get().family))
                        .ifaceName(in.get().iif).tapName(tap.get().name()).tapIp(tapIp.get())
                        .guestIp(new IpInet(snat.get().saddr, tapIp.get().prefixLength())).networkType(type.build()).build());
            }
            return Optional.of(listed("netns " + name, Type.NAMESPACED, OptionalInt.of(mark.get().uid()), network, parts));
        } catch (SysException e) {
            return Optional.of(listed("netns " + name, Type.NAMESPACED, OptionalInt.empty(), Optional.empty(),
                    List.of(new NetworkObject(Kind.NETNS, where, name + " (" + e.getMessage() + ")"))));
        }
    }

    // ---- shared

    private ListedNetwork listed(String id, Type type, OptionalInt uid, Optional<FirecrackerNetwork> network, List<NetworkObject> parts) {
        // A network of elements is checked as the sets ruleset's, whichever this engine's is.
        Ruleset as = parts.stream().anyMatch(p -> p.kind() == Kind.ELEMENT) ? SETS : ruleset;
        boolean complete = network.isPresent()
                && new CheckOperation(new Layout(network.get()), host, as, hostTables, AddOptions.DEFAULT, forwarding).run().isClean();
        return new ListedNetwork(id, type, uid, network, complete, parts);
    }

    /** The link's global address (one per network link), added to the parts. */
    private static Optional<IpInet> address(Rtnl rtnl, Link link, List<NetworkObject> parts, Optional<String> netns) {
        for (Address a : rtnl.addresses(link)) {
            if (a.scope() != RtnlConstants.RT_SCOPE_UNIVERSE) continue;
            IpInet inet = new IpInet(a.address(), a.prefixLength());
            parts.add(new NetworkObject(Kind.ADDRESS, netns, inet + " on " + link.name()));
            return Optional.of(inet);
        }
        return Optional.empty();
    }

    private interface Builds {
        FirecrackerNetwork build();
    }

    /** The settings read back make a valid network, or (changed behind the engine's back) none. */
    private static Optional<FirecrackerNetwork> build(Builds builds) {
        try {
            return Optional.of(builds.build());
        } catch (IllegalArgumentException e) { // InvalidNetworkException among them
            return Optional.empty();
        }
    }

    private static FirecrackerIpStack stack(NftFamily family) {
        return switch (family) {
            case IP -> FirecrackerIpStack.V4;
            case IP6 -> FirecrackerIpStack.V6;
            default -> FirecrackerIpStack.Dual;
        };
    }

    private static List<String> netnsNames() {
        if (!Files.isDirectory(Netns.RUN_DIR)) return List.of();
        try (Stream<Path> files = Files.list(Netns.RUN_DIR)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + Netns.RUN_DIR, e);
        }
    }

    // ---- rules, read back

    /**
     * What one rule of an fcnet table says, in the shapes the engine writes: interface names
     * matched, addresses matched, and its action; or one element of the sets ruleset, which says
     * the same as the rule it stands for (DESIGN §3b).
     */
    private static final class Fact {
        final NftFamily family;
        final Kind kind;
        final String object;
        String iif;
        String oif;
        InetAddress saddr;
        InetAddress daddr;
        boolean accept;
        boolean masquerade;
        int natType = -1;
        InetAddress natTo;

        Fact(Rule rule) {
            this.family = rule.family();
            this.kind = Kind.RULE;
            this.object = family + " " + FcnetTable.TABLE + " " + rule.chain() + " handle " + Long.toUnsignedString(rule.handle());
            List<Expr> e = rule.exprs();
            for (int i = 0; i < e.size(); i++) {
                Expr x = e.get(i);
                Cmp next = i + 1 < e.size() && e.get(i + 1) instanceof Cmp c && c.op() == NftConstants.NFT_CMP_EQ ? c : null;
                switch (x) {
                    case Meta m when next != null && m.key() == NftConstants.NFT_META_IIFNAME -> iif = name(next.data().bytes());
                    case Meta m when next != null && m.key() == NftConstants.NFT_META_OIFNAME -> oif = name(next.data().bytes());
                    case Payload p when next != null && p.base() == NftConstants.NFT_PAYLOAD_NETWORK_HEADER -> {
                        boolean v4 = p.len() == 4;
                        boolean source = v4 ? p.offset() == 12 : p.offset() == 8;
                        if (source) saddr = address(next.data().bytes());
                        else daddr = address(next.data().bytes());
                    }
                    case Immediate im when im.data().bytes().length == 4 || im.data().bytes().length == 16 ->
                            natTo = address(im.data().bytes());
                    case Nat n -> natType = n.type();
                    case Masq m -> masquerade = true;
                    case Verdict v when v.code() == NftConstants.NF_ACCEPT -> accept = true;
                    default -> {}
                }
            }
        }

        /** An element of masq_v4, masq_v6 (an address and oifname, masqueraded) or fwd_pairs (iifname, oifname, accepted). */
        Fact(NftSet set, List<Object> key) {
            this.family = set.family();
            this.kind = Kind.ELEMENT;
            boolean masq = !set.name().equals(SetsRuleset.FWD_PAIRS);
            this.object = family + " " + FcnetTable.TABLE + " " + set.name() + " { " + (masq
                    ? IpInet.formatAddress((InetAddress) key.get(0)) : "\"" + key.get(0) + "\"") + " . \"" + key.get(1) + "\" }";
            if (masq) {
                masquerade = true;
                saddr = (InetAddress) key.get(0);
            } else {
                accept = true;
                iif = (String) key.get(0);
            }
            oif = (String) key.get(1);
        }

        NetworkObject part(Optional<String> netns) {
            return new NetworkObject(kind, netns, object);
        }

        private static String name(byte[] padded) {
            int end = 0;
            while (end < padded.length && padded[end] != 0) end++;
            return new String(padded, 0, end, StandardCharsets.UTF_8);
        }

        private static InetAddress address(byte[] raw) {
            try {
                return InetAddress.getByAddress(raw);
            } catch (UnknownHostException e) {
                return null;
            }
        }
    }

    /**
     * The rules of {@code chains} of every family's fcnet table in a netns and, {@code withSets},
     * the elements of the sets ruleset's sets.
     */
    private static List<Fact> facts(NftConnection nft, List<String> chains, boolean withSets) {
        List<Fact> facts = new ArrayList<>();
        for (NftFamily family : List.of(NftFamily.IP, NftFamily.IP6, NftFamily.INET)) {
            if (nft.tables(family).stream().noneMatch(t -> t.name().equals(FcnetTable.TABLE))) continue;
            Set<String> present = new HashSet<>();
            nft.chains(family).forEach(c -> {
                if (c.table().equals(FcnetTable.TABLE)) present.add(c.name());
            });
            for (String chain : chains) {
                if (present.contains(chain)) nft.rules(family, FcnetTable.TABLE, chain).forEach(r -> facts.add(new Fact(r)));
            }
            if (!withSets) continue;
            for (SetsRuleset.FixedSet fixed : SetsRuleset.fixedSets(family)) {
                Optional<NftSet> set = nft.set(family, FcnetTable.TABLE, fixed.set().name()).filter(fixed.set()::matches);
                if (set.isEmpty()) continue;
                List<SetKeyType> types = set.get().keyTypes().orElseThrow();
                for (SetElement e : nft.elements(set.get())) facts.add(new Fact(set.get(), e.parts(types)));
            }
        }
        return facts;
    }
}
