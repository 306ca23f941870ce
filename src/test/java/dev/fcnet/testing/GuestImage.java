package dev.fcnet.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The guest of the end-to-end tests: Debian's cloud kernel plus an initramfs (cpio newc, gzip)
 * holding static busybox, the kernel's virtio network modules (decompressed, since busybox
 * insmod may not read .ko.xz/.ko.zst) and the /init of src/test/resources/e2e/init. Built once
 * per test JVM into a temporary folder (about 0.2 s).
 */
public record GuestImage(String kernelVersion, Path kernel, Path initramfs, Path busybox) {
    static final String PACKAGES = "qemu-system-x86 linux-image-cloud-amd64 busybox-static";
    static final String QEMU = "qemu-system-x86_64";
    /** virtio_pci drives the PCI transport, virtio_net the NIC; their dependencies come from modules.dep. */
    private static final List<String> ROOT_MODULES = List.of("virtio_pci", "virtio_net");

    private static final Object LOCK = new Object();
    private static GuestImage built;

    /** Null when end-to-end tests can run, else the one-line reason they are skipped. */
    public static String skipReason() {
        String missing = Stream.of(
                        findOnPath(QEMU).isEmpty() ? "no " + QEMU + " on PATH" : null,
                        findOnPath("nsenter").isEmpty() ? "no nsenter on PATH" : null,
                        newestCloudKernel().isEmpty() ? "no /boot/vmlinuz-*-cloud-amd64 with /lib/modules" : null,
                        staticBusybox().isEmpty() ? "no static busybox in /bin or /usr/bin" : null)
                .filter(s -> s != null)
                .collect(Collectors.joining(", "));
        return missing.isEmpty() ? null : "skipped: end-to-end tests need Debian packages " + PACKAGES + " (" + missing + ")";
    }

    /** The image for this JVM, built on first use; skips the calling test when the packages are missing. */
    public static GuestImage get() {
        String reason = skipReason();
        assumeTrue(reason == null, reason);
        synchronized (LOCK) {
            if (built == null) built = build();
            return built;
        }
    }

    private static GuestImage build() {
        String version = newestCloudKernel().orElseThrow();
        Path busybox = staticBusybox().orElseThrow();
        try {
            Path dir = Files.createTempDirectory("fcnet-e2e-");
            dir.toFile().deleteOnExit(); // registered first, so deleted after the image in it
            Path image = dir.resolve("initramfs-" + version + ".cpio.gz");
            try (OutputStream out = Files.newOutputStream(image); Cpio cpio = new Cpio(new GZIPOutputStream(out, 1 << 16))) {
                for (String d : List.of("bin", "dev", "proc", "sys", "tmp", "fcnet", "fcnet/modules")) cpio.directory(d);
                cpio.charDevice("dev/console", 0600, 5, 1); // the kernel opens it for init's stdio before devtmpfs is up
                cpio.file("bin/busybox", 0755, Files.readAllBytes(busybox));
                cpio.symlink("bin/sh", "busybox");
                cpio.file("init", 0755, resource("init"));
                cpio.file("fcnet/reply.sh", 0644, resource("reply.sh"));
                StringBuilder order = new StringBuilder();
                for (Path module : modulesToLoad(version)) {
                    String name = module.getFileName().toString();
                    String ko = name.substring(0, name.indexOf(".ko")) + ".ko";
                    cpio.file("fcnet/modules/" + ko, 0644, decompress(module));
                    order.append(ko).append('\n');
                }
                cpio.file("fcnet/modules.order", 0644, order.toString().getBytes(StandardCharsets.UTF_8));
            }
            image.toFile().deleteOnExit();
            return new GuestImage(version, Path.of("/boot/vmlinuz-" + version), image, busybox);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the guest initramfs", e);
        }
    }

    /** The text of src/test/resources/e2e/NAME. */
    static byte[] resource(String name) {
        try (InputStream in = GuestImage.class.getResourceAsStream("/e2e/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource e2e/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The module files to insmod, dependencies first. modules.dep lists each module's whole
     * dependency closure with the first-to-load last (modprobe walks it backwards); a module
     * listed in modules.builtin needs nothing.
     */
    static List<Path> modulesToLoad(String version) throws IOException {
        Path base = Path.of("/lib/modules", version);
        Map<String, String> line = new HashMap<>();
        for (String l : Files.readAllLines(base.resolve("modules.dep"))) {
            int colon = l.indexOf(':');
            line.put(moduleName(l.substring(0, colon)), l);
        }
        Set<String> builtin = Files.readAllLines(base.resolve("modules.builtin")).stream()
                .map(GuestImage::moduleName).collect(Collectors.toSet());
        SequencedSet<String> paths = new LinkedHashSet<>();
        for (String root : ROOT_MODULES) {
            String l = line.get(root);
            if (l == null) {
                if (!builtin.contains(root)) throw new IllegalStateException(root + " is neither in modules.dep nor built into " + version);
                continue;
            }
            int colon = l.indexOf(':');
            List<String> deps = Arrays.asList(l.substring(colon + 1).trim().split("\\s+"));
            for (String dep : deps.reversed()) if (!dep.isEmpty()) paths.add(dep);
            paths.add(l.substring(0, colon));
        }
        return paths.stream().map(base::resolve).toList();
    }

    /** "kernel/drivers/net/virtio_net.ko.xz" → "virtio_net" (the kernel treats - and _ alike). */
    static String moduleName(String path) {
        String file = path.substring(path.lastIndexOf('/') + 1);
        return file.substring(0, file.indexOf(".ko")).replace('-', '_');
    }

    private static byte[] decompress(Path module) throws IOException {
        String name = module.getFileName().toString();
        if (name.endsWith(".ko")) return Files.readAllBytes(module);
        if (name.endsWith(".ko.gz")) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(module))) {
                return in.readAllBytes();
            }
        }
        if (name.endsWith(".ko.xz")) return decompressWith(module, "xz");
        if (name.endsWith(".ko.zst")) return decompressWith(module, "zstd");
        throw new IllegalStateException("unknown module compression: " + module);
    }

    private static byte[] decompressWith(Path module, String tool) throws IOException {
        Process p = new ProcessBuilder(tool, "-dc", module.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(tool + " -dc " + module + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return out;
    }

    /** The newest installed cloud kernel that has its modules. */
    static Optional<String> newestCloudKernel() {
        try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
            return boot.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("vmlinuz-") && n.endsWith("-cloud-amd64"))
                    .map(n -> n.substring("vmlinuz-".length()))
                    .filter(v -> Files.isRegularFile(Path.of("/lib/modules", v, "modules.dep")))
                    .max(Comparator.comparing(GuestImage::versionNumbers, Arrays::compare));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** "6.1.0-56-cloud-amd64" → [6, 1, 0, 56]: compares kernel versions numerically. */
    private static int[] versionNumbers(String version) {
        return Arrays.stream(version.split("\\D+")).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    static Optional<Path> findOnPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        return Arrays.stream(path.split(":")).map(d -> Path.of(d, command)).filter(Files::isExecutable).findFirst();
    }

    /** busybox-static's binary: the guest has no libc, so a dynamically linked busybox would not start. */
    private static Optional<Path> staticBusybox() {
        return Stream.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"))
                .filter(Files::isExecutable).filter(GuestImage::isStaticElf).findFirst();
    }

    /** An ELF64 file without a PT_INTERP program header needs no dynamic loader. */
    private static boolean isStaticElf(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            ByteBuffer b = ByteBuffer.wrap(in.readNBytes(1 << 16)).order(ByteOrder.LITTLE_ENDIAN);
            if (b.limit() < 64 || b.getInt(0) != 0x464c457f || b.get(4) != 2) return false;
            long phoff = b.getLong(0x20);
            int size = Short.toUnsignedInt(b.getShort(0x36)), count = Short.toUnsignedInt(b.getShort(0x38));
            for (int i = 0; i < count; i++) {
                long at = phoff + (long) i * size;
                if (at + 4 > b.limit()) return false;
                if (b.getInt((int) at) == 3) return false; // PT_INTERP
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A cpio archive in the "newc" format the kernel unpacks into its rootfs (all entries owned by root). */
    private static final class Cpio implements AutoCloseable {
        private final OutputStream out;
        private int inode = 1;

        Cpio(OutputStream out) {
            this.out = out;
        }

        void directory(String name) throws IOException {
            entry(name, 0040755, 0, 0, new byte[0]);
        }

        void file(String name, int mode, byte[] data) throws IOException {
            entry(name, 0100000 | mode, 0, 0, data);
        }

        void symlink(String name, String target) throws IOException {
            entry(name, 0120777, 0, 0, target.getBytes(StandardCharsets.UTF_8));
        }

        void charDevice(String name, int mode, int major, int minor) throws IOException {
            entry(name, 0020000 | mode, major, minor, new byte[0]);
        }

        private void entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) throws IOException {
            byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
            String header = String.format("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                    inode++, mode, 0, 0, 1, 0, data.length, 0, 0, rdevMajor, rdevMinor, n.length, 0);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(header.getBytes(StandardCharsets.US_ASCII));
            b.write(n);
            while (b.size() % 4 != 0) b.write(0);
            out.write(b.toByteArray());
            out.write(data);
            out.write(new byte[(4 - data.length % 4) % 4]);
        }

        @Override
        public void close() throws IOException {
            entry("TRAILER!!!", 0, 0, 0, new byte[0]);
            out.close();
        }
    }
}
