package dev.fcnet.sys;

import java.util.Locale;

/**
 * The one rule for interface (link) and network namespace names, used by the configuration, the
 * tap and netns code and the nftables rules alike: a name is accepted only if the kernel (or, for a
 * netns, the file system under /run/netns) keeps it verbatim and it prints as one plain word.
 *
 * <p>The kernel's dev_valid_name() refuses empty names, names of IFNAMSIZ bytes or more, "." and
 * "..", and names with '/', ':' or whitespace (its isspace(), which also counts the byte 0xA0);
 * and a name with '%' is a template that dev_alloc_name() fills in ({@code tap%d} becomes
 * {@code tap0}), so the link would not have the name asked for. Control characters are refused
 * too: tools print them mangled or not at all. Netns names follow the same rule except ':', which
 * a file name may hold, with NAME_MAX bytes instead of IFNAMSIZ.
 */
@UapiHeaders({"linux/if.h", "linux/limits.h"})
public final class Names {
    private Names() {}

    /** The size of a link name buffer, its terminating NUL included: names are at most 15 bytes. */
    public static final int IFNAMSIZ = 16;
    /** The longest file name: a netns name is one under /run/netns. */
    public static final int NAME_MAX = 255;

    /** What a name names, which decides the rule it follows. */
    public enum Kind {
        /** A network interface. */
        LINK("Linux interface names", IFNAMSIZ - 1),
        /** A named network namespace, a file under /run/netns. */
        NETNS("network namespace names", NAME_MAX);

        private final String plural;
        /** The most UTF-8 bytes a name may have. */
        private final int maxBytes;

        Kind(String plural, int maxBytes) {
            this.plural = plural;
            this.maxBytes = maxBytes;
        }
    }

    /**
     * Why {@code name} is not acceptable, phrased to follow the name in a message (e.g. {@code
     * contains '%', which Linux interface names cannot contain (...)}); null when it is.
     */
    public static String problem(Kind kind, String name) {
        if (name.isEmpty()) return "is empty";
        if (name.equals(".") || name.equals("..")) {
            return "is reserved; " + kind.plural + " cannot be \".\" or \"..\"";
        }
        int bytes = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            int cp = c;
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                cp = Character.toCodePoint(c, name.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                return "is not valid Unicode (unpaired surrogate)";
            }
            String why = refused(kind, cp);
            if (why != null) return "contains " + why;
            bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        }
        if (bytes > kind.maxBytes) return "is " + bytes + " bytes; " + kind.plural + " are at most " + kind.maxBytes;
        return null;
    }

    /**
     * Refuses a name that is not acceptable.
     *
     * @param what what the name is, for the message, e.g. {@code tap name}
     * @throws IllegalArgumentException {@code <what> <problem>}
     */
    public static void require(Kind kind, String what, String name) {
        if (name == null) throw new IllegalArgumentException(what + " is null");
        String problem = problem(kind, name);
        if (problem != null) throw new IllegalArgumentException(what + " " + problem);
    }

    /** What is wrong with one code point in a name, as "<char>, which ... cannot contain"; null if nothing. */
    private static String refused(Kind kind, int cp) {
        String what;
        String why = "";
        if (cp == 0) {
            what = "NUL";
        } else if (cp == '/') {
            what = "'/'";
        } else if (cp == ':' && kind == Kind.LINK) {
            what = "':'";
        } else if (cp == '%') {
            what = "'%'";
            if (kind == Kind.LINK) why = " (the kernel would replace \"%d\" with a number)";
        } else if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
            what = "whitespace (" + codePoint(cp) + ")";
        } else if (Character.isISOControl(cp)) {
            what = "a control character (" + codePoint(cp) + ")";
        } else if (kind == Kind.LINK && cp >= 0x80 && encodesByteA0(cp)) {
            // The kernel's isspace() is Latin-1's: it takes the UTF-8 byte 0xA0 for a no-break space.
            what = codePoint(cp);
            why = " (its UTF-8 form holds the byte 0xA0, which the kernel counts as whitespace)";
        } else {
            return null;
        }
        return what + ", which " + kind.plural + " cannot contain" + why;
    }

    /** True if a code point's UTF-8 form has a byte 0xA0 (a continuation byte 10 100000). */
    private static boolean encodesByteA0(int cp) {
        int continuations = cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
        for (int i = 0; i < continuations; i++) {
            if (((cp >> (6 * i)) & 0x3f) == 0x20) return true;
        }
        return false;
    }

    private static String codePoint(int cp) {
        String hex = Integer.toHexString(cp).toUpperCase(Locale.ROOT);
        return "U+" + "0000".substring(Math.min(4, hex.length())) + hex;
    }
}
