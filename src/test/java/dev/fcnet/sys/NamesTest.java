package dev.fcnet.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fcnet.rtnl.IpJson;
import dev.fcnet.testing.KernelTest;
import dev.fcnet.testing.ScratchNetns;
import dev.fcnet.testing.Tools;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NamesTest {

    @Test
    void byteA0IsFoundInEveryUtf8Length() {
        // U+00E0 is C3 A0, U+0820 is E0 A0 A0, U+0860 is E0 A1 A0, U+10820 is F0 90 A0 A0.
        for (String bad : List.of("t\u00e0", "t\u0820", "t\u0860", "t" + Character.toString(0x10820))) {
            String problem = Names.problem(Names.Kind.LINK, bad);
            assertTrue(problem != null && problem.contains("0xA0"), bad + ": " + problem);
        }
        // Neighbours without the byte (U+0861 is E0 A1 A1), and netns names, which are file names: no isspace() there.
        for (String good : List.of("t\u00e1", "t\u0861", "t" + Character.toString(0x10861))) {
            assertNull(Names.problem(Names.Kind.LINK, good), good);
        }
        assertNull(Names.problem(Names.Kind.NETNS, "t\u00e0"));
    }

    @Test
    void lengthsAreCountedInUtf8Bytes() {
        assertNull(Names.problem(Names.Kind.LINK, "x".repeat(Names.IFNAMSIZ - 1)));
        assertEquals("is 16 bytes; Linux interface names are at most 15", Names.problem(Names.Kind.LINK, "x".repeat(16)));
        assertEquals("is 16 bytes; Linux interface names are at most 15",
                Names.problem(Names.Kind.LINK, "x".repeat(12) + Character.toString(0x1F600)));
        assertNull(Names.problem(Names.Kind.NETNS, "n".repeat(Names.NAME_MAX)));
        assertEquals("is 256 bytes; network namespace names are at most 255",
                Names.problem(Names.Kind.NETNS, "n".repeat(Names.NAME_MAX + 1)));
    }

    /**
     * The kernel is the judge: every sample name this class accepts, the kernel keeps verbatim as a
     * link name; the samples it would not keep (refused, or a template filled in) are refused here.
     * Names go through printf's octal escapes, so the JVM's locale cannot alter their bytes.
     */
    @Test
    @KernelTest
    void acceptedNamesAreKeptVerbatimByTheKernel(ScratchNetns ns) {
        List<String> samples = List.of("tap0", "fc-tap_7.x", "t\u00e9", "t\u00e0", "t%d", "a b", "a\tb", "a:b",
                "t" + Character.toString(0x1F600), "x".repeat(15), "x".repeat(16), "-", "@");
        int notVerbatim = 0;
        for (String name : samples) {
            Tools.Result added = Tools.exec(null, "ip", "netns", "exec", ns.name(), "sh", "-c",
                    "ip link add \"" + bytes(name) + "\" type bridge");
            List<String> links = IpJson.objects(ns.ipJson("link", "show", "type", "bridge")).stream()
                    .map(o -> IpJson.string(o, "ifname")).toList();
            boolean verbatim = added.exit() == 0 && links.equals(List.of(name));
            if (Names.problem(Names.Kind.LINK, name) == null) {
                assertTrue(verbatim, name + " is accepted, but the kernel made " + links + ": " + added.err());
            }
            if (!verbatim) notVerbatim++;
            for (String link : links) ns.exec("sh", "-c", "ip link del \"" + bytes(link) + "\"");
        }
        // "t\u00e0", "t%d", "a b", "a\tb", "a:b" and the 16 bytes at least: the sample tells something.
        assertTrue(notVerbatim >= 6, "samples the kernel does not keep: " + notVerbatim);
    }

    /** A shell expression for the name's UTF-8 bytes, each as printf %b's octal escape. */
    private static String bytes(String name) {
        StringBuilder octal = new StringBuilder("$(printf '%b' '");
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) octal.append(String.format("\\0%03o", b & 0xff));
        return octal.append("')").toString();
    }
}
