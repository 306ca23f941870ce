package dev.fcnet.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Proves every constant of every {@link UapiHeaders}-annotated class in the main code equals the
 * value of the C macro or enum constant of the same name (or its {@link CExpr}) in the headers
 * the class declares. Classes are found by scanning the compiled main classes, so a new constants
 * class is checked as soon as it carries the annotation.
 */
class UapiConstantsTest {

    @Test
    void findsTheKnownConstantsClasses() {
        List<String> names = annotatedClasses().stream().map(Class::getName).toList();
        assertTrue(names.containsAll(List.of("dev.fcnet.sys.Errno", "dev.fcnet.sys.SocketConstants",
                "dev.fcnet.sys.OpenFlags", "dev.fcnet.sys.NamespaceConstants", "dev.fcnet.netlink.NetlinkConstants")),
                names.toString());
    }

    @TestFactory
    Stream<DynamicTest> everyConstantEqualsItsHeader() {
        return annotatedClasses().stream().map(c -> DynamicTest.dynamicTest(c.getName(), () -> check(c)));
    }

    private record Constant(String name, String expr, long value, int bits) {}

    private static void check(Class<?> c) {
        UapiHeaders headers = c.getAnnotation(UapiHeaders.class);
        for (String h : headers.value()) {
            assertTrue(Files.isRegularFile(CProgram.NATIVE_HEADERS.resolve(h)),
                    c.getSimpleName() + " names " + h + ", which is not in native-headers/ (copy it from /usr/include)");
        }
        List<Constant> constants = constants(c);
        assertFalse(constants.isEmpty(), c.getName() + " has no constants to check");

        StringBuilder src = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n");
        // glibc first: its headers cope with the kernel's that follow (linux/libc-compat.h), not the other way round.
        for (String h : headers.libc()) src.append("#include <").append(h).append(">\n");
        // Some UAPI headers (linux/if_tun.h) use _IOW and friends without including their definition.
        src.append("#include <linux/ioctl.h>\n");
        for (String h : headers.value()) src.append("#include <").append(h).append(">\n");
        src.append("int main(void) {\n");
        for (Constant k : constants) {
            src.append("    printf(\"%s %lld\\n\", \"").append(k.name()).append("\", (long long)(")
                    .append(k.expr()).append("));\n");
        }
        src.append("    return 0;\n}\n");
        CProgram p = CProgram.run(c.getSimpleName(), src.toString());
        assertEquals(List.of(), p.uapiHeadersFromSystem(),
                c.getSimpleName() + ": UAPI headers taken from the system, not native-headers/ (copy them)");

        Map<String, Long> cValues = new HashMap<>();
        for (String line : p.stdout().lines().toList()) {
            String[] kv = line.split(" ");
            cValues.put(kv[0], Long.parseLong(kv[1]));
        }
        List<String> wrong = new ArrayList<>();
        for (Constant k : constants) {
            long v = cValues.get(k.name());
            if (!sameValue(k.value(), v, k.bits())) {
                wrong.add(k.name() + ": Java " + k.value() + ", C " + k.expr() + " = " + v);
            }
        }
        assertEquals(List.of(), wrong, c.getSimpleName() + " disagrees with its headers");
    }

    /**
     * Equal as a {@code bits}-wide field: the C value must fit the field (as signed or unsigned,
     * since C flags like 0x80000000 are unsigned) and agree in those bits.
     */
    private static boolean sameValue(long java, long c, int bits) {
        if (bits == 64) return java == c;
        long min = -(1L << (bits - 1));
        long maxUnsigned = (1L << bits) - 1;
        if (c < min || c > maxUnsigned) return false;
        long mask = maxUnsigned;
        return (java & mask) == (c & mask);
    }

    private static List<Constant> constants(Class<?> c) {
        List<Constant> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            int m = f.getModifiers();
            if (!Modifier.isPublic(m) || !Modifier.isStatic(m) || !Modifier.isFinal(m)) continue;
            Class<?> t = f.getType();
            int bits = t == byte.class ? 8 : t == short.class ? 16 : t == int.class ? 32 : t == long.class ? 64 : 0;
            if (bits == 0) continue;
            CExpr expr = f.getAnnotation(CExpr.class);
            try {
                out.add(new Constant(f.getName(), expr != null ? expr.value() : f.getName(),
                        ((Number) f.get(null)).longValue(), bits));
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    static List<Class<?>> annotatedClasses() {
        Path root;
        try {
            root = Path.of(UapiHeaders.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
        assertTrue(Files.isDirectory(root), "main classes are not a directory: " + root);
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class") && !f.toString().contains("$")).toList()) {
                String rel = root.relativize(p).toString();
                String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                if (name.equals("module-info")) continue;
                Class<?> c = Class.forName(name, false, UapiConstantsTest.class.getClassLoader());
                if (c.isAnnotationPresent(UapiHeaders.class)) out.add(c);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
        return out;
    }
}
