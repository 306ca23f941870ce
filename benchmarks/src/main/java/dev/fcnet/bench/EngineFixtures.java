package dev.fcnet.bench;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.DeleteMode;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The untimed work around the engine's timed Add and Delete, done through the engine as the VMM
 * host that embeds it works (benchmarks/README.md, "Method"). Making or removing networks with
 * other tools would change the ruleset behind the engine's back; its generation check would
 * notice, and every timed call would re-read the chains, which no host that lets the engine own
 * its networks sees.
 */
final class EngineFixtures {
    private EngineFixtures() {}

    /**
     * Adds, checks and deletes {@code count} networks of the engine's own before the trial, so
     * that the JIT has compiled what is measured. An Add or Delete iteration completes only some
     * tens of operations (its fixtures wait for link destruction), so JMH's warm-up iterations
     * alone would measure code not yet compiled, which no long-running host runs.
     */
    static void warmUp(FcnetEngine engine, Supplier<FirecrackerNetwork> fresh, int count) {
        for (int i = 0; i < count; i++) {
            FirecrackerNetwork network = fresh.get();
            engine.add(network);
            engine.check(network).requireClean();
            engine.delete(network);
            // Destroyed a hundred at a time, so the warm-up takes seconds.
            if (i % 100 == 99) engine.awaitDestruction();
        }
        engine.awaitDestruction();
    }

    /** After a timed Add: deletes the network and waits until its host link is destroyed, so that never runs into the next call. */
    static void removeAdded(FcnetEngine engine, FirecrackerNetwork network) {
        engine.delete(network);
        engine.awaitDestruction();
    }

    /** After a timed sustained Add: deletes the networks in bulk and waits until their host links are destroyed. */
    static void removeAddedBatch(FcnetEngine engine, List<FirecrackerNetwork> networks) {
        engine.deleteAll(networks, DeleteMode.STRICT).forEach(Outcome::orThrow);
        engine.awaitDestruction();
    }

    /** Before a timed Delete: once earlier Deletes' links are destroyed, adds the network. */
    static void addForDelete(FcnetEngine engine, FirecrackerNetwork network) {
        engine.awaitDestruction();
        engine.add(network);
    }

    /**
     * Before a timed sustained Delete: once earlier Deletes' links are destroyed, adds
     * {@code count} networks (in one bulk call; what is timed is their deletion).
     */
    static List<FirecrackerNetwork> addBatchForDelete(FcnetEngine engine, Supplier<FirecrackerNetwork> fresh, int count) {
        engine.awaitDestruction();
        List<FirecrackerNetwork> networks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) networks.add(fresh.get());
        engine.addAll(networks).forEach(Outcome::orThrow);
        return networks;
    }

    /**
     * The sustained Delete (DESIGN §7): {@code networks} deleted back to back, one call each,
     * and then the destruction of their links awaited, so that the deferred work the single
     * Delete leaves behind is inside the timed region.
     */
    static void deleteSustained(FcnetEngine engine, List<FirecrackerNetwork> networks) {
        for (FirecrackerNetwork network : networks) engine.delete(network);
        engine.awaitDestruction();
    }
}
