package example;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.IpInet;
import dev.fcnet.engine.AddOptions;
import dev.fcnet.engine.AddResult;
import dev.fcnet.engine.CheckReport;
import dev.fcnet.engine.FcnetEngine;
import dev.fcnet.engine.FcnetException;
import dev.fcnet.engine.ListedNetwork;
import dev.fcnet.TapOwner;
import java.util.List;
import java.util.Optional;

/**
 * What a VMM host does with fcnet: adds a microVM's network with its tap owned by the jailed VMM's
 * user, checks it, finds it in the listing, tells a second Add and a second Delete apart by their
 * kinds, and deletes it. Run as root (in throwaway namespaces: see .ci/run); exits 1 when anything
 * is not as documented.
 */
public final class Embed {
    private Embed() {}

    public static void main(String[] args) {
        FirecrackerNetwork network = FirecrackerNetwork.builder()
                .tapName("tap7").tapIp(IpInet.parse("172.16.7.1/24")).guestIp(IpInet.parse("172.16.7.2/24"))
                .build();
        // The jailer runs Firecracker as uid/gid 1000: only it (and root) may open the tap.
        AddOptions jailed = AddOptions.DEFAULT.withTapOwner(TapOwner.of(1000, 1000));
        try (FcnetEngine engine = FcnetEngine.open()) {
            AddResult added = engine.add(network, jailed);
            added.warnings().forEach(w -> System.out.println("warning: " + w));
            System.out.println("added " + added.rules().size() + " rules");

            expectKind(FcnetException.Kind.ALREADY_EXISTS, () -> engine.add(network, jailed));

            CheckReport report = engine.check(network, jailed);
            require(report.isClean(), "check is clean:\n" + report);
            CheckReport otherOwner = engine.check(network, AddOptions.DEFAULT.withTapOwner(TapOwner.of(1001, 1001)));
            require(!otherOwner.isClean(), "check reports a tap owned by someone else:\n" + otherOwner);

            List<ListedNetwork> listed = engine.list();
            require(listed.stream().anyMatch(l -> l.network().equals(Optional.of(network)) && l.complete()),
                    "the listing shows the network complete: " + listed);

            engine.delete(network);
            expectKind(FcnetException.Kind.NOT_FOUND, () -> engine.delete(network));
        }
        System.out.println("embedding example: OK");
    }

    private static void expectKind(FcnetException.Kind kind, Runnable operation) {
        try {
            operation.run();
        } catch (FcnetException e) {
            require(e.kind() == kind, "expected " + kind + ", got " + e.kind() + ": " + e.getMessage());
            System.out.println(kind + " as expected: " + e.getMessage());
            return;
        }
        require(false, "expected a failure of kind " + kind);
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            System.err.println("embedding example: FAILED: " + what);
            System.exit(1);
        }
    }
}
