package dev.fcnet.sys;

import java.lang.foreign.Arena;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An owned file descriptor. {@link #close()} closes it once; later closes do nothing, so an fd
 * number the kernel has since reused for something else is never closed by mistake.
 */
public final class Fd implements AutoCloseable {
    private final AtomicInteger fd;

    public Fd(int fd) {
        if (fd < 0) throw new IllegalArgumentException("invalid fd " + fd);
        this.fd = new AtomicInteger(fd);
    }

    /** The fd number; IllegalStateException once closed. */
    public int get() {
        int v = fd.get();
        if (v < 0) throw new IllegalStateException("file descriptor is closed");
        return v;
    }

    public boolean isOpen() {
        return fd.get() >= 0;
    }

    @Override
    public void close() {
        int v = fd.getAndSet(-1);
        if (v < 0) return;
        try (Arena arena = Arena.ofConfined()) {
            Syscalls.close(arena, v);
        }
    }

    @Override
    public String toString() {
        int v = fd.get();
        return v < 0 ? "fd(closed)" : "fd " + v;
    }
}
