package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.IpInet;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real fcnetd at a random instant of a burst of Adds and Deletes, then a new daemon
 * deletes every network of the burst: afterwards the host holds no link, netns, rule or route of
 * them, whatever state the crash left. {@code -Dfcnet.torture.trials=200} for a longer run. A
 * trial's seed (named by a failure; {@code -Dfcnet.torture.seed=N} starts there) fixes its
 * requests and when the kill comes, counted in requests done plus microseconds; the kernel's own
 * timing still varies from run to run.
 *
 * <p>Then as many trials ({@code -Dfcnet.torture.poolTrials=N}, default 3) with a clone pool
 * ({@code --pool 4}): the kill falls while the pool fills, while Adds take slots and while Deletes
 * return them; the next daemon adopts (pool on) or destroys (pool off) what is left under pool
 * names, and stops with its own slots destroyed.
 */
@KernelTest
@Timeout(600)
class CrashTortureTest {
    private static final int NETWORKS = 6;
    private static final int CONNECTIONS = 3;
    /**
     * The kill comes after the daemon has logged a random number of the burst's requests (so it
     * falls anywhere in the burst, however fast this machine is), plus up to this many microseconds.
     */
    private static final int KILL_JITTER_US = 20_000;
    private static final Pattern REQUEST_LOGGED = Pattern.compile(" #\\d+ (Add|Delete) ");

    @TempDir
    Path dir;

    @Test
    void nothingOfABurstSurvivesKillRestartAndDelete(ScratchNetns host) throws Exception {
        host.hostLike();
        int trials = Integer.getInteger("fcnet.torture.trials", 20);
        long firstSeed = Long.getLong("fcnet.torture.seed", 1);
        for (long seed = firstSeed; seed < firstSeed + trials; seed++) trial(host, seed, 0);
        int poolTrials = Integer.getInteger("fcnet.torture.poolTrials", 3);
        for (long seed = firstSeed; seed < firstSeed + poolTrials; seed++) trial(host, 1000 + seed, POOL);
    }

    /** The pool of the pool trials: more slots than a trial has clones, so Deletes return some. */
    private static final int POOL = 4;

    /** Network {@code i} of a trial: even ones Namespaced (the clone case: same guest IP in each netns), odd ones Simple. */
    private static FirecrackerNetwork network(ScratchNetns host, long seed, int i) {
        String id = "k" + (seed % 1000) + "n" + i;
        if (i % 2 == 1) {
            return FirecrackerNetwork.builder().ifaceName("eth1").tapName("t" + id)
                    .tapIp(IpInet.parse("10.64." + i + ".1/24")).guestIp(IpInet.parse("10.64." + i + ".2/24")).build();
        }
        return FirecrackerNetwork.builder().ifaceName("eth1").tapName("tap0").networkType(Namespaced.builder()
                .netnsName(host.name() + "-" + id).veth1Name("v" + id).veth2Name("veth0")
                .veth1Ip(IpInet.parse("10.65." + i + ".1/24")).veth2Ip(IpInet.parse("10.65." + i + ".2/24"))
                .forwardedGuestIp(IpInet.parseAddress("192.168.77." + (10 + i))).build()).build();
    }

    private void trial(ScratchNetns host, long seed, int pool) throws Exception {
        long t0 = System.nanoTime();
        Random random = new Random(seed);
        List<FirecrackerNetwork> networks = new ArrayList<>();
        for (int i = 0; i < NETWORKS; i++) networks.add(network(host, seed, i));
        // Each connection pipelines Adds of its networks, some Deleted and Added again, in a random order.
        List<List<String>> bursts = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) bursts.add(new ArrayList<>());
        List<FirecrackerNetwork> shuffled = new ArrayList<>(networks);
        Collections.shuffle(shuffled, random);
        for (int i = 0; i < shuffled.size(); i++) {
            List<String> lines = bursts.get(i % CONNECTIONS);
            lines.add(request(FirecrackerNetworkOperation.Add, shuffled.get(i)));
            if (random.nextBoolean()) {
                lines.add(request(FirecrackerNetworkOperation.Delete, shuffled.get(i)));
                if (random.nextBoolean()) lines.add(request(FirecrackerNetworkOperation.Add, shuffled.get(i)));
            }
        }
        int sent = bursts.stream().mapToInt(List::size).sum();
        int killAfterRequests = random.nextInt(sent);
        int killJitterUs = random.nextInt(KILL_JITTER_US);
        String when = "killed after " + killAfterRequests + " of " + sent + " requests + " + killJitterUs + " us";
        Path socket = dir.resolve("fcnetd.sock");
        Path log = dir.resolve("fcnetd-" + seed + ".log");

        Process daemon = DaemonJvm.start(host.path(), log, DaemonJvm.FAST_START, "--pool", Integer.toString(pool),
                socket.toString());
        List<List<String>> answers = new ArrayList<>();
        try {
            DaemonJvm.awaitListening(daemon, log);
            // Two pool trials in three start the burst once the pool is full (the kill then falls on Adds taking
            // slots and Deletes returning them); the third at once, while it fills.
            if (pool > 0 && seed % 3 != 0) {
                long full = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!Files.readString(log).contains("pool ready") && System.nanoTime() < full) Thread.sleep(5);
            }
            List<Thread> clients = new ArrayList<>();
            for (List<String> lines : bursts) {
                List<String> got = Collections.synchronizedList(new ArrayList<>());
                answers.add(got);
                clients.add(Thread.ofVirtual().start(() -> {
                    try (RawClient c = new RawClient(socket)) {
                        c.send((String.join("\n", lines) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        for (String a; got.size() < lines.size() && (a = c.readLine()) != null; ) got.add(a);
                    } catch (IOException e) {
                        got.add("(" + e.getMessage() + ")"); // the daemon died mid-answer
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (logged(log) < killAfterRequests && daemon.isAlive() && System.nanoTime() < deadline) Thread.sleep(1);
            TimeUnit.MICROSECONDS.sleep(killJitterUs);
            daemon.destroyForcibly(); // SIGKILL: nsenter exec'd the JVM, so this is the daemon itself
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) fail("seed " + seed + ": daemon survived SIGKILL");
            for (Thread t : clients) t.join(10_000);
        } finally {
            daemon.destroyForcibly();
        }

        // A new daemon on the same path (its stale socket replaced) deletes every network strictly:
        // "does not exist" for those never made is fine; anything present must go.
        List<String> deletes = new ArrayList<>();
        // After a pool trial, every other restart adopts the slots left, the others destroy them.
        int poolAgain = pool > 0 && seed % 2 == 0 ? pool : 0;
        Process again = DaemonJvm.start(host.path(), log.resolveSibling("fcnetd-" + seed + "-again.log"), DaemonJvm.FAST_START,
                "--pool", Integer.toString(poolAgain), socket.toString());
        try {
            DaemonJvm.awaitListening(again, log.resolveSibling("fcnetd-" + seed + "-again.log"));
            try (RawClient c = new RawClient(socket)) {
                for (FirecrackerNetwork n : networks) deletes.add(c.request(request(FirecrackerNetworkOperation.Delete, n)));
            }
            again.destroy(); // SIGTERM: the engine finishes destroying the links it retired
            if (!again.waitFor(30, TimeUnit.SECONDS)) fail("seed " + seed + ": daemon still running 30 s after SIGTERM");
        } finally {
            again.destroyForcibly();
        }

        List<String> left = leftovers(host, networks);
        System.out.println("seed " + seed + (pool > 0 ? " (pool " + pool + ", again " + poolAgain + ")" : "") + ": " + when + ", " + left.size() + " objects left, "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        if (!left.isEmpty()) {
            fail("seed " + seed + " (" + when + "): left on the host after restart and Delete:\n  "
                    + String.join("\n  ", left) + "\nburst " + bursts + "\nanswers " + answers + "\ndeletes " + deletes
                    + "\nlog of the killed daemon:\n" + Files.readString(log));
        }
        assertEquals(NETWORKS, deletes.size());
    }

    /** What the real tools show of the trial's networks: links, namespaces, rules and routes. */
    private static List<String> leftovers(ScratchNetns host, List<FirecrackerNetwork> networks) {
        List<String> left = new ArrayList<>();
        // The host netns is this test's own: any link but lo and the uplink is a leftover.
        for (String line : host.exec("ip", "-o", "link", "show").lines().toList()) {
            String name = line.replaceFirst("^\\d+: ([^:@]+).*", "$1");
            if (!name.equals("lo") && !name.equals("eth1")) left.add("link: " + line.replaceAll("\\s+", " "));
        }
        String netns = Tools.run("ip", "netns", "list");
        // Every engine of this test has stopped: a pool's slot left is a leftover.
        for (String line : netns.lines().toList()) if (line.startsWith("fcpool-")) left.add("pool slot: " + line);
        String ruleset = host.exec("nft", "list", "ruleset");
        String routes = host.exec("ip", "route", "show", "table", "all");
        for (FirecrackerNetwork n : networks) {
            List<String> needles = new ArrayList<>();
            if (n.networkType() instanceof Namespaced ns) {
                for (String line : netns.lines().toList()) {
                    if (line.split(" ")[0].equals(ns.netnsName())) left.add("netns: " + line);
                }
                needles.add("\"" + ns.veth1Name() + "\"");
                needles.add(" " + ns.veth1Name() + " ");
                needles.add(ns.veth2Ip().address().getHostAddress());
                ns.forwardedGuestIp().ifPresent(ip -> needles.add(ip.getHostAddress()));
            } else {
                needles.add("\"" + n.tapName() + "\"");
                needles.add(" " + n.tapName() + " ");
                needles.add(n.guestIp().address().getHostAddress());
            }
            for (String line : ruleset.lines().toList()) {
                if (needles.stream().anyMatch(line::contains)) left.add("rule: " + line.strip());
            }
            for (String line : routes.lines().toList()) {
                if (needles.stream().anyMatch((line + " ")::contains)) left.add("route: " + line.strip());
            }
        }
        return left.stream().distinct().toList();
    }

    /** How many requests the daemon has logged as done. */
    private static long logged(Path log) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> REQUEST_LOGGED.matcher(l).find()).count();
    }

    private static String request(FirecrackerNetworkOperation op, FirecrackerNetwork n) {
        return new FcnetdRequest(op, n).toJson();
    }
}
