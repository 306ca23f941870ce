package dev.fcnet.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void namesAndMessages() {
        assertEquals("ENOBUFS", Errno.name(Errno.ENOBUFS));
        assertEquals("No buffer space available (ENOBUFS)", Errno.describe(105));
        assertEquals("File exists (EEXIST)", Errno.describe(Errno.EEXIST));
        // Aliases resolve to the canonical name.
        assertEquals("EAGAIN", Errno.name(Errno.EWOULDBLOCK));
        assertEquals("EOPNOTSUPP", Errno.name(95));
        assertEquals("errno 0", Errno.name(0));
        assertEquals("errno 524", Errno.name(524));
        assertEquals("Unknown error 524", Errno.message(524));
    }

    @Test
    void sysExceptionMessage() {
        SysException e = new SysException("sendto", Errno.ENOBUFS);
        assertEquals("sendto: No buffer space available (ENOBUFS)", e.getMessage());
        assertEquals("ENOBUFS", e.errnoName());
        assertEquals(105, e.errno());
        assertEquals("sendto", e.call());
    }

    /** Every errno glibc knows has a name here, and the same text as glibc's strerror. */
    @Test
    void messagesMatchStrerror() {
        String out = CProgram.run("strerror", """
                #include <stdio.h>
                #include <string.h>
                int main(void) {
                    for (int i = 1; i < 256; i++) printf("%d %s\\n", i, strerror(i));
                    return 0;
                }
                """).stdout();
        List<String> wrong = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int known = 0;
        for (String line : out.lines().toList()) {
            int sp = line.indexOf(' ');
            int n = Integer.parseInt(line.substring(0, sp));
            String text = line.substring(sp + 1);
            if (text.startsWith("Unknown error")) {
                if (!Errno.name(n).equals("errno " + n)) wrong.add(n + " is unknown to glibc but named " + Errno.name(n));
                continue;
            }
            known++;
            if (!text.equals(Errno.message(n))) wrong.add(n + ": glibc \"" + text + "\", Errno \"" + Errno.message(n) + "\"");
            if (!names.add(Errno.name(n))) wrong.add(n + ": name " + Errno.name(n) + " used twice");
        }
        assertEquals(List.of(), wrong);
        assertTrue(known > 130, "glibc knew only " + known + " errnos");
    }
}
