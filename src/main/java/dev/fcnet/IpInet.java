package dev.fcnet;

import dev.fcnet.json.Json;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;

/**
 * An interface address: an IPv4 or IPv6 address together with the prefix length of its subnet,
 * like {@code 172.16.0.1/24} (the Rust {@code cidr::IpInet} that fcnet-types uses). The host bits
 * are kept: {@code 172.16.0.1/24} is the address {@code 172.16.0.1} in the subnet {@code 172.16.0.0/24}.
 *
 * <p>Text forms are parsed strictly and never resolved: only IPv4 dotted-decimal (four decimal
 * parts, no leading zeros, which some parsers read as octal) and IPv6 text (RFC 4291 section 2.2,
 * including a trailing dotted IPv4 part, without zone ids) are accepted; a host name is an error,
 * not a DNS lookup.
 *
 * @param address the address; an {@link Inet6Address} stays IPv6 even when it is IPv4-mapped
 * @param prefixLength the subnet's prefix length, 0..32 for IPv4 and 0..128 for IPv6
 */
public record IpInet(InetAddress address, int prefixLength) {

    /**
     * Checks the prefix length against the address family.
     *
     * @throws InvalidNetworkException if the prefix length is out of range for the address family
     */
    public IpInet {
        Objects.requireNonNull(address, "address");
        int max = bits(address);
        if (prefixLength < 0 || prefixLength > max) {
            throw new InvalidNetworkException("prefix length " + prefixLength + " is out of range for "
                    + family(address) + " (0.." + max + ")");
        }
    }

    /**
     * Parses {@code address/prefix}, e.g. {@code 172.16.0.1/24} or {@code fd00::1/64}. A bare address
     * (no {@code /}) is a host address: {@code /32} for IPv4, {@code /128} for IPv6, as the {@code cidr}
     * crate reads it. The prefix length is decimal; leading zeros are
     * allowed, as in the {@code cidr} crate ({@code /0024} is {@code /24}).
     *
     * @param text the address and prefix length
     * @return the interface address
     * @throws InvalidNetworkException naming the text and what is wrong with it; its
     *     {@link InvalidNetworkException#field() field} is empty, since the text is no field of a network
     */
    public static IpInet parse(String text) {
        Objects.requireNonNull(text, "text");
        int slash = text.indexOf('/');
        InetAddress address;
        try {
            address = literal(slash < 0 ? text : text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new InvalidNetworkException("invalid CIDR " + Json.quote(text) + ": " + e.getMessage(), e);
        }
        int max = bits(address);
        if (slash < 0) return new IpInet(address, max);
        String len = text.substring(slash + 1);
        if (len.isEmpty()) {
            throw new InvalidNetworkException("invalid CIDR " + Json.quote(text) + ": missing prefix length after '/'");
        }
        for (int i = 0; i < len.length(); i++) {
            if (len.charAt(i) < '0' || len.charAt(i) > '9') {
                throw new InvalidNetworkException("invalid CIDR " + Json.quote(text) + ": prefix length "
                        + Json.quote(len) + " is not a decimal number");
            }
        }
        // Leading zeros are read as the cidr crate reads them (Rust's u8 parse): /0024 is /24.
        int zeros = 0;
        while (zeros < len.length() - 1 && len.charAt(zeros) == '0') zeros++;
        // More than 3 significant digits is out of range, and may be out of int range too.
        int value = len.length() - zeros > 3 ? Integer.MAX_VALUE : Integer.parseInt(len, zeros, len.length(), 10);
        if (value > max) {
            throw new InvalidNetworkException("invalid CIDR " + Json.quote(text) + ": prefix length " + len
                    + " is out of range for " + family(address) + " (0.." + max + ")");
        }
        return new IpInet(address, value);
    }

    /**
     * Parses an IPv4 or IPv6 address literal without a prefix, never doing a DNS lookup.
     *
     * @param text the address, e.g. {@code 192.168.0.3} or {@code fd00::3}
     * @return the address
     * @throws InvalidNetworkException naming the text and what is wrong with it (with an empty
     *     {@link InvalidNetworkException#field() field})
     */
    public static InetAddress parseAddress(String text) {
        Objects.requireNonNull(text, "text");
        try {
            return literal(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidNetworkException("invalid IP address " + Json.quote(text) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Formats an address as fcnet (Rust's {@code std::net}) prints it: IPv4 dotted decimal; IPv6 in
     * RFC 5952 form (lower-case hex, leading zeros dropped, the first longest run of two or more zero
     * groups as {@code ::}), with IPv4-mapped addresses as {@code ::ffff:a.b.c.d}.
     *
     * @param address an IPv4 or IPv6 address
     * @return its text, e.g. {@code 172.16.0.1} or {@code fd00::1}
     */
    public static String formatAddress(InetAddress address) {
        byte[] b = address.getAddress();
        StringBuilder sb = new StringBuilder(39);
        if (b.length == 4) {
            appendV4(sb, b, 0);
            return sb.toString();
        }
        int[] groups = new int[8];
        boolean mapped = true;
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
            if (i < 5 && groups[i] != 0) mapped = false;
        }
        if (mapped && groups[5] == 0xffff) {
            sb.append("::ffff:");
            appendV4(sb, b, 12);
            return sb.toString();
        }
        int bestStart = -1;
        int bestLen = 1; // a single zero group is not compressed (RFC 5952 4.2.2)
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** {@return true for an IPv4 address} */
    public boolean isV4() {
        return address instanceof Inet4Address;
    }

    /** {@return true for an IPv6 address} */
    public boolean isV6() {
        return address instanceof Inet6Address;
    }

    /** {@return the longest prefix length of the family: 32 for IPv4, 128 for IPv6} */
    public int maxPrefixLength() {
        return bits(address);
    }

    /** {@return the subnet mask as an address, e.g. {@code 255.255.255.0} for a /24} */
    public InetAddress netmask() {
        byte[] mask = new byte[address.getAddress().length];
        for (int i = 0; i < mask.length; i++) mask[i] = maskByte(i);
        return fromBytes(mask);
    }

    /** {@return the subnet's first address (the host bits cleared), e.g. {@code 172.16.0.0} for 172.16.0.1/24} */
    public InetAddress network() {
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) b[i] &= maskByte(i);
        return fromBytes(b);
    }

    /**
     * Whether an address is in this subnet.
     *
     * @param other an address
     * @return true if {@code other} is of the same family and inside this subnet
     */
    public boolean contains(InetAddress other) {
        byte[] a = address.getAddress();
        byte[] o = other.getAddress();
        if (a.length != o.length) return false;
        for (int i = 0; i < a.length; i++) {
            if (((a[i] ^ o[i]) & maskByte(i)) != 0) return false;
        }
        return true;
    }

    /**
     * Whether two interface addresses are in one subnet.
     *
     * @param other another interface address
     * @return true for the same family, the same prefix length and the same network
     */
    public boolean sameSubnet(IpInet other) {
        return prefixLength == other.prefixLength && contains(other.address);
    }

    /**
     * Whether two subnets share any address.
     *
     * @param other another interface address
     * @return true if the shorter prefix's subnet contains the other's network
     */
    public boolean overlaps(IpInet other) {
        return prefixLength <= other.prefixLength ? contains(other.address) : other.contains(address);
    }

    /** {@code address/prefix}, e.g. {@code 172.16.0.1/24} or {@code fd00::1/64}; always with the prefix. */
    @Override
    public String toString() {
        return formatAddress(address) + "/" + prefixLength;
    }

    private static int bits(InetAddress address) {
        return address instanceof Inet4Address ? 32 : 128;
    }

    static String family(InetAddress address) {
        return address instanceof Inet4Address ? "IPv4" : "IPv6";
    }

    private byte maskByte(int index) {
        int bits = prefixLength - index * 8;
        if (bits >= 8) return (byte) 0xff;
        if (bits <= 0) return 0;
        return (byte) (0xff << (8 - bits));
    }

    private static InetAddress fromBytes(byte[] bytes) {
        try {
            // Inet6Address.getByAddress keeps IPv4-mapped addresses IPv6 (InetAddress.getByAddress would
            // turn them into Inet4Address); neither resolves anything.
            return bytes.length == 4 ? InetAddress.getByAddress(bytes) : Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError("address of " + bytes.length + " bytes", e);
        }
    }

    private static void appendV4(StringBuilder sb, byte[] b, int from) {
        for (int i = 0; i < 4; i++) {
            if (i > 0) sb.append('.');
            sb.append(b[from + i] & 0xff);
        }
    }

    /** An address literal; throws IllegalArgumentException with the reason alone. */
    private static InetAddress literal(String text) {
        return fromBytes(text.indexOf(':') >= 0 ? v6Bytes(text) : v4Bytes(text));
    }

    /** Dotted decimal to 4 bytes; throws IllegalArgumentException with the reason. */
    private static byte[] v4Bytes(String s) {
        byte[] out = new byte[4];
        int n = s.length();
        int i = 0;
        for (int part = 0; ; part++) {
            if (part == 4) throw new IllegalArgumentException(i == n ? "ends with '.'" : "more than 4 parts");
            int start = i;
            int value = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = Math.min(value * 10 + (s.charAt(i) - '0'), 1000);
                i++;
            }
            if (i == start) {
                throw new IllegalArgumentException(i < n ? "unexpected character " + describe(s.charAt(i))
                        : s.isEmpty() ? "empty" : "expected a decimal number at the end");
            }
            String digits = s.substring(start, i);
            if (digits.length() > 1 && digits.charAt(0) == '0') {
                throw new IllegalArgumentException("part " + digits + " has a leading zero (octal or decimal?)");
            }
            if (value > 255) throw new IllegalArgumentException("part " + digits + " is out of range 0..255");
            out[part] = (byte) value;
            if (i == n) {
                if (part != 3) throw new IllegalArgumentException("expected 4 parts separated by '.', found " + (part + 1));
                return out;
            }
            if (s.charAt(i) != '.') throw new IllegalArgumentException("unexpected character " + describe(s.charAt(i)));
            i++;
        }
    }

    /** IPv6 text (RFC 4291 2.2) to 16 bytes; throws IllegalArgumentException with the reason. */
    private static byte[] v6Bytes(String s) {
        if (s.indexOf('%') >= 0) throw new IllegalArgumentException("zone ids (%...) are not supported");
        if (s.startsWith("[")) throw new IllegalArgumentException("brackets are not part of an address");
        int dc = s.indexOf("::");
        byte[] out = new byte[16];
        if (dc < 0) {
            int groups = groups(s, out, true);
            if (groups != 8) throw new IllegalArgumentException("expected 8 groups, found " + groups);
            return out;
        }
        if (s.indexOf("::", dc + 1) >= 0) throw new IllegalArgumentException("more than one '::'");
        byte[] right = new byte[16];
        int nLeft = groups(s.substring(0, dc), out, false);
        int nRight = groups(s.substring(dc + 2), right, true);
        if (nLeft + nRight > 7) {
            throw new IllegalArgumentException("'::' must stand for at least one zero group, but "
                    + (nLeft + nRight) + " groups are given");
        }
        System.arraycopy(right, 0, out, 16 - 2 * nRight, 2 * nRight);
        return out;
    }

    /**
     * Parses colon-separated hex groups into {@code out} from its start; a dotted IPv4 part may end
     * the list when {@code v4Tail} (it counts as two groups). Returns the number of 16-bit groups.
     */
    private static int groups(String list, byte[] out, boolean v4Tail) {
        if (list.isEmpty()) return 0;
        int n = 0;
        int start = 0;
        while (true) {
            int colon = list.indexOf(':', start);
            String group = list.substring(start, colon < 0 ? list.length() : colon);
            if (group.isEmpty()) throw new IllegalArgumentException("empty group (a lone ':' at the start or end)");
            if (n >= 8) throw new IllegalArgumentException("more than 8 groups");
            if (group.indexOf('.') >= 0) {
                if (colon >= 0 || !v4Tail) {
                    throw new IllegalArgumentException("an IPv4 part (" + group + ") may only end the address");
                }
                if (n > 6) throw new IllegalArgumentException("more than 8 groups (an IPv4 part counts as 2)");
                byte[] v4;
                try {
                    v4 = v4Bytes(group);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("IPv4 part " + group + ": " + e.getMessage(), e);
                }
                System.arraycopy(v4, 0, out, 2 * n, 4);
                return n + 2;
            }
            if (group.length() > 4) throw new IllegalArgumentException("group " + group + " has more than 4 hex digits");
            int value = 0;
            for (int i = 0; i < group.length(); i++) {
                char c = group.charAt(i);
                int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (digit < 0) throw new IllegalArgumentException("unexpected character " + describe(c));
                value = value << 4 | digit;
            }
            out[2 * n] = (byte) (value >> 8);
            out[2 * n + 1] = (byte) value;
            n++;
            if (colon < 0) return n;
            start = colon + 1;
        }
    }

    private static String describe(char c) {
        if (c >= 0x21 && c < 0x7f) return "'" + c + "'";
        String hex = Integer.toHexString(c).toUpperCase(Locale.ROOT);
        return "U+" + "0000".substring(hex.length()) + hex;
    }
}
