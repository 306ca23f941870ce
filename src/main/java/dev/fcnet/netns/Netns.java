package dev.fcnet.netns;

import static dev.fcnet.sys.NamespaceConstants.CLONE_NEWNET;
import static dev.fcnet.sys.NamespaceConstants.MNT_DETACH;
import static dev.fcnet.sys.NamespaceConstants.MS_BIND;
import static dev.fcnet.sys.NamespaceConstants.MS_REC;
import static dev.fcnet.sys.NamespaceConstants.MS_SHARED;
import static dev.fcnet.sys.OpenFlags.O_CLOEXEC;
import static dev.fcnet.sys.OpenFlags.O_CREAT;
import static dev.fcnet.sys.OpenFlags.O_EXCL;
import static dev.fcnet.sys.OpenFlags.O_RDONLY;

import dev.fcnet.sys.Errno;
import dev.fcnet.sys.Fd;
import dev.fcnet.sys.Names;
import dev.fcnet.sys.SysException;
import dev.fcnet.sys.Syscalls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * An open handle on a network namespace, and the named namespaces under /run/netns made exactly
 * as iproute2's {@code ip netns add} makes them, so {@code ip netns list} and
 * {@code ip netns exec} see ours and we open theirs.
 *
 * <p>Work that must happen inside a namespace (opening NETLINK_ROUTE / NETLINK_NETFILTER
 * sockets or /dev/net/tun, writing /proc/sys/net) goes through {@link #call}, which runs it on a
 * dedicated platform thread that entered the namespace; the caller's thread never changes
 * namespace. Sockets and fds opened there stay bound to the namespace and are then usable from
 * any thread.
 */
public final class Netns implements AutoCloseable {
    /** Where iproute2 keeps named network namespaces. */
    public static final Path RUN_DIR = Path.of("/run/netns");

    /** Set once, by {@link #mountAs}, for a namespace created anonymous. */
    private volatile Optional<String> name;
    /** What to call it while it has no name: {@code host netns}, or {@code anonymous netns}. */
    private final String unnamed;
    private final Fd fd;

    private Netns(Optional<String> name, String unnamed, Fd fd) {
        this.name = name;
        this.unnamed = unnamed;
        this.fd = fd;
    }

    /**
     * Creates the named namespace like {@code ip netns add NAME}: {@link #createAnonymous} then
     * {@link #mountAs}. Returns an open handle on it.
     *
     * @throws SysException "netns add NAME: File exists (EEXIST)" when it exists, or naming the failed step
     */
    public static Netns create(String name) {
        validateName(name);
        Netns netns = createAnonymous();
        try {
            netns.mountAs(name);
            return netns;
        } catch (RuntimeException | Error e) {
            netns.close();
            throw e;
        }
    }

    /**
     * Creates a network namespace that nothing but the returned handle holds: unshared on a
     * dedicated thread, which keeps an fd on it and returns home. It has no name (and
     * {@code ip netns} does not see it) until {@link #mountAs}; until then closing the handle,
     * or the death of the process, destroys it with everything in it (for a veth pair with one
     * end in it: both ends).
     */
    public static Netns createAnonymous() {
        Fd fd = NetnsThreads.run(() -> {
            try (Arena arena = Arena.ofConfined()) {
                Syscalls.unshare(arena, CLONE_NEWNET);
                // Only this thread is in the new namespace: its own nsfs file, not /proc/self's.
                return new Fd(Syscalls.open(arena, "/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC, 0));
            }
        });
        return new Netns(Optional.empty(), "anonymous netns", fd);
    }

    /**
     * Names this anonymous namespace as iproute2 names a new one: /run/netns made a shared mount
     * (bind-mounted onto itself first if it is not a mount point), an empty file
     * /run/netns/NAME created, and the namespace's nsfs file bind-mounted onto it. The empty
     * file exists just before the mount (a process killed between the two leaves it, as an
     * interrupted {@code ip netns add} does); it is removed again when the mount fails.
     *
     * @throws SysException "netns add NAME: File exists (EEXIST)" when the name is taken
     * @throws IllegalStateException when this namespace has a name already
     */
    public void mountAs(String name) {
        validateName(name);
        if (this.name.isPresent()) throw new IllegalStateException(this + " is named already");
        Path file = RUN_DIR.resolve(name);
        try (Arena arena = Arena.ofConfined()) {
            makeRunDirShared(arena);
            int created;
            try {
                created = Syscalls.open(arena, file.toString(), O_RDONLY | O_CREAT | O_EXCL, 0);
            } catch (SysException e) {
                throw new SysException("netns add " + name, e.errno());
            }
            Syscalls.close(arena, created);
            try {
                // The fd's magic link resolves to the namespace's nsfs file, as /proc/PID/ns/net does.
                Syscalls.mount(arena, "/proc/self/fd/" + fd.get(), file.toString(), "none", MS_BIND, null);
            } catch (RuntimeException | Error e) {
                try {
                    Files.delete(file);
                } catch (IOException | RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
        }
        this.name = Optional.of(name);
    }

    /**
     * Moves this named namespace to another name: unmounts the old name, then mounts the new one,
     * so that in between only this handle holds it (a process that dies there takes the
     * namespace and everything in it along, rather than leaving it under either name). When
     * the new name cannot be mounted, the namespace stays unnamed.
     *
     * @throws SysException "netns add NAME: File exists (EEXIST)" when the new name is taken
     * @throws IllegalStateException when this namespace has no name
     */
    public void rename(String newName) {
        validateName(newName);
        unname();
        mountAs(newName);
    }

    /**
     * Unmounts this named namespace's name, as {@link #delete} does: afterwards only this handle
     * (and whatever else holds the namespace) keeps it, and {@link #mountAs} may name it again.
     *
     * @throws IllegalStateException when this namespace has no name
     */
    public void unname() {
        delete(name.orElseThrow(() -> new IllegalStateException(this + " has no name")));
        name = Optional.empty();
    }

    /**
     * Whether this process has made /run/netns a shared mount. Once is enough: redoing it for
     * every namespace, as each {@code ip netns add} process must, walks every namespace's mount
     * under it, so time per namespace would grow with their number.
     */
    private static volatile boolean runDirShared;

    /** iproute2's sequence: make /run/netns a shared mount, first turning it into a mount point if needed. */
    private static void makeRunDirShared(Arena arena) {
        if (runDirShared) return;
        try {
            Files.createDirectory(RUN_DIR, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        } catch (FileAlreadyExistsException e) {
            // as expected after the first namespace
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + RUN_DIR, e);
        }
        String dir = RUN_DIR.toString();
        try {
            Syscalls.mount(arena, "", dir, "none", MS_SHARED | MS_REC, null);
        } catch (SysException e) {
            if (e.errno() != Errno.EINVAL) throw e; // EINVAL: not a mount point yet
            Syscalls.mount(arena, dir, dir, "none", MS_BIND | MS_REC, null);
            Syscalls.mount(arena, "", dir, "none", MS_SHARED | MS_REC, null);
        }
        runDirShared = true;
    }

    /**
     * Opens /run/netns/NAME (made by us or by {@code ip netns add}).
     *
     * @throws SysException "open /run/netns/NAME: No such file or directory (ENOENT)" when missing,
     *         EINVAL when the file is not a network namespace
     */
    public static Netns open(String name) {
        validateName(name);
        return openPath(RUN_DIR.resolve(name).toString(), Optional.of(name));
    }

    /**
     * Opens the network namespace bound at {@code path}, e.g. {@code /run/netns/NAME} or
     * {@code /proc/PID/ns/net}. Its {@link #name()} is the file name when the file is directly in
     * {@link #RUN_DIR}, else empty.
     *
     * @throws SysException ENOENT when missing, EINVAL when the file is not a network namespace
     */
    public static Netns open(Path path) {
        Path parent = path.toAbsolutePath().normalize().getParent();
        Optional<String> name = RUN_DIR.equals(parent) ? Optional.of(path.getFileName().toString()) : Optional.empty();
        return openPath(path.toString(), name);
    }

    /**
     * Opens the network namespace this process runs in (that of its main thread,
     * /proc/self/ns/net), e.g. to move a link back to it by fd.
     */
    public static Netns host() {
        return openPath("/proc/self/ns/net", Optional.empty());
    }

    private static Netns openPath(String path, Optional<String> name) {
        try (Arena arena = Arena.ofConfined()) {
            Fd fd = new Fd(Syscalls.open(arena, path, O_RDONLY | O_CLOEXEC, 0));
            try {
                int type = Syscalls.ioctl(arena, fd.get(), NetnsConstants.NS_GET_NSTYPE, 0L, "NS_GET_NSTYPE " + path);
                if (type != CLONE_NEWNET) throw new SysException(path + " is not a network namespace", Errno.EINVAL);
            } catch (SysException e) {
                fd.close();
                // ENOTTY: a plain file, e.g. one left by an interrupted ip netns add.
                throw e.errno() == Errno.ENOTTY ? new SysException(path + " is not a network namespace", Errno.EINVAL) : e;
            }
            return new Netns(name, "host netns", fd);
        }
    }

    /**
     * Deletes the named namespace like {@code ip netns delete NAME}: detaches the bind mount and
     * removes the file. The namespace itself goes away with its last user (open fds, sockets,
     * processes).
     *
     * @throws SysException "netns delete NAME: No such file or directory (ENOENT)" when it does not exist
     */
    public static void delete(String name) {
        validateName(name);
        Path file = RUN_DIR.resolve(name);
        try (Arena arena = Arena.ofConfined()) {
            Syscalls.umount2(arena, file.toString(), MNT_DETACH);
        } catch (SysException e) {
            // Like iproute2: a file that is not mounted is still removed.
        }
        try {
            Files.delete(file);
        } catch (NoSuchFileException e) {
            throw new SysException("netns delete " + name, Errno.ENOENT);
        } catch (IOException e) {
            throw new UncheckedIOException("netns delete " + name, e);
        }
    }

    /** True when /run/netns/NAME exists (what {@code ip netns list} lists). */
    public static boolean exists(String name) {
        validateName(name);
        return Files.exists(RUN_DIR.resolve(name));
    }

    /**
     * Accepts what can be a file name in /run/netns and reads as one word ({@link Names}).
     *
     * @throws IllegalArgumentException naming what is wrong with the name
     */
    public static void validateName(String name) {
        Names.require(Names.Kind.NETNS, "network namespace name", name);
    }

    /** The name under /run/netns; empty for {@link #host()} and an anonymous namespace. */
    public Optional<String> name() {
        return name;
    }

    /** The namespace fd (for IFLA_NET_NS_FD, VETH_INFO_PEER, setns). IllegalStateException once closed. */
    public int fd() {
        return fd.get();
    }

    /**
     * Runs {@code task} inside this namespace on a dedicated platform thread and returns its
     * result or rethrows its exception; the caller's thread stays where it is. Results such as
     * sockets and fds remain bound to this namespace.
     */
    public <T, X extends Exception> T call(NetnsTask<T, X> task) throws X {
        int target = fd.get();
        return NetnsThreads.run(() -> {
            try (Arena arena = Arena.ofConfined()) {
                Syscalls.setns(arena, target, CLONE_NEWNET);
            } catch (SysException e) {
                throw new SysException("setns " + this, e.errno());
            }
            return task.run();
        });
    }

    /** Closes the fd (idempotent); the namespace itself stays while it is named or used. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return name.map(n -> "netns " + n).orElse(unnamed);
    }
}
