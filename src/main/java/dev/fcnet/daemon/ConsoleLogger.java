package dev.fcnet.daemon;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ResourceBundle;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's log: one line per record on stderr ({@code 2025-01-31 12:00:00.000 INFO
 * dev.fcnet.daemon: #3 Add tap0: OK}), records below the {@code --log-level} dropped. Its own
 * rather than the JDK's default, whose java.util.logging backend prints two lines per record and
 * takes its level from a configuration file.
 *
 * <p>{@link #queued} makes one that keeps writing off the caller's thread (fcnetd's: a request's
 * line never waits for stderr): lines, stamped when logged, go into a bounded queue that a writer
 * thread empties; when it is full a line is dropped and counted, and the writer says how many
 * were dropped before its next line. {@link #close()} writes what is queued and ends the writer;
 * lines logged after it are written at once.
 */
final class ConsoleLogger implements System.Logger, AutoCloseable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    /** fcnetd's queue: lines waiting for stderr. */
    static final int QUEUE = 4096;
    /** The longest {@link #close()} waits for the writer. */
    private static final long CLOSE_MILLIS = 5_000;
    private static final String STOP = new String("stop");

    private final String name;
    private final Level threshold;
    private final PrintStream out;
    /** Null: lines are written by the caller's thread. */
    private final BlockingQueue<String> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    ConsoleLogger(String name, Level threshold, PrintStream out) {
        this(name, threshold, out, 0);
    }

    private ConsoleLogger(String name, Level threshold, PrintStream out, int capacity) {
        this.name = name;
        this.threshold = threshold;
        this.out = out;
        this.queue = capacity > 0 ? new ArrayBlockingQueue<>(capacity) : null;
        this.writer = capacity > 0 ? Thread.ofPlatform().daemon().name("fcnetd-log").start(this::writeQueued) : null;
    }

    /** A logger that writes on a thread of its own, through a queue of {@code capacity} lines. */
    static ConsoleLogger queued(String name, Level threshold, PrintStream out, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity " + capacity);
        return new ConsoleLogger(name, threshold, out, capacity);
    }

    /** How many lines were dropped (the queue was full) and not yet reported. */
    long dropped() {
        return dropped.get();
    }

    private void writeQueued() {
        try {
            for (String line; (line = queue.take()) != STOP; ) {
                reportDropped();
                out.println(line);
            }
        } catch (InterruptedException e) {
            // close() gave up waiting; what is left is written there
        }
        reportDropped();
    }

    private void reportDropped() {
        long n = dropped.getAndSet(0);
        if (n > 0) {
            out.println(TIME.format(LocalDateTime.now()) + " " + Level.WARNING.getName() + " " + name + ": "
                    + n + " log line(s) dropped: the log could not keep up");
        }
    }

    /** Writes the queued lines and ends the writer (waiting for it at most a few seconds); idempotent. */
    @Override
    public void close() {
        if (queue == null || closed) return;
        closed = true;
        try {
            if (!queue.offer(STOP, CLOSE_MILLIS, TimeUnit.MILLISECONDS)) writer.interrupt();
            writer.join(CLOSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.flush();
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isLoggable(Level level) {
        return level != Level.OFF && level.getSeverity() >= threshold.getSeverity();
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        if (!isLoggable(level)) return;
        String line = TIME.format(LocalDateTime.now()) + " " + level.getName() + " " + name + ": " + msg;
        if (thrown != null) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            line += System.lineSeparator() + trace.toString().stripTrailing();
        }
        if (queue == null || closed) {
            out.println(line);
        } else if (!queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        if (!isLoggable(level)) return;
        log(level, bundle, params == null || params.length == 0 ? format : MessageFormat.format(format, params),
                (Throwable) null);
    }
}
