package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Nsenter;
import dev.fcnet.testing.ScratchNetns;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The engine's copy of the host's rules: used as long as the ruleset's generation says nothing
 * changed (no chain is read again, however many networks there are), and read again when the
 * nft tool changed the ruleset behind the engine's back: rules deleted, added, everything flushed.
 */
@KernelTest
class EngineRuleCopyTest {
    private static final String MASQ_1 = "ip saddr 172.16.1.2 oifname \"eth0\" masquerade";

    private static void nft(ScratchNetns host, String... args) {
        List<String> command = new ArrayList<>(List.of("nft"));
        command.addAll(List.of(args));
        Nsenter.run(host.path(), command.toArray(String[]::new));
    }

    /** The handles {@code nft -a list ruleset} shows for lines ending in {@code rule}. */
    private static List<Long> handles(ScratchNetns host, String rule) {
        List<Long> found = new ArrayList<>();
        Matcher m = Pattern.compile(Pattern.quote(rule) + " # handle (\\d+)").matcher(EngineFixture.rulesetWithHandles(host.path()));
        while (m.find()) found.add(Long.parseLong(m.group(1)));
        return found;
    }

    @Test
    void rulesChangedBehindTheEnginesBackAreSeen(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork a = EngineFixture.simple(Stack.V4, "tap1", 1);
        // The same guest address on another tap: it shares a's masquerade rule.
        FirecrackerNetwork b = EngineFixture.simple(Stack.V4, "tap2", 1);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            AddResult added = engine.add(a);
            long masquerade = added.rules().get(0).handle();
            assertEquals(List.of(masquerade), handles(host, MASQ_1));

            nft(host, "delete", "rule", "ip", "fcnet", "postrouting", "handle", Long.toString(masquerade));
            CheckReport report = engine.check(a);
            assertEquals(List.of("ip fcnet postrouting: " + MASQ_1), report.problems().stream().map(CheckItem::object).toList(),
                    report::toString);
            assertEquals(Status.MISSING, report.problems().get(0).status());
            // Gone, so b's Add adds it again.
            AddResult addedB = engine.add(b);
            assertEquals(List.of(addedB.rules().get(0).handle()), handles(host, MASQ_1));

            // Made by nft behind the engine's back (the copy is stale and the engine does not
            // ask first): the conditional commit is refused, the copy read again, and c's Add
            // finds the rule, which it must not share.
            FirecrackerNetwork c = EngineFixture.simple(Stack.V4, "tap3", 3);
            String masq3 = "ip saddr 172.16.3.2 oifname \"eth0\" masquerade";
            nft(host, "add", "rule", "ip", "fcnet", "postrouting", "ip", "saddr", "172.16.3.2", "oifname", "eth0", "masquerade");
            List<Long> byNft = handles(host, masq3);
            assertEquals(1, byNft.size());
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(c));
            assertEquals(FcnetException.Kind.CONFLICT, e.kind());
            assertEquals(byNft, handles(host, masq3));
            nft(host, "delete", "rule", "ip", "fcnet", "postrouting", "handle", Long.toString(byNft.get(0)));
            AddResult addedC = engine.add(c);
            assertEquals(List.of(addedC.rules().get(0).handle()), handles(host, masq3));
            assertTrue(engine.check(c).isClean());

            // Everything flushed: the copy is forgotten; Check sees nothing, Add makes it all again.
            nft(host, "flush", "ruleset");
            CheckReport flushed = engine.check(c);
            assertTrue(flushed.items().stream().filter(i -> i.kind() == Kind.TABLE || i.kind() == Kind.RULE)
                    .allMatch(i -> i.status() == Status.MISSING), flushed::toString);
            engine.delete(c, DeleteMode.IDEMPOTENT);
            engine.add(c);
            assertEquals(EngineFixture.referenceRuleset(reference, EngineFixture.hostCommands(c)),
                    EngineFixture.ruleset(host.path()));
            assertTrue(engine.check(c).isClean());
            // Deletes find their rules in the copy too.
            engine.delete(c);
            engine.delete(a, DeleteMode.IDEMPOTENT);
            engine.delete(b, DeleteMode.IDEMPOTENT);
            assertEquals(EngineFixture.referenceRuleset(reference, EngineFixture.hostCommands(c).subList(0, 3)),
                    EngineFixture.ruleset(host.path()));
        }
    }

    @Test
    void anUnchangedRulesetIsNotReadAgainHoweverManyNetworks(ScratchNetns host) {
        EngineFixture.readyHost(host);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(EngineFixture.simple(Stack.V4, "tap0", 200));
            engine.check(EngineFixture.simple(Stack.V4, "tap0", 200));
            int dumps = engine.hostTables().dumps();
            List<FirecrackerNetwork> networks = new ArrayList<>();
            for (int i = 1; i <= 60; i++) networks.add(EngineFixture.simple(Stack.V4, "tap" + i, i));
            for (FirecrackerNetwork n : networks) engine.add(n);
            for (FirecrackerNetwork n : networks) assertTrue(engine.check(n).isClean());
            for (FirecrackerNetwork n : networks.subList(0, 30)) engine.delete(n);
            assertEquals(dumps, engine.hostTables().dumps(), "no chain was read again");

            // A change by someone else: read again, once.
            nft(host, "add", "rule", "ip", "fcnet", "filter", "accept");
            assertTrue(engine.check(networks.get(40)).isClean());
            int after = engine.hostTables().dumps();
            assertTrue(after > dumps, after + " > " + dumps);
            for (FirecrackerNetwork n : networks.subList(30, 60)) engine.delete(n);
            assertEquals(after, engine.hostTables().dumps());
            assertTrue(engine.check(networks.get(0)).problems().stream().allMatch(i -> i.status() == Status.MISSING));
        }
    }
}
