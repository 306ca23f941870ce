package dev.fcnet.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConsoleLoggerTest {
    @Test
    void queuedLinesAreWrittenInOrderByClose() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ConsoleLogger log = ConsoleLogger.queued("dev.fcnet.daemon", Level.INFO, out, 16);
        for (int i = 0; i < 10; i++) log.log(Level.INFO, "#1 Add tap" + i + ": OK");
        log.log(Level.DEBUG, "below the threshold");
        log.close();
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(10, lines.size(), lines.toString());
        for (int i = 0; i < 10; i++) {
            assertTrue(lines.get(i).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO dev\\.fcnet\\.daemon: #1 Add tap" + i + ": OK"),
                    lines.get(i));
        }
        // After close, lines are written at once.
        log.log(Level.WARNING, "late");
        assertTrue(bytes.toString(StandardCharsets.UTF_8).stripTrailing().endsWith("WARNING dev.fcnet.daemon: late"));
    }

    @Test
    void aStuckStreamNeverBlocksTheCallerAndDroppedLinesAreCounted() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStream stuck = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (bytes) {
                    bytes.write(b, off, len);
                }
            }
        };
        ConsoleLogger log = ConsoleLogger.queued("dev.fcnet.daemon", Level.INFO, new PrintStream(stuck, true, StandardCharsets.UTF_8), 2);
        log.log(Level.INFO, "line 0");
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the writer took the first line");
        long start = System.nanoTime();
        for (int i = 1; i < 8; i++) log.log(Level.INFO, "line " + i); // 1 and 2 queued, 3 to 7 dropped
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "log() did not wait for the stream");
        assertEquals(5, log.dropped());
        release.countDown();
        log.close();
        String text;
        synchronized (bytes) {
            text = bytes.toString(StandardCharsets.UTF_8);
        }
        for (int i = 0; i < 3; i++) assertTrue(text.contains("INFO dev.fcnet.daemon: line " + i + System.lineSeparator()), text);
        for (int i = 3; i < 8; i++) assertFalse(text.contains("line " + i + System.lineSeparator()), text);
        assertTrue(text.contains("WARNING dev.fcnet.daemon: 5 log line(s) dropped: the log could not keep up"), text);
        assertEquals(0, log.dropped());
    }
}
