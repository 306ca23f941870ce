package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.netns.Netns;
import dev.fcnet.rtnl.IpJson;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The links Delete retires are destroyed behind it: by the time the engine is closed, and, when a
 * process died before destroying them, by the next engine's first Add or Delete (never by a
 * Check), which takes only links that carry the engine's mark.
 */
@KernelTest
class EngineGraveyardTest {
    /** The group every engine used before each got its own: someone else's links may be in it. */
    private static final String OLD_GROUP = "1717792359";

    private static List<String> links(ScratchNetns host) {
        return IpJson.objects(host.ipJson("link", "show")).stream().map(l -> IpJson.string(l, "ifname")).toList();
    }

    private static String ipLinks(ScratchNetns host) {
        return Tools.run("ip", "-n", host.name(), "-o", "-d", "link", "show");
    }

    /**
     * What a process that died right after retiring it leaves: a veth pair, one end renamed
     * {@code fcg<ifindex>}, down, marked, in a group; returns that name.
     */
    private static String leaveRetiredLink(ScratchNetns host, String name, String alias, String group) {
        String n = host.name();
        Tools.run("ip", "-n", n, "link", "add", name, "type", "veth", "peer", "name", name + "p");
        String retired = "fcg" + (int) IpJson.number(EngineFixture.ipLink(n, name).orElseThrow(), "ifindex");
        Tools.run("ip", "-n", n, "link", "set", name, "name", retired, "group", group);
        if (alias != null) Tools.run("ip", "-n", n, "link", "set", retired, "alias", alias);
        return retired;
    }

    @Test
    void checkDestroysNothingAndAddOrDeleteOnlyMarkedLeftovers(ScratchNetns host) {
        EngineFixture.readyHost(host);
        String n = host.name();
        // Someone else's links in the group all engines once used, one even named like a retired link.
        Tools.run("ip", "-n", n, "link", "add", "theirs", "type", "veth", "peer", "name", "theirsp");
        Tools.run("ip", "-n", n, "link", "set", "theirs", "group", OLD_GROUP);
        String unmarked = leaveRetiredLink(host, "um", null, OLD_GROUP);
        String marked = leaveRetiredLink(host, "mk", "fcnet", OLD_GROUP);
        String markedForUser = leaveRetiredLink(host, "mu", "fcnet uid=1000", "4242");
        List<String> foreign = List.of("theirs", "theirsp", unmarked, "ump");

        String before = ipLinks(host);
        FirecrackerNetwork net = EngineFixture.simple(Stack.V4, "tap1", 1);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            assertTrue(engine.check(net).problems().size() > 0);
            engine.awaitDestruction();
            assertEquals(before, ipLinks(host), "a Check changes nothing");
        }
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(net);
            engine.awaitDestruction();
            List<String> after = links(host);
            for (String gone : List.of(marked, markedForUser, "mkp", "mup")) assertTrue(!after.contains(gone), gone + ": " + after);
            assertTrue(after.containsAll(foreign), after::toString);

            engine.delete(net);
            engine.awaitDestruction();
            assertEquals(List.of("lo", "eth0p", "eth0", "theirsp", "theirs", "ump", unmarked).stream().sorted().toList(),
                    links(host).stream().sorted().toList());

            // Left while this engine runs (by another process): an idempotent Delete sweeps each time.
            String late = leaveRetiredLink(host, "lt", "fcnet", "77");
            assertEquals(List.of(), engine.delete(net, DeleteMode.IDEMPOTENT).removed());
            engine.awaitDestruction();
            assertTrue(!links(host).contains(late), links(host)::toString);
            assertTrue(links(host).containsAll(foreign), links(host)::toString);
        }
    }

    @Test
    void closeWaitsForTheDestructionOfWhatDeletesRetired(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FcnetEngine engine = EngineFixture.engine(host);
        try {
            List<FirecrackerNetwork> networks = List.of(EngineFixture.simple(Stack.V4, "tap1", 1),
                    EngineFixture.namespaced(Stack.V4, host.name() + "-fc", 2, true));
            engine.addAll(networks).forEach(Outcome::orThrow);
            engine.holdDestruction(true);
            engine.deleteAll(networks, DeleteMode.STRICT).forEach(Outcome::orThrow);
            List<String> retired = links(host);
            assertTrue(retired.stream().anyMatch(l -> l.startsWith("fcg")), retired::toString);
        } finally {
            engine.close(); // held or not: close destroys what is retired
        }
        assertEquals(List.of("lo", "eth0p", "eth0"), links(host));
    }

    /** The sweep's one link dump, with 2,000 links present: what the first Add or Delete of an engine pays for it. */
    @Test
    void theSweepsLinkDumpCostsLittle(ScratchNetns host) {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 1000; i++) batch.append("link add l").append(i).append(" type veth peer name p").append(i).append('\n');
        Tools.Result r = Tools.exec(batch.toString(), "ip", "-n", host.name(), "-batch", "-");
        assertEquals(0, r.exit(), r.err());
        String marked = leaveRetiredLink(host, "mk", "fcnet", OLD_GROUP);
        try (Netns netns = Netns.open(host.path()); Rtnl rtnl = netns.call(Rtnl::open)) {
            long[] micros = new long[7];
            List<Link> links = new ArrayList<>();
            for (int i = 0; i < micros.length; i++) {
                long t0 = System.nanoTime();
                links = rtnl.links();
                micros[i] = (System.nanoTime() - t0) / 1000;
            }
            int count = links.size();
            assertTrue(count >= 2002, () -> "links: " + count);
            Arrays.sort(micros);
            System.out.println("graveyard sweep: one dump of " + links.size() + " links takes " + micros[micros.length / 2]
                    + " us (median of " + micros.length + ")");
            assertTrue(micros[micros.length / 2] < 500_000, Arrays.toString(micros));
        }
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.delete(EngineFixture.simple(Stack.V4, "tap1", 1), DeleteMode.IDEMPOTENT);
            engine.awaitDestruction();
            assertTrue(EngineFixture.ipLink(host.name(), marked).isEmpty(), marked);
            assertTrue(EngineFixture.ipLink(host.name(), "l999").isPresent());
        }
    }
}
