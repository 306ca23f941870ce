package dev.fcnet.daemon;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The daemon's log: one line per record on stderr ({@code 2025-01-31 12:00:00.000 INFO
 * dev.fcnet.daemon: #3 Add tap0: OK}), records below the {@code --log-level} dropped. Its own
 * rather than the JDK's default, whose java.util.logging backend prints two lines per record and
 * takes its level from a configuration file.
 *
 * <p>{@link #queued} makes one that keeps writing off the caller's thread (fcnetd's: a request's
 * line never waits for stderr): records, stamped when logged, go into a bounded queue that a
 * writer thread formats and empties; when it is full a record is dropped and counted, and the
 * writer says how many were dropped before its next lines. The writer takes what has gathered,
 * writes it at once and then lingers ({@link #LINGER}) before it looks again, so that a steady
 * stream of requests wakes it every few milliseconds rather than once per line (each wake-up is
 * a futex call on the request's thread and a thread competing for the CPU). {@link #close()}
 * writes what is queued and ends the writer; lines logged after it are written at once.
 */
final class ConsoleLogger implements System.Logger, AutoCloseable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    /** fcnetd's queue: lines waiting for stderr. */
    static final int QUEUE = 4096;
    /** The longest {@link #close()} waits for the writer. */
    private static final long CLOSE_MILLIS = 5_000;
    /** How long the writer lets lines gather after writing some. */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final Entry STOP = new Entry(0, Level.OFF, "stop", null);

    private final String name;
    private final Level threshold;
    private final PrintStream out;
    /** Null: lines are written by the caller's thread. */
    private final BlockingQueue<Entry> queue;
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

    /** A record as logged: formatted by the writer, off the caller's thread. */
    private record Entry(long millis, Level level, String msg, Throwable thrown) {}

    private void writeQueued() {
        List<Entry> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch);
                reportDropped();
                StringBuilder text = new StringBuilder();
                boolean stop = false;
                for (Entry e : batch) {
                    if (e == STOP) {
                        stop = true;
                        break;
                    }
                    text.append(format(e)).append(System.lineSeparator());
                }
                batch.clear();
                out.print(text);
                out.flush();
                if (stop) break;
                LockSupport.parkNanos(LINGER_NANOS); // close() unparks it
            }
        } catch (InterruptedException e) {
            // close() gave up waiting; what is left is written there
        }
        reportDropped();
    }

    private String format(Entry e) {
        String line = TIME.format(LocalDateTime.ofInstant(Instant.ofEpochMilli(e.millis()), ZoneId.systemDefault())) + " "
                + e.level().getName() + " " + name + ": " + e.msg();
        if (e.thrown() == null) return line;
        StringWriter trace = new StringWriter();
        e.thrown().printStackTrace(new PrintWriter(trace));
        return line + System.lineSeparator() + trace.toString().stripTrailing();
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
            LockSupport.unpark(writer);
            if (!queue.offer(STOP, CLOSE_MILLIS, TimeUnit.MILLISECONDS)) writer.interrupt();
            LockSupport.unpark(writer);
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
        Entry entry = new Entry(System.currentTimeMillis(), level, msg, thrown);
        if (queue == null || closed) {
            out.println(format(entry));
        } else if (!queue.offer(entry)) {
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
