package dev.fcnet;

import dev.fcnet.json.Json;

/** The validation rules shared by the configuration records; every failure names the field and value. */
final class Checks {
    private Checks() {}

    /** IFNAMSIZ - 1: the kernel's limit for link names (include/uapi/linux/if.h). */
    static final int MAX_IFNAME_BYTES = 15;
    /** NAME_MAX: a netns name is a file name under /run/netns. */
    static final int MAX_NETNS_BYTES = 255;

    /** Rejects what the kernel's dev_valid_name() rejects: the name would fail with EINVAL. */
    static void interfaceName(String field, String name) {
        name(field, name, MAX_IFNAME_BYTES, "Linux interface names", true);
    }

    /** A name for /run/netns/NAME, as `ip netns add` accepts it. */
    static void netnsName(String field, String name) {
        name(field, name, MAX_NETNS_BYTES, "network namespace names", false);
    }

    /** A file-name-like name: 1..maxBytes UTF-8 bytes, not "." or "..", no '/' or NUL (nor ':' or whitespace). */
    private static void name(String field, String name, int maxBytes, String kinds, boolean interfaceName) {
        if (name.isEmpty()) throw invalid(field + " is empty");
        int bytes = utf8Length(field, name);
        if (bytes > maxBytes) {
            throw invalid(field + " " + Json.quote(name) + " is " + bytes + " bytes; " + kinds + " are at most " + maxBytes);
        }
        if (name.equals(".") || name.equals("..")) {
            throw invalid(field + " " + Json.quote(name) + " is reserved; " + kinds + " cannot be \".\" or \"..\"");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            String what = c == '/' ? "'/'" : c == 0 ? "NUL" : !interfaceName ? null : c == ':' ? "':'"
                    : c == ' ' || (c >= '\t' && c <= '\r') ? "whitespace" : null;
            if (what != null) {
                throw invalid(field + " " + Json.quote(name) + " contains " + what + ", which " + kinds + " cannot contain");
            }
        }
    }

    /** The address's family must be usable with the stack. */
    static void family(String field, IpInet inet, FirecrackerIpStack stack) {
        if (!stack.allows(inet.address())) {
            throw invalid(field + " " + inet + " is " + IpInet.family(inet.address()) + " but ip_stack is " + stack);
        }
    }

    /** Two interface addresses that must share one subnet and differ, e.g. the tap's and the guest's. */
    static void pair(String fieldA, IpInet a, String fieldB, IpInet b) {
        if (a.isV4() != b.isV4()) {
            throw invalid(fieldA + " " + a + " and " + fieldB + " " + b + " are not the same address family");
        }
        if (a.prefixLength() != b.prefixLength()) {
            throw invalid(fieldA + " " + a + " and " + fieldB + " " + b + " have different prefix lengths");
        }
        if (!a.sameSubnet(b)) {
            throw invalid(fieldA + " " + a + " and " + fieldB + " " + b + " are not in one subnet");
        }
        if (a.address().equals(b.address())) {
            throw invalid(fieldA + " and " + fieldB + " are both " + IpInet.formatAddress(a.address())
                    + "; they need different addresses");
        }
    }

    /** Two links that live in one netns (or are created in one) need different names. */
    static void distinct(String fieldA, String a, String fieldB, String b, String why) {
        if (a.equals(b)) {
            throw invalid(fieldA + " and " + fieldB + " are both " + Json.quote(a) + "; " + why);
        }
    }

    static InvalidNetworkException invalid(String message) {
        return new InvalidNetworkException(message);
    }

    /** The kernel sees names as UTF-8 bytes; an unpaired surrogate has no UTF-8 form at all. */
    private static int utf8Length(String field, String name) {
        int bytes = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                throw invalid(field + " " + Json.quote(name) + " is not valid Unicode (unpaired surrogate)");
            } else {
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
        }
        return bytes;
    }
}
