package dev.fcnet.daemon;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.text.MessageFormat;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ResourceBundle;

/**
 * The daemon's log: one line per record on stderr ({@code 2025-01-31 12:00:00.000 INFO
 * dev.fcnet.daemon: #3 Add tap0: OK}), records below the {@code --log-level} dropped. Its own
 * rather than the JDK's default, whose java.util.logging backend prints two lines per record and
 * takes its level from a configuration file.
 */
final class ConsoleLogger implements System.Logger {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private final String name;
    private final Level threshold;
    private final PrintStream out;

    ConsoleLogger(String name, Level threshold, PrintStream out) {
        this.name = name;
        this.threshold = threshold;
        this.out = out;
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
        out.println(line);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        if (!isLoggable(level)) return;
        log(level, bundle, params == null || params.length == 0 ? format : MessageFormat.format(format, params),
                (Throwable) null);
    }
}
