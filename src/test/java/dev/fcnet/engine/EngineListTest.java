package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The listing finds the engine's networks from the kernel's marks alone, reads their settings back
 * exactly, tells complete from broken ones, and leaves out what others made.
 */
@KernelTest
class EngineListTest {
    private static ListedNetwork only(List<ListedNetwork> all, String id) {
        List<ListedNetwork> found = all.stream().filter(n -> n.id().equals(id)).toList();
        assertEquals(1, found.size(), () -> id + " in " + all);
        return found.get(0);
    }

    @Test
    void networksAreReadBackFromTheKernelAndBrokenOnesShowWhatIsLeft(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork simple = EngineFixture.simple(Stack.V4, "lst0", 7);
        FirecrackerNetwork dual = EngineFixture.simple(Stack.DUAL_V6, "lst1", 8);
        FirecrackerNetwork clone = EngineFixture.clone(host.name(), 9);
        FirecrackerNetwork v6ns = EngineFixture.namespaced(Stack.V6, host.name() + "-v6", 10, true);
        // Made by hand, like Rust fcnet would: no marks, not listed.
        Tools.run("ip", "-n", host.name(), "tuntap", "add", "foreign0", "mode", "tap");
        Tools.run("ip", "netns", "add", host.name() + "-foreign");
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            assertEquals(List.of(), engine.list().stream().filter(n -> n.id().contains("foreign")).toList());
            for (FirecrackerNetwork n : List.of(simple, dual, clone, v6ns)) engine.add(n);
            List<ListedNetwork> all = engine.list();
            assertEquals(4, all.stream().filter(n -> !n.id().contains(host.name() + "-foreign")).count(), all::toString);
            for (FirecrackerNetwork n : List.of(simple, dual, clone, v6ns)) {
                ListedNetwork l = only(all, Layout.id(n));
                assertEquals(Optional.of(n), l.network(), l::toString);
                assertTrue(l.complete(), l::toString);
                assertEquals(OptionalInt.of(0), l.uid());
            }
            assertEquals(4, ((JsonArray) Json.parse(ListedNetwork.toJson(all))).elements().size());

            // Broken behind the engine's back: the simple network's filter rule, the clone's netns default route.
            String ns = ((Namespaced) clone.networkType()).netnsName();
            Tools.run("ip", "-n", ns, "route", "del", "default");
            ListedNetwork broken = only(engine.list(), "netns " + ns);
            assertEquals(Optional.of(clone), broken.network(), broken::toString);
            assertFalse(broken.complete(), broken::toString);
            assertTrue(broken.parts().stream().noneMatch(p -> p.kind() == CheckItem.Kind.ROUTE), broken::toString);

            Tools.run("ip", "-n", host.name(), "addr", "flush", "dev", "lst0");
            ListedNetwork noAddress = only(engine.list(), "lst0");
            assertEquals(Optional.empty(), noAddress.network(), "without the tap's address its settings are unknown");
            assertFalse(noAddress.complete());
            assertTrue(noAddress.parts().stream().anyMatch(p -> p.kind() == CheckItem.Kind.LINK && p.object().equals("lst0")));

            // Another user's networks are not listed for a non-root caller.
            assertEquals(List.of(), engine.list(new Caller(4242)));
            for (FirecrackerNetwork n : List.of(simple, dual, clone, v6ns)) engine.delete(n, DeleteMode.IDEMPOTENT);
            assertEquals(List.of(), engine.list().stream().filter(n -> !n.id().contains("foreign")).toList());
        }
    }

    @Test
    void aNetworkIsListedForTheUserItWasAddedFor(ScratchNetns host) {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.namespaced(Stack.V4, host.name() + "-u", 11, false);
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            engine.add(n, AddOptions.DEFAULT.withCaller(new Caller(1000)));
            ListedNetwork l = only(engine.list(new Caller(1000)), Layout.id(n));
            assertEquals(OptionalInt.of(1000), l.uid());
            assertTrue(l.complete(), l::toString);
            assertEquals(List.of(), engine.list(new Caller(1001)));
            assertEquals(1, engine.list().size(), "root sees it");
            engine.delete(n);
        }
    }
}
