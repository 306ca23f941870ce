package dev.fcnet.daemon;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps what the daemon logs as {@code LEVEL message} lines, for assertions. */
final class RecordingLogger implements System.Logger {
    final List<String> lines = new CopyOnWriteArrayList<>();

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
        lines.add(level + " " + msg + (thrown == null ? "" : " " + thrown));
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        lines.add(level + " " + (params == null || params.length == 0 ? format : MessageFormat.format(format, params)));
    }

    /** The lines at INFO and above: the ones an operator sees. */
    List<String> visible() {
        return lines.stream().filter(l -> !l.startsWith("DEBUG") && !l.startsWith("TRACE")).toList();
    }
}
