package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fcnet.engine.FcnetException.Step;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.sys.Errno;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The step machinery on its own: undo in reverse, messages naming step, object, errno and the kernel's text. */
class UndoLogTest {

    @Test
    void undoesCompletedStepsNewestFirstAndNamesTheFailure() {
        List<String> log = new ArrayList<>();
        UndoLog tx = new UndoLog("Add tap0", FaultInjector.NONE);
        tx.step(Step.CREATE_TAP, "tap0", () -> {
            log.add("create tap0");
            tx.onRollback("delete link tap0", () -> log.add("delete tap0"));
        });
        tx.step(Step.MARK_LINK, "tap0", () -> log.add("up"));
        tx.step(Step.ADD_RULES, "r1", () -> {
            log.add("add r1");
            tx.onRollback("delete rule r1", () -> log.add("delete r1"));
        });
        NetlinkException kernel = new NetlinkException("RTM_NEWADDR 172.16.0.1/24 dev tap0", Errno.EEXIST,
                "address already assigned", -1, 7, 0);
        FcnetException e = assertThrows(FcnetException.class, () -> tx.step(Step.CONFIGURE_LINK, "172.16.0.1/24 on tap0", () -> {
            throw kernel;
        }));
        assertEquals(List.of("create tap0", "up", "add r1", "delete r1", "delete tap0"), log);
        assertEquals("Add tap0: step \"configure link\" (172.16.0.1/24 on tap0) failed: RTM_NEWADDR 172.16.0.1/24 dev tap0:"
                + " File exists (EEXIST): address already assigned; 3 completed steps rolled back (2 undo actions)",
                e.getMessage());
        assertEquals(Step.CONFIGURE_LINK, e.step());
        assertEquals("172.16.0.1/24 on tap0", e.object());
        assertEquals(java.util.Optional.of("EEXIST"), e.errnoName());
        assertEquals(java.util.Optional.of("address already assigned"), e.kernelMessage());
        assertSame(kernel, e.getCause());
    }

    @Test
    void anUndoThatFailsDoesNotStopTheOthersAndIsReported() {
        List<String> log = new ArrayList<>();
        UndoLog tx = new UndoLog("Add netns fc1", FaultInjector.NONE);
        tx.step(Step.CREATE_NETNS, "fc1", () -> tx.onRollback("delete netns fc1", () -> log.add("netns deleted")));
        tx.step(Step.CREATE_VETH_PAIR, "veth1", () -> tx.onRollback("delete link veth1", () -> {
            throw new IllegalStateException("boom");
        }));
        FcnetException e = assertThrows(FcnetException.class, () -> tx.step(Step.ADD_ROUTE, "default", () -> {
            throw new IllegalStateException("no route");
        }));
        assertEquals(List.of("netns deleted"), log);
        assertEquals("Add netns fc1: step \"add route\" (default) failed: no route; 2 completed steps rolled back"
                + " (1 undo action); ROLLBACK INCOMPLETE: delete link veth1: boom", e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertEquals(java.util.Optional.empty(), e.errnoName());
    }

    @Test
    void theFaultInjectorSeesEveryStepFirst() {
        List<String> seen = new ArrayList<>();
        UndoLog tx = new UndoLog("Add tap0", (step, object) -> {
            seen.add(step + " " + object);
            if (step.equals("add route")) throw new IllegalStateException("injected");
        });
        tx.step(Step.ADD_RULES, "x", () -> { });
        FcnetException e = assertThrows(FcnetException.class, () -> tx.step(Step.ADD_ROUTE, "y", () -> seen.add("ran b")));
        assertEquals(List.of("add rules x", "add route y"), seen);
        assertEquals("Add tap0: step \"add route\" (y) failed: injected; 1 completed step rolled back (0 undo actions)",
                e.getMessage());
    }
}
