package dev.fcnet.daemon;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * Keeps what the daemon logs as {@code LEVEL message} lines, for assertions: in {@link #lines}
 * without the requests' durations ({@code OK in 1.234 ms} reads {@code OK}), which vary, and as
 * logged in {@link #raw}.
 */
final class RecordingLogger implements System.Logger {
    private static final Pattern DURATION = Pattern.compile(" in [0-9]+\\.[0-9]{3} ms");

    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<String> raw = new CopyOnWriteArrayList<>();

    private void add(String line) {
        raw.add(line);
        lines.add(DURATION.matcher(line).replaceFirst(""));
    }

    @Override
    public String getName() {
        return "test";
    }

    @Override
    public boolean isLoggable(Level level) {
        return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        add(level + " " + msg + (thrown == null ? "" : " " + thrown));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        add(level + " " + (params == null || params.length == 0 ? format : MessageFormat.format(format, params)));
    }

    /** The lines at INFO and above: the ones an operator sees. */
    List<String> visible() {
        return lines.stream().filter(l -> !l.startsWith("DEBUG") && !l.startsWith("TRACE")).toList();
    }
}
