package dev.fcnet.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU microVM attached to a persistent tap: the real VMM of the end-to-end tests. It runs
 * inside the given network namespace (so the tap is looked up there), boots the
 * {@link GuestImage} under TCG (KVM is not usable on nested test machines), and its /init
 * applies the {@code ip=} boot argument to eth0. Commands run in the guest over the serial
 * console (protocol in src/test/resources/e2e/init), one at a time; every wait is bounded.
 * {@link #close} always kills the VM.
 *
 * <pre>{@code
 * try (QemuGuest guest = QemuGuest.start(ns.path(), "tap0", network.guestIpBootArg("eth0"))) {
 *     assertTrue(guest.ping("10.99.0.2").ok(), guest.console());
 *     assertEquals("peer 10.99.0.1", guest.tcp("10.99.0.2", 8080).output());
 * }
 * }</pre>
 */
public final class QemuGuest implements AutoCloseable {
    private static final long BOOT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long COMMAND_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** The guest's tty reads lines of at most 4095 bytes (canonical mode); keep well below. */
    private static final int MAX_ENCODED_SCRIPT = 3000;
    public static final String GUEST_MAC = "06:00:ac:10:00:02";

    /** What a guest command printed (stdout and stderr, lines joined by \n) and its exit status. */
    public record Result(int exit, String output) {
        public boolean ok() {
            return exit == 0;
        }
    }

    private final Process process;
    private final OutputStream console;
    private final StringBuilder log = new StringBuilder();
    private final Object commandLock = new Object();
    // Guarded by this; set by the reader thread.
    private boolean ready, exited;
    private String bootFailure;
    private int commandId;
    private final List<String> output = new ArrayList<>();
    private Integer commandExit;

    private QemuGuest(Process process) {
        this.process = process;
        this.console = process.getOutputStream();
        Thread reader = new Thread(this::readConsole, "qemu-console-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts a guest inside NETNS (e.g. /run/netns/NAME) on the existing persistent TAP, booted
     * with IP_BOOT_ARG (e.g. {@code ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off}) as
     * the kernel command line's network part. Returns at once; the first command waits for the
     * boot (about 3 s), so several guests boot in parallel. Skips the test when QEMU, the kernel
     * or busybox is missing.
     */
    public static QemuGuest start(Path netns, String tap, String ipBootArg) {
        if (!ipBootArg.startsWith("ip=")) throw new IllegalArgumentException("not an ip= boot argument: " + ipBootArg);
        GuestImage image = GuestImage.get();
        return new QemuGuest(Nsenter.start(netns, GuestImage.QEMU,
                "-M", "pc", "-accel", "tcg", "-m", "256", "-smp", "1",
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-chardev", "stdio,id=console,signal=off", "-serial", "chardev:console",
                "-kernel", image.kernel().toString(), "-initrd", image.initramfs().toString(),
                "-append", "console=ttyS0 " + ipBootArg + " panic=-1 quiet",
                "-netdev", "tap,id=net0,ifname=" + tap + ",script=no,downscript=no",
                // romfile= : no PXE option ROM, so the ipxe-qemu package is not needed.
                "-device", "virtio-net-pci,netdev=net0,mac=" + GUEST_MAC + ",romfile="));
    }

    /** Waits until the guest's network is configured; fails with the console log if it does not boot. */
    public synchronized void awaitReady() {
        long deadline = System.nanoTime() + BOOT_TIMEOUT_NANOS;
        while (!ready) {
            if (bootFailure != null) throw new AssertionError("guest boot failed: " + bootFailure + "\n" + log);
            if (exited) throw new AssertionError("QEMU exited before the guest was ready (exit " + process.exitValue() + "):\n" + log);
            waitUntil(deadline, "the guest to boot");
        }
    }

    /** Runs a shell script (busybox sh) in the guest, stdin /dev/null, and returns what it printed and its status. */
    public Result exec(String script) {
        String encoded = Base64.getEncoder().encodeToString(script.getBytes(StandardCharsets.UTF_8));
        if (encoded.length() > MAX_ENCODED_SCRIPT) throw new IllegalArgumentException("guest script too long: " + script.length() + " bytes");
        synchronized (commandLock) {
            awaitReady();
            int id;
            synchronized (this) {
                id = ++commandId;
                output.clear();
                commandExit = null;
            }
            try {
                console.write(("FCNET-CMD " + id + " " + encoded + "\n").getBytes(StandardCharsets.US_ASCII));
                console.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write to the guest console:\n" + console(), e);
            }
            synchronized (this) {
                long deadline = System.nanoTime() + COMMAND_TIMEOUT_NANOS;
                while (commandExit == null) {
                    if (exited) throw new AssertionError("QEMU exited while running " + script + ":\n" + log);
                    waitUntil(deadline, "the guest to run " + script);
                }
                return new Result(commandExit, String.join("\n", output));
            }
        }
    }

    /** One ICMP echo from the guest to ADDRESS, waiting up to 3 s for the reply. */
    public Result ping(String address) {
        return exec("ping -c 1 -W 3 " + address);
    }

    /**
     * Opens a TCP connection from the guest to ADDRESS:PORT (5 s connect timeout), sends nothing
     * and returns what the server answered; an {@link InternetPeer} answers "peer CLIENT-ADDRESS".
     */
    public Result tcp(String address, int port) {
        return exec("nc -w 5 " + address + " " + port);
    }

    /**
     * Starts a TCP server in the guest on PORT (all addresses, v4 and v6) that answers each
     * connection with "TAG CLIENT-ADDRESS" — the source address the guest saw — and closes it.
     * Returns once the port is listening. Query it with {@link Nsenter#tcp}.
     */
    public void serve(int port, String tag) {
        if (!tag.matches("[A-Za-z0-9_.-]+")) throw new IllegalArgumentException("tag must be a plain word: " + tag);
        Result r = exec("nc -ll -p " + port + " -e sh /fcnet/reply.sh " + tag + " >/dev/null 2>&1 &\n"
                + "for i in $(seq 50); do netstat -ltn | grep -q ':" + port + " ' && exit 0; usleep 100000; done\n"
                + "echo 'port " + port + " not listening after 5 s'; exit 1");
        if (!r.ok()) throw new AssertionError("guest server on port " + port + " did not start: " + r.output());
    }

    /** Everything QEMU and the guest printed so far (serial console and QEMU's stderr). */
    public synchronized String console() {
        return log.toString();
    }

    /** Kills QEMU and waits until it is gone, which frees the tap. */
    @Override
    public void close() {
        Nsenter.stop(process);
    }

    private void readConsole() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                // The guest's tty turns \n into \r\n.
                if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
                synchronized (this) {
                    log.append(line).append('\n');
                    onLine(line);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                log.append("[console read failed: ").append(e).append("]\n");
            }
        } finally {
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (this) {
                exited = true;
                notifyAll();
            }
        }
    }

    /** Applies one console line of the protocol; other lines (kernel, QEMU) are only logged. Holds this. */
    private void onLine(String line) {
        if (line.startsWith("FCNET-READY")) {
            ready = true;
        } else if (line.startsWith("FCNET-BOOT-FAIL ")) {
            bootFailure = line.substring("FCNET-BOOT-FAIL ".length());
        } else if (line.startsWith("FCNET-OUT ") || line.startsWith("FCNET-END ")) {
            String[] f = line.split(" ", 3);
            if (f.length < 3 || !f[1].equals(Integer.toString(commandId))) return;
            if (f[0].equals("FCNET-OUT")) output.add(f[2]);
            else commandExit = Integer.parseInt(f[2].strip());
        }
    }

    /** Waits on this until notified or the deadline passes; fails the test with the console log on timeout. Holds this. */
    private void waitUntil(long deadline, String what) {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new AssertionError("timed out waiting for " + what + "; console:\n" + log);
        try {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }
}
