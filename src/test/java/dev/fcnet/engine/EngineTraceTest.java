package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.engine.EngineFixture.Stack;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/** What the engine tells about its operations: Flight Recorder events, DEBUG log lines, bulk progress. */
@KernelTest
class EngineTraceTest {
    @Test
    void operationsAreRecordedAsFlightRecorderEventsAndDebugLines(ScratchNetns host) throws Exception {
        EngineFixture.readyHost(host);
        FirecrackerNetwork n = EngineFixture.simple(Stack.V4, "trace0", 3);
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Logger jul = Logger.getLogger("dev.fcnet.engine");
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() <= Level.FINE.intValue()) lines.add(r.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Level before = jul.getLevel();
        jul.setLevel(Level.FINE);
        jul.addHandler(handler);
        Path file = Files.createTempFile("fcnet-trace", ".jfr");
        try (Recording recording = new Recording(); FcnetEngine engine = EngineFixture.engine(host)) {
            for (String name : List.of("dev.fcnet.Add", "dev.fcnet.Check", "dev.fcnet.Delete")) {
                recording.enable(name).withoutThreshold();
            }
            recording.start();
            engine.add(n);
            FcnetException twice = assertThrows(FcnetException.class, () -> engine.add(n));
            assertEquals(FcnetException.Kind.ALREADY_EXISTS, twice.kind());
            engine.check(n);
            engine.delete(n);
            recording.stop();
            recording.dump(file);

            List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("dev.fcnet.")).toList();
            assertEquals(List.of("dev.fcnet.Add ok", "dev.fcnet.Add " + twice.kind(), "dev.fcnet.Check ok",
                    "dev.fcnet.Delete ok"), events.stream().map(e -> e.getEventType().getName() + " " + e.getString("outcome"))
                    .toList());
            for (RecordedEvent e : events) {
                assertEquals("trace0", e.getString("network"));
                assertTrue(e.getDuration().toNanos() > 0, e::toString);
            }
            assertEquals(2, events.get(0).getInt("steps"), "the Add's two host rules");
            assertEquals(twice.step().label(), events.get(1).getString("failedStep"));
            assertTrue(events.get(2).getInt("steps") > 3, "the Check's items");
        } finally {
            jul.removeHandler(handler);
            jul.setLevel(before);
            Files.deleteIfExists(file);
        }
        assertEquals(4, lines.size(), lines::toString);
        assertTrue(lines.get(0).matches("Add trace0: ok, 2 steps, [0-9.]+ ms"), lines::toString);
        assertTrue(lines.get(1).startsWith("Add trace0: ALREADY_EXISTS at step \"check\""), lines::toString);
        assertTrue(lines.get(3).matches("Delete trace0: ok, 3 steps, [0-9.]+ ms"), lines::toString);
    }

    @Test
    void bulkOperationsTellEachOutcomeAsItIsKnown(ScratchNetns host) {
        EngineFixture.readyHost(host);
        List<FirecrackerNetwork> clones = new ArrayList<>();
        for (int i = 1; i <= 6; i++) clones.add(EngineFixture.clone(host.name(), i));
        List<Outcome<AddResult>> added = Collections.synchronizedList(new ArrayList<>());
        List<Outcome<DeleteResult>> deleted = Collections.synchronizedList(new ArrayList<>());
        try (FcnetEngine engine = EngineFixture.engine(host)) {
            List<Outcome<AddResult>> all = engine.addRequests(clones.stream().map(AddRequest::of).toList(), 3, added::add);
            assertEquals(Set.copyOf(all), Set.copyOf(added), "each outcome told once");
            assertEquals(all.size(), added.size());
            assertTrue(added.stream().allMatch(Outcome::ok), added::toString);
            engine.deleteAll(clones, DeleteMode.STRICT, 2, deleted::add);
            assertEquals(clones.size(), deleted.size());
            assertTrue(deleted.stream().allMatch(Outcome::ok), deleted::toString);
        }
    }
}
