package dev.fcnet.engine;

import static dev.fcnet.engine.EngineFixture.netnsCommands;
import static dev.fcnet.engine.EngineFixture.netnsPath;
import static dev.fcnet.engine.EngineFixture.referenceRuleset;
import static dev.fcnet.engine.EngineFixture.ruleset;
import static dev.fcnet.engine.EngineFixture.setsHostCommands;
import static dev.fcnet.engine.EngineFixture.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.Nsenter;
import dev.fcnet.testing.ScratchNetns;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sets ruleset (DESIGN §3b), judged by {@code nft list ruleset}: Add makes exactly what the
 * nft commands of §3b make (the sets and two fixed rules, and the network's elements; inside a
 * netns §3's rules), Check finds it clean by element lookups, Delete leaves the sets and rules
 * without the elements. Elements belong to one network; networks of both rulesets share a table.
 */
@KernelTest
class EngineSetsTest {
    static Stream<Arguments> networks() {
        List<Arguments> cases = new ArrayList<>();
        for (Stack s : Stack.values()) {
            cases.add(Arguments.of("simple " + s, s, false));
            cases.add(Arguments.of("namespaced forwarded " + s, s, true));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("networks")
    void addCheckDelete(String name, Stack stack, boolean namespaced, ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = namespaced ? EngineFixture.namespaced(stack, host.name() + "-fc", 7, true)
                : EngineFixture.simple(stack, "tap7", 7);
        try (FcnetEngine engine = EngineFixture.setsEngine(host)) {
            AddResult added = engine.add(n);
            assertEquals(referenceRuleset(reference, setsHostCommands(n)), ruleset(host.path()), "host ruleset");
            if (n.networkType() instanceof Namespaced ns) {
                assertEquals(referenceRuleset(reference, netnsCommands(n)), ruleset(netnsPath(ns.netnsName())), "netns");
                assertTrue(added.rules().stream().allMatch(r -> r.netns().isPresent()), added::toString);
            } else {
                assertEquals(List.of(), added.rules(), "no rule of its own");
            }
            CheckReport clean = engine.check(n);
            assertTrue(clean.isClean(), clean::toString);
            List<CheckItem> elements = clean.items().stream().filter(i -> i.kind() == Kind.ELEMENT).toList();
            assertEquals(namespaced ? 3 : 2, elements.size(), clean::toString);

            engine.delete(n);
            assertEquals(referenceRuleset(reference, setsHostCommands(n).subList(0, setsHostCommands(n).size()
                    - elements.size())), ruleset(host.path()), "the sets and rules stay, without elements");
            CheckReport after = engine.check(n);
            for (CheckItem item : after.items()) {
                if (item.kind() == Kind.ELEMENT) assertEquals(Status.MISSING, item.status(), after::toString);
            }
            // The names and elements are free at once.
            engine.add(n);
            assertTrue(engine.check(n).isClean());
            engine.delete(n);
        }
    }

    /** A bulk Add, Check and Delete of Simple networks and clones: every element in, every one out. */
    @Test
    void manyNetworksAtOnce(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        List<FirecrackerNetwork> networks = new ArrayList<>();
        for (int n = 1; n <= 6; n++) networks.add(EngineFixture.simple(Stack.V4, "tap" + n, n));
        for (int n = 1; n <= 4; n++) networks.add(EngineFixture.clone(host.name(), n));
        try (FcnetEngine engine = EngineFixture.setsEngine(host)) {
            assertTrue(engine.addAll(networks).stream().allMatch(Outcome::ok));
            assertEquals(referenceRuleset(reference, setsHostCommands(networks.toArray(FirecrackerNetwork[]::new))),
                    ruleset(host.path()));
            assertTrue(engine.checkAll(networks).stream().allMatch(o -> o.orThrow().isClean()));
            // Checks look elements up one by one: with the copy of tables, chains and sets made, no dump more.
            int dumps = engine.hostTables().dumps();
            assertTrue(engine.checkAll(networks).stream().allMatch(o -> o.orThrow().isClean()));
            assertEquals(dumps, engine.hostTables().dumps());
            assertTrue(engine.deleteAll(networks, DeleteMode.STRICT).stream().allMatch(Outcome::ok));
            List<String> empty = setsHostCommands(networks.getFirst());
            empty.removeIf(c -> c.startsWith("add element"));
            assertEquals(referenceRuleset(reference, empty), ruleset(host.path()));
        }
    }

    @Test
    void anElementPresentIsRefusedNamingItsOwnerAndChangesNothing(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork a = EngineFixture.simple(Stack.V4, "tapA", 5);
        FirecrackerNetwork b = EngineFixture.simple(Stack.V4, "tapB", 5);
        try (FcnetEngine engine = EngineFixture.setsEngine(host)) {
            engine.add(a);
            String before = snapshot(host);
            FcnetException e = assertThrows(FcnetException.class, () -> engine.add(b));
            assertEquals(FcnetException.Kind.CONFLICT, e.kind(), e::getMessage);
            assertTrue(e.getMessage().contains("guest 172.16.5.2 is already masqueraded for tap tapA"), e::getMessage);
            assertEquals(before, snapshot(host));
            // In one batch, the second is refused the same way.
            engine.delete(a);
            List<Outcome<AddResult>> both = engine.addAll(List.of(a, b));
            assertTrue(both.get(0).ok(), both::toString);
            FcnetException batched = ((Outcome.Failed<AddResult>) both.get(1)).failure();
            assertEquals(FcnetException.Kind.CONFLICT, batched.kind());
            assertTrue(engine.check(a).isClean());
            engine.delete(a);
        }
    }

    /**
     * An element already in its set fails the batch that adds it (NLM_F_EXCL, Add does not look
     * elements up first): only that network's Add is refused, naming the owner, and the others of
     * the batch are made as usual, the refused one leaving nothing behind.
     */
    @Test
    void anElementPresentFailsOnlyItsOwnAddOfABatch(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork a = EngineFixture.simple(Stack.V4, "tapA", 5);
        FirecrackerNetwork b = EngineFixture.simple(Stack.V4, "tapB", 5);
        FirecrackerNetwork c = EngineFixture.simple(Stack.V4, "tapC", 6);
        FirecrackerNetwork d = EngineFixture.simple(Stack.V4, "tapD", 7);
        try (FcnetEngine engine = EngineFixture.setsEngine(host)) {
            engine.add(a);
            List<Outcome<AddResult>> outcomes = engine.addAll(List.of(c, b, d));
            assertTrue(outcomes.get(0).ok() && outcomes.get(2).ok(), outcomes::toString);
            FcnetException refused = ((Outcome.Failed<AddResult>) outcomes.get(1)).failure();
            assertEquals(FcnetException.Kind.CONFLICT, refused.kind(), refused::getMessage);
            assertTrue(refused.getMessage().contains("guest 172.16.5.2 is already masqueraded for tap tapA"), refused::getMessage);
            assertTrue(EngineFixture.ipLink(host.name(), "tapB").isEmpty(), "the refused Add's tap is gone");
            assertEquals(referenceRuleset(reference, setsHostCommands(a, c, d)), ruleset(host.path()));
            for (FirecrackerNetwork n : List.of(a, c, d)) assertTrue(engine.check(n).isClean());
        }
    }

    /**
     * A sets Add that made the sets and fixed rules (in a table an fcnet-ruleset network made)
     * and then fails undoes only its elements while another network's are in the sets: one
     * added by another engine meanwhile, or one of the same batch. The ruleset is then that of
     * the fcnet network and the other network, as the nft commands make it.
     */
    @Test
    void aFailedAddKeepsTheSetsItMadeThatOthersUse(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork byRules = EngineFixture.simple(Stack.V4, "tap1", 1);
        FirecrackerNetwork failing = EngineFixture.simple(Stack.V4, "tapA", 5);
        FirecrackerNetwork other = EngineFixture.simple(Stack.V4, "tapB", 6);
        List<String> expected = new ArrayList<>(setsHostCommands(other));
        expected.addAll(3, EngineFixture.hostRules(byRules));
        String both = referenceRuleset(reference, expected);
        try (FcnetEngine fcnet = EngineFixture.engine(host); FcnetEngine sets = EngineFixture.setsEngine(host);
                FcnetEngine meanwhile = EngineFixture.setsEngine(host)) {
            fcnet.add(byRules);
            // The other network comes while the failing Add's host part is committed, before the Add fails.
            sets.faults((step, object) -> {
                if (step.equals("add rules") && object.contains("fcnet (")) {
                    meanwhile.add(other);
                    throw new IllegalStateException("injected failure after another network was added");
                }
            });
            assertThrows(FcnetException.class, () -> sets.add(failing));
            assertEquals(both, ruleset(host.path()));
            assertTrue(sets.check(other).isClean(), () -> sets.check(other).toString());
            sets.faults(FaultInjector.NONE);
            sets.delete(other);
            meanwhile.delete(byRules);
            Nsenter.run(host.path(), "nft", "flush", "ruleset");
            fcnet.add(byRules);

            // In one batch: the first Add makes the sets and rules, and fails; the second keeps them.
            AtomicInteger hostParts = new AtomicInteger();
            sets.faults((step, object) -> {
                if (step.equals("add rules") && object.contains("fcnet (") && hostParts.getAndIncrement() == 0) {
                    throw new IllegalStateException("injected failure of the batch's first Add");
                }
            });
            List<Outcome<AddResult>> outcomes = sets.addAll(List.of(failing, other));
            assertTrue(!outcomes.get(0).ok() && outcomes.get(1).ok(), outcomes::toString);
            assertEquals(both, ruleset(host.path()));
            assertTrue(sets.check(other).isClean(), () -> sets.check(other).toString());
        }
    }

    /**
     * A network of each ruleset in one table: both check clean with a sets engine (the fcnet one by
     * its rules), the fcnet one with an fcnet engine too, the listing finds both complete, and
     * the sets engine deletes both.
     */
    @Test
    void bothRulesetsShareOneTable(ScratchNetns host, ScratchNetns reference) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork byRules = EngineFixture.simple(Stack.V4, "tap1", 1);
        FirecrackerNetwork bySets = EngineFixture.namespaced(Stack.V4, host.name() + "-fc", 2, false);
        try (FcnetEngine fcnet = EngineFixture.engine(host); FcnetEngine sets = EngineFixture.setsEngine(host)) {
            fcnet.add(byRules);
            sets.add(bySets);
            List<String> expected = new ArrayList<>(setsHostCommands(bySets));
            expected.addAll(3, EngineFixture.hostRules(byRules));
            assertEquals(referenceRuleset(reference, expected), ruleset(host.path()));
            assertTrue(sets.check(byRules).isClean(), () -> sets.check(byRules).toString());
            assertTrue(sets.check(bySets).isClean(), () -> sets.check(bySets).toString());
            assertTrue(fcnet.check(byRules).isClean());
            List<ListedNetwork> listed = fcnet.list(Caller.ROOT);
            assertEquals(2, listed.size(), listed::toString);
            assertTrue(listed.stream().allMatch(ListedNetwork::complete), listed::toString);
            assertEquals(List.of(byRules, bySets).stream().map(Layout::id).sorted().toList(),
                    listed.stream().map(l -> l.network().map(Layout::id).orElse("?")).sorted().toList());

            sets.delete(byRules);
            sets.delete(bySets);
            List<String> left = new ArrayList<>(setsHostCommands(bySets));
            left.removeIf(c -> c.startsWith("add element"));
            assertEquals(referenceRuleset(reference, left), ruleset(host.path()));
        }
    }
}
