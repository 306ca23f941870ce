package dev.fcnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §1: the library never spawns a process and never loads a JNI library. Proven on the
 * compiled main classes: no class or method reference in their constant pools names
 * ProcessBuilder, Runtime.exec, or System/Runtime.load/loadLibrary.
 */
class NoProcessNoJniTest {
    private static final Set<String> FORBIDDEN_CLASSES = Set.of("java/lang/ProcessBuilder", "java/lang/ProcessImpl");
    private static final Set<String> FORBIDDEN_METHODS = Set.of("java/lang/Runtime.exec", "java/lang/Runtime.load",
            "java/lang/Runtime.loadLibrary", "java/lang/System.load", "java/lang/System.loadLibrary");

    /** The class and method references of a class file's constant pool (JVMS §4.4). */
    static List<String> references(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) throw new IOException("not a class file");
        in.readInt(); // minor, major
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        int[][] memberRef = new int[count][];
        int[][] nameAndType = new int[count][];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNameIndex[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 3, 4 -> in.readInt();
                case 5, 6 -> { in.readLong(); i++; }
                case 9, 10, 11 -> memberRef[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                case 12 -> nameAndType[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                case 15 -> { in.readUnsignedByte(); in.readUnsignedShort(); }
                case 17, 18 -> in.readInt();
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        List<String> refs = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            if (classNameIndex[i] != 0) refs.add(utf8[classNameIndex[i]]);
            if (memberRef[i] != null) {
                String owner = utf8[classNameIndex[memberRef[i][0]]];
                refs.add(owner + "." + utf8[nameAndType[memberRef[i][1]][0]]);
            }
        }
        return refs;
    }

    static List<String> violations(byte[] classFile) throws IOException {
        return references(classFile).stream()
                .filter(r -> FORBIDDEN_CLASSES.contains(r) || FORBIDDEN_METHODS.contains(r)).distinct().toList();
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    @Test
    void mainCodeSpawnsNoProcessAndLoadsNoLibrary() throws IOException, URISyntaxException {
        Path root = Path.of(FirecrackerNetwork.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> bad = new ArrayList<>();
        int classes;
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> all = files.filter(p -> p.toString().endsWith(".class")).toList();
            classes = all.size();
            for (Path p : all) {
                for (String v : violations(Files.readAllBytes(p))) bad.add(root.relativize(p) + ": " + v);
            }
        }
        assertTrue(classes > 50, "found the main classes in " + root + " (" + classes + ")");
        assertEquals(List.of(), bad);
    }

    @Test
    void theScanCatchesASpawningClass() throws IOException {
        // The test harness's Tools starts processes with ProcessBuilder; the scan must see it.
        assertTrue(violations(classBytes(dev.fcnet.testing.Tools.class)).contains("java/lang/ProcessBuilder"));
        // Names only in string constants (as in this class) are not references.
        assertEquals(List.of(), violations(classBytes(NoProcessNoJniTest.class)));
    }
}
