package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.client.FcnetdClient;
import dev.fcnet.client.FcnetdException;
import dev.fcnet.engine.EngineOptions;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many clients of one daemon at once, one engine behind it: their concurrent Adds and Deletes
 * (carried out in shared batches) each succeed or fail alone, and the kernel ends up with exactly
 * the networks that were answered OK.
 */
@KernelTest
@Timeout(120)
class DaemonConcurrencyTest {
    private static final int CLIENTS = 6;
    private static final int PER_CLIENT = 5;

    @TempDir
    Path dir;

    /** Clone {@code n} of a fleet: netns PREFIX-cN, veth vhN/vgN on its own /30, forwarded IP, same tap and guest IP. */
    private static FirecrackerNetwork clone(String prefix, int n, String veth1) {
        String base = "10.64." + (n * 4 >> 8) + ".";
        int low = n * 4 & 255;
        return FirecrackerNetwork.builder().ipStack(FirecrackerIpStack.V4).ifaceName("eth1").tapName("tap0")
                .tapIp(IpInet.parse("172.16.0.1/24")).guestIp(IpInet.parse("172.16.0.2/24"))
                .networkType(Namespaced.builder().netnsName(prefix + "-c" + n).veth1Name(veth1).veth2Name("vg" + n)
                        .veth1Ip(IpInet.parse(base + (low + 1) + "/30")).veth2Ip(IpInet.parse(base + (low + 2) + "/30"))
                        .forwardedGuestIp(IpInet.parseAddress("192.168.0." + n)).build())
                .build();
    }

    /** Each client runs {@code op} for its networks, all clients at once; the answers by network id. */
    private static Map<String, String> concurrently(Path socket, List<List<FirecrackerNetwork>> perClient,
            FirecrackerNetworkOperation op) throws Exception {
        Map<String, String> answers = new ConcurrentHashMap<>();
        CyclicBarrier start = new CyclicBarrier(perClient.size());
        List<Thread> threads = new ArrayList<>();
        for (List<FirecrackerNetwork> mine : perClient) {
            threads.add(Thread.ofPlatform().start(() -> {
                try (FcnetdClient c = FcnetdClient.connect(socket)) {
                    start.await();
                    for (FirecrackerNetwork n : mine) {
                        String id = FcnetdServer.networkId(n);
                        try {
                            c.run(n, op);
                            answers.put(id, "OK");
                        } catch (FcnetdException e) {
                            answers.put(id, e.reason());
                        }
                    }
                } catch (Exception e) {
                    answers.put("client failure", e.toString());
                }
            }));
        }
        for (Thread t : threads) t.join();
        return answers;
    }

    @Test
    void concurrentClientsShareOneEngine(ScratchNetns host) throws Exception {
        host.hostLike();
        String prefix = host.name();
        List<List<FirecrackerNetwork>> perClient = new ArrayList<>();
        List<FirecrackerNetwork> all = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            List<FirecrackerNetwork> mine = new ArrayList<>();
            for (int i = 0; i < PER_CLIENT; i++) mine.add(clone(prefix, 1 + c * PER_CLIENT + i, "vh" + (1 + c * PER_CLIENT + i)));
            perClient.add(mine);
            all.addAll(mine);
        }
        // A conflicting network in the middle: its veth1 name is clone 1's.
        FirecrackerNetwork conflict = clone(prefix, 99, "vh1");
        perClient.get(CLIENTS / 2).add(2, conflict);
        String conflictId = FcnetdServer.networkId(conflict);

        try (FcnetEngine engine = FcnetEngine.open(EngineOptions.defaults().withHostNetns(host.path()));
                TestDaemon d = new TestDaemon(dir, new EngineService(engine))) {
            Map<String, String> added = concurrently(d.path(), perClient, FirecrackerNetworkOperation.Add);
            assertEquals(all.size() + 1, added.size(), added.toString());
            String refusal = added.get(conflictId);
            // Whichever of the two came first was made; the other was refused on its own, changing nothing.
            boolean conflictMade = refusal.equals("OK");
            String loser = conflictMade ? FcnetdServer.networkId(all.get(0)) : conflictId;
            // Refused before any change, or (when both were made at once) by the kernel and rolled back.
            String reason = added.get(loser);
            assertTrue(reason.contains("vh1 already exists") || reason.contains("vh1") && reason.contains("(EEXIST)")
                    && reason.contains("rolled back"), reason);
            for (FirecrackerNetwork n : all) {
                String id = FcnetdServer.networkId(n);
                if (!id.equals(loser)) assertEquals("OK", added.get(id), id);
            }
            List<FirecrackerNetwork> made = new ArrayList<>(all);
            made.add(conflict);
            made.removeIf(n -> FcnetdServer.networkId(n).equals(loser));

            String ruleset = host.exec("nft", "list", "ruleset");
            for (FirecrackerNetwork n : made) {
                Namespaced ns = (Namespaced) n.networkType();
                assertTrue(ruleset.contains("iifname \"eth1\" oifname \"" + ns.veth1Name() + "\" accept"), ns.veth1Name());
                assertTrue(ruleset.contains("ip saddr " + IpInet.formatAddress(ns.veth2Ip().address())
                        + " oifname \"eth1\" masquerade"), ruleset);
            }
            assertEquals(made.size() * 3, ruleset.lines().filter(l -> l.contains("oifname")).count(), ruleset);

            List<List<FirecrackerNetwork>> madePerClient = perClient.stream()
                    .map(l -> l.stream().filter(made::contains).toList()).toList();
            Map<String, String> checked = concurrently(d.path(), madePerClient, FirecrackerNetworkOperation.Check);
            assertTrue(checked.values().stream().allMatch("OK"::equals), checked.toString());
            Map<String, String> deleted = concurrently(d.path(), madePerClient, FirecrackerNetworkOperation.Delete);
            assertTrue(deleted.values().stream().allMatch("OK"::equals), deleted.toString());
            assertEquals(made.size(), deleted.size());
            engine.awaitDestruction();
        }
        String ruleset = host.exec("nft", "list", "ruleset");
        assertFalse(ruleset.contains("oifname"), ruleset);
        assertFalse(Tools.run("ip", "netns", "list").contains(prefix + "-c"));
        assertFalse(Tools.run("ip", "-n", host.name(), "-o", "link", "show").contains("vh"));
    }
}
