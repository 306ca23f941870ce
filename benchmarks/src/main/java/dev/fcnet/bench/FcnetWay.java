package dev.fcnet.bench;

import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import dev.fcnet.netns.Netns;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.tun.Tap;
import dev.fcnet.tun.TapOptions;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The fcnet baseline: what Rust fcnet (fcnet-embedded, kanpov/fcnet) does. Links, addresses and
 * routes over netlink (here the library's rtnl/tun/netns layers, a fresh rtnetlink socket per
 * operation as fcnet opens a connection per run); every ruleset read is an {@code nft -j list
 * ruleset} process whose whole JSON is parsed and scanned, every change an {@code nft -j -f -}
 * process fed the JSON commands fcnet's nftables crate writes. Namespaced steps inside the netns
 * run on a thread that entered it, as fcnet's do, and so do the nft processes started for it.
 */
final class FcnetWay {
    private FcnetWay() {}

    // ---- Simple (fcnet-embedded/src/simple.rs)

    static void addSimple(HostNetns h, SimpleNet n) {
        Tap.create(n.tap(), TapOptions.DEFAULT, h.netns); // tokio-tun: persistent tap, brought up
        try (Rtnl rtnl = h.netns.call(Rtnl::open)) {
            Link tap = rtnl.link(n.tap()).orElseThrow(() -> new IllegalStateException("no link " + n.tap()));
            rtnl.setUp(tap, true);
            rtnl.addAddress(tap, n.tapIp(), SimpleNet.PREFIX);
        }
        Ruleset ruleset = Ruleset.list(h.tools);
        String masquerade = masqueradeExpr(n.guest());
        List<String> batch = new ArrayList<>();
        addBaseChainsIfNeeded(ruleset, batch);
        batch.add(add("rule", rule("filter", forwardExpr(n.tap(), SimpleNet.IFACE))));
        if (!ruleset.hasRule("postrouting", masquerade)) batch.add(add("rule", rule("postrouting", masquerade)));
        apply(h.tools, batch);
    }

    /** fcnet deletes the tap synchronously, then both rules by the handles found in the whole ruleset. */
    static void deleteSimple(HostNetns h, SimpleNet n) {
        try (Rtnl rtnl = h.netns.call(Rtnl::open)) {
            Link tap = rtnl.link(n.tap()).orElseThrow(() -> new IllegalStateException("no link " + n.tap()));
            rtnl.deleteLink(tap);
        }
        Ruleset ruleset = Ruleset.list(h.tools);
        String forward = forwardExpr(n.tap(), SimpleNet.IFACE);
        String masquerade = masqueradeExpr(n.guest());
        apply(h.tools, List.of(delete(ruleset, "filter", forward), delete(ruleset, "postrouting", masquerade)));
    }

    static void checkSimple(HostNetns h, SimpleNet n) {
        try (Rtnl rtnl = h.netns.call(Rtnl::open)) {
            rtnl.link(n.tap()).orElseThrow(() -> new IllegalStateException("no link " + n.tap()));
        }
        Ruleset ruleset = Ruleset.list(h.tools);
        ruleset.requireBaseChains();
        ruleset.requireRule("postrouting", masqueradeExpr(n.guest()));
        ruleset.requireRule("filter", forwardExpr(n.tap(), SimpleNet.IFACE));
    }

    // ---- Namespaced (fcnet-embedded/src/namespaced, fcnet-use-integrated/src/namespaced/add.rs)

    static void addNamespaced(HostNetns h, NamespacedNet n) {
        try (Netns ns = Netns.create(n.netns()); Rtnl rtnl = h.netns.call(Rtnl::open)) {
            rtnl.createVeth(n.veth1(), NamespacedNet.VETH2);
            Link veth1 = rtnl.link(n.veth1()).orElseThrow();
            rtnl.addAddress(veth1, n.veth1Ip(), NamespacedNet.PREFIX);
            rtnl.setUp(veth1, true);
            rtnl.moveToNetns(rtnl.link(NamespacedNet.VETH2).orElseThrow(), ns.fd());
            Tap.create(NamespacedNet.TAP, TapOptions.DEFAULT, ns);
            ns.call(() -> {
                try (Rtnl inner = Rtnl.open()) {
                    Link veth2 = inner.link(NamespacedNet.VETH2).orElseThrow();
                    inner.addAddress(veth2, n.veth2Ip(), NamespacedNet.PREFIX);
                    inner.setUp(veth2, true);
                    inner.addRoute(InetAddress.ofLiteral("0.0.0.0"), 0, n.veth1Ip());
                    Link tap = inner.link(NamespacedNet.TAP).orElseThrow();
                    inner.setUp(tap, true); // tokio-tun brings the tap up when it makes it
                    inner.addAddress(tap, NamespacedNet.TAP_IP.address(), NamespacedNet.TAP_IP.prefixLength());
                    inner.setUp(tap, true);
                }
                return null;
            });
            // Applied inside the netns without reading its ruleset first.
            apply(new Tools(ns), List.of(add("table", table()), add("chain", postroutingChain()),
                    add("rule", rule("postrouting", snatExpr(n)))));
        }
        Ruleset ruleset = Ruleset.list(h.tools);
        List<String> batch = new ArrayList<>();
        addBaseChainsIfNeeded(ruleset, batch);
        batch.add(add("rule", rule("postrouting", masqueradeExpr(n.veth2Ip().getHostAddress()))));
        batch.add(add("rule", rule("filter", forwardExpr(SimpleNet.IFACE, n.veth1()))));
        batch.add(add("rule", rule("filter", egressExpr(n.veth1()))));
        apply(h.tools, batch);
    }

    /** The netns goes (its links with it, asynchronously); then the three host rules by handle. */
    static void deleteNamespaced(HostNetns h, NamespacedNet n) {
        Netns.delete(n.netns());
        Ruleset ruleset = Ruleset.list(h.tools);
        apply(h.tools, List.of(delete(ruleset, "postrouting", masqueradeExpr(n.veth2Ip().getHostAddress())),
                delete(ruleset, "filter", forwardExpr(SimpleNet.IFACE, n.veth1())),
                delete(ruleset, "filter", egressExpr(n.veth1()))));
    }

    static void checkNamespaced(HostNetns h, NamespacedNet n) {
        Ruleset host = Ruleset.list(h.tools);
        host.requireBaseChains();
        host.requireRule("postrouting", masqueradeExpr(n.veth2Ip().getHostAddress()));
        host.requireRule("filter", forwardExpr(SimpleNet.IFACE, n.veth1()));
        host.requireRule("filter", egressExpr(n.veth1()));
        try (Netns ns = Netns.open(n.netns())) {
            Ruleset inner = Ruleset.list(new Tools(ns));
            inner.requireChain("postrouting");
            inner.requireRule("postrouting", snatExpr(n));
        }
    }

    // ---- the JSON fcnet's nftables crate writes and reads

    private static void addBaseChainsIfNeeded(Ruleset ruleset, List<String> batch) {
        if (!ruleset.hasTable()) batch.add(add("table", table()));
        if (!ruleset.hasChain("postrouting")) batch.add(add("chain", postroutingChain()));
        if (!ruleset.hasChain("filter")) {
            batch.add(add("chain", "{\"family\":\"ip\",\"table\":\"fcnet\",\"name\":\"filter\",\"type\":\"filter\","
                    + "\"hook\":\"forward\",\"prio\":0,\"policy\":\"accept\"}"));
        }
    }

    private static String table() {
        return "{\"family\":\"ip\",\"name\":\"fcnet\"}";
    }

    private static String postroutingChain() {
        return "{\"family\":\"ip\",\"table\":\"fcnet\",\"name\":\"postrouting\",\"type\":\"nat\",\"hook\":\"postrouting\","
                + "\"prio\":100,\"policy\":\"accept\"}";
    }

    private static String rule(String chain, String expr) {
        return "{\"family\":\"ip\",\"table\":\"fcnet\",\"chain\":" + Json.quote(chain) + ",\"expr\":" + expr + "}";
    }

    private static String add(String kind, String object) {
        return "{\"add\":{\"" + kind + "\":" + object + "}}";
    }

    /** The crate deletes a rule by sending it whole, handle included. */
    private static String delete(Ruleset ruleset, String chain, String expr) {
        long handle = ruleset.handle(chain, expr);
        return "{\"delete\":{\"rule\":{\"family\":\"ip\",\"table\":\"fcnet\",\"chain\":" + Json.quote(chain)
                + ",\"expr\":" + expr + ",\"handle\":" + handle + "}}}";
    }

    private static String match(String left, String right) {
        return "{\"match\":{\"left\":" + left + ",\"right\":" + Json.quote(right) + ",\"op\":\"==\"}}";
    }

    private static String meta(String key) {
        return "{\"meta\":{\"key\":\"" + key + "\"}}";
    }

    private static String payload(String field) {
        return "{\"payload\":{\"protocol\":\"ip\",\"field\":\"" + field + "\"}}";
    }

    private static String masqueradeExpr(String saddr) {
        return "[" + match(payload("saddr"), saddr) + "," + match(meta("oifname"), SimpleNet.IFACE)
                + ",{\"masquerade\":null}]";
    }

    private static String forwardExpr(String iifname, String oifname) {
        return "[" + match(meta("iifname"), iifname) + "," + match(meta("oifname"), oifname) + ",{\"accept\":null}]";
    }

    private static String egressExpr(String veth1) {
        return "[" + match(meta("oifname"), SimpleNet.IFACE) + "," + match(meta("iifname"), veth1)
                + ",{\"accept\":null}]";
    }

    private static String snatExpr(NamespacedNet n) {
        return "[" + match(meta("oifname"), NamespacedNet.VETH2) + ","
                + match(payload("saddr"), NamespacedNet.GUEST_IP.address().getHostAddress()) + ","
                + "{\"snat\":{\"addr\":" + Json.quote(n.veth2Ip().getHostAddress()) + "}}]";
    }

    /** {@code nft -j -f -}: one transaction. */
    private static void apply(Tools tools, List<String> commands) {
        tools.feed("{\"nftables\":[" + String.join(",", commands) + "]}", "nft", "-j", "-f", "-");
    }

    /** The whole ruleset as {@code nft -j list ruleset} prints it, parsed. */
    private record Ruleset(List<JsonObject> tables, List<JsonObject> chains, List<JsonObject> rules) {
        static Ruleset list(Tools tools) {
            JsonValue root = Json.parse(tools.run("nft", "-j", "list", "ruleset"));
            List<JsonObject> tables = new ArrayList<>();
            List<JsonObject> chains = new ArrayList<>();
            List<JsonObject> rules = new ArrayList<>();
            for (JsonValue item : ((JsonArray) ((JsonObject) root).get("nftables")).elements()) {
                JsonObject o = (JsonObject) item;
                if (o.get("table") instanceof JsonObject t) tables.add(t);
                else if (o.get("chain") instanceof JsonObject c) chains.add(c);
                else if (o.get("rule") instanceof JsonObject r) rules.add(r);
            }
            return new Ruleset(tables, chains, rules);
        }

        boolean hasTable() {
            for (JsonObject t : tables) if (is(t, "name", "fcnet") && is(t, "family", "ip")) return true;
            return false;
        }

        boolean hasChain(String name) {
            for (JsonObject c : chains) if (is(c, "table", "fcnet") && is(c, "name", name)) return true;
            return false;
        }

        JsonObject find(String chain, String expr) {
            JsonValue wanted = Json.parse(expr);
            for (JsonObject r : rules) {
                if (is(r, "table", "fcnet") && is(r, "chain", chain) && wanted.equals(r.get("expr"))) return r;
            }
            return null;
        }

        boolean hasRule(String chain, String expr) {
            return find(chain, expr) != null;
        }

        long handle(String chain, String expr) {
            JsonObject r = find(chain, expr);
            if (r == null) throw new IllegalStateException("rule not found in chain " + chain + ": " + expr);
            return Long.parseLong(((JsonValue.JsonNumber) r.get("handle")).text());
        }

        void requireBaseChains() {
            if (!hasTable()) throw new IllegalStateException("table ip fcnet not found");
            requireChain("postrouting");
            requireChain("filter");
        }

        void requireChain(String name) {
            if (!hasChain(name)) throw new IllegalStateException("chain " + name + " not found");
        }

        void requireRule(String chain, String expr) {
            if (!hasRule(chain, expr)) throw new IllegalStateException("rule not found in chain " + chain + ": " + expr);
        }

        private static boolean is(JsonObject o, String member, String value) {
            return o.get(member) instanceof JsonString s && s.value().equals(value);
        }
    }
}
