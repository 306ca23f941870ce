package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fcnet.FcnetdRequest;
import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.FirecrackerNetworkOperation;
import dev.fcnet.TapOwner;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The daemon's tap owner policy: root chooses, everyone else owns their own taps. */
class EngineServiceTest {
    private static final FirecrackerNetwork NET = FirecrackerNetwork.builder().tapName("tap7").build();

    private static FcnetdRequest add(Optional<TapOwner> owner) {
        return new FcnetdRequest(FirecrackerNetworkOperation.Add, NET, owner);
    }

    @Test
    void rootNamesAnyOwnerOrNone() throws OperationFailedException {
        assertEquals(Optional.empty(), EngineService.tapOwner(Peer.ROOT, add(Optional.empty())));
        assertEquals(Optional.of(TapOwner.of(42, 43)),
                EngineService.tapOwner(Peer.ROOT, add(Optional.of(TapOwner.of(42, 43)))));
        assertEquals(Optional.of(TapOwner.group(43)), EngineService.tapOwner(Peer.ROOT,
                add(Optional.of(new TapOwner(OptionalInt.empty(), OptionalInt.of(43))))));
    }

    @Test
    void otherClientsOwnTheirTaps() throws OperationFailedException {
        Peer peer = new Peer(1000, 100);
        assertEquals(Optional.of(TapOwner.of(1000, 100)), EngineService.tapOwner(peer, add(Optional.empty())));
        // Naming itself, in full or in part, is the same.
        assertEquals(Optional.of(TapOwner.of(1000, 100)),
                EngineService.tapOwner(peer, add(Optional.of(TapOwner.of(1000, 100)))));
        assertEquals(Optional.of(TapOwner.of(1000, 100)), EngineService.tapOwner(peer,
                add(Optional.of(new TapOwner(OptionalInt.of(1000), OptionalInt.empty())))));
        OperationFailedException e = assertThrows(OperationFailedException.class,
                () -> EngineService.tapOwner(peer, add(Optional.of(TapOwner.of(1000, 0)))));
        assertEquals("Add tap7: tap_owner uid 1000, gid 0 refused: a client that is not root (uid 1000, gid 100) may"
                + " only own its taps itself", e.getMessage());
        e = assertThrows(OperationFailedException.class, () -> EngineService.tapOwner(peer, new FcnetdRequest(
                FirecrackerNetworkOperation.Check, NET, Optional.of(new TapOwner(OptionalInt.of(0),
                        OptionalInt.empty())))));
        assertEquals("Check tap7: tap_owner uid 0 refused: a client that is not root (uid 1000, gid 100) may only own"
                + " its taps itself", e.getMessage());
    }
}
