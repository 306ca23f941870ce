package dev.fcnet.netns;

import static dev.fcnet.sys.NamespaceConstants.CLONE_NEWNET;

import dev.fcnet.sys.Fd;
import dev.fcnet.sys.OpenFlags;
import dev.fcnet.sys.SysException;
import dev.fcnet.sys.Syscalls;
import java.lang.foreign.Arena;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The only threads that change network namespace: pooled platform daemon threads that run one
 * task at a time and always return to the process's namespace afterwards. A worker that cannot
 * return ends (its thread exits) instead of running the next task in the wrong namespace. Callers'
 * threads, virtual or not, never change namespace.
 */
final class NetnsThreads {
    private NetnsThreads() {}

    /** Where workers return to: the network namespace of the process (its thread group leader). */
    private static final Fd HOME;
    private static final ThreadPoolExecutor POOL;

    static {
        try (Arena arena = Arena.ofConfined()) {
            HOME = new Fd(Syscalls.open(arena, "/proc/self/ns/net", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0));
        }
        // The failure of a retired worker was already handed to its caller.
        Thread.UncaughtExceptionHandler quiet = (t, e) -> { };
        POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Thread.ofPlatform().daemon().name("fcnet-netns-", 1).uncaughtExceptionHandler(quiet).factory());
    }

    /**
     * Runs {@code task} on a worker and waits for it (uninterruptibly: the task may be creating
     * kernel objects, which must not be left behind by a caller that gave up; the interrupt is
     * kept). The task may change the worker's network namespace freely.
     */
    static <T, X extends Exception> T run(NetnsTask<T, X> task) throws X {
        Job<T> job = new Job<>(task);
        POOL.execute(job);
        boolean interrupted = false;
        while (true) {
            try {
                job.done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (job.failure == null) return job.result;
        if (job.failure instanceof RuntimeException r) throw r;
        if (job.failure instanceof Error e) throw e;
        @SuppressWarnings("unchecked")
        X x = (X) job.failure; // a task throws only X or unchecked exceptions
        throw x;
    }

    private static final class Job<T> implements Runnable {
        private final NetnsTask<T, ?> task;
        private final CountDownLatch done = new CountDownLatch(1);
        private T result;
        private Throwable failure;

        Job(NetnsTask<T, ?> task) {
            this.task = task;
        }

        @Override
        public void run() {
            try {
                result = task.run();
            } catch (Throwable t) {
                failure = t;
            }
            SysException stranded = returnHome();
            if (stranded != null) {
                IllegalStateException e = new IllegalStateException(
                        "netns worker cannot return to the process's network namespace", stranded);
                if (failure != null) e.addSuppressed(failure);
                failure = e;
                if (result instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception closing) {
                        e.addSuppressed(closing);
                    }
                }
                result = null;
            }
            done.countDown();
            if (stranded != null) throw new Retire(); // ends this worker's thread
        }

        private static SysException returnHome() {
            try (Arena arena = Arena.ofConfined()) {
                Syscalls.setns(arena, HOME.get(), CLONE_NEWNET);
                return null;
            } catch (SysException e) {
                return e;
            }
        }
    }

    /** Thrown out of a worker to make the pool discard its thread. */
    private static final class Retire extends Error {
        private static final long serialVersionUID = 1L;

        Retire() {
            super(null, null, false, false);
        }
    }
}
