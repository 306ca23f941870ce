package dev.fcnet.nft;

import dev.fcnet.sys.Names;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An element of a set, by its key (NFTA_SET_ELEM_KEY): the parts of a concatenation one after
 * the other, each taking a multiple of 4 bytes as the kernel's 32-bit registers hold them;
 * addresses big-endian, interface names zero-padded to IFNAMSIZ (16 bytes). Equal keys are equal
 * elements, so an element built here equals the same element read back from the kernel.
 */
public record SetElement(NftData key) {
    public SetElement {
        Objects.requireNonNull(key, "key");
    }

    /** {@code <address> . "<ifname>"}: a key of an {@code ipv4_addr . ifname} or {@code ipv6_addr . ifname} set. */
    public static SetElement of(InetAddress address, String ifname) {
        return new SetElement(concat(address.getAddress(), ifname(ifname)));
    }

    /** {@code "<ifname>" . "<ifname>"}: a key of an {@code ifname . ifname} set. */
    public static SetElement of(String first, String second) {
        return new SetElement(concat(ifname(first), ifname(second)));
    }

    private static NftData concat(byte[] a, byte[] b) {
        byte[] key = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, key, a.length, b.length);
        return new NftData(key);
    }

    /** The name zero-padded to IFNAMSIZ, refused unless the kernel would keep it verbatim. */
    private static byte[] ifname(String name) {
        Names.require(Names.Kind.LINK, "interface name", name);
        return Arrays.copyOf(name.getBytes(StandardCharsets.UTF_8), Names.IFNAMSIZ);
    }

    /**
     * The key's parts read as {@code types} (a set's {@link NftSet#keyTypes()}): an
     * {@link InetAddress} for an address, a {@link String} for an interface name.
     *
     * @throws IllegalArgumentException when the key's length is not the types' total
     */
    public List<Object> parts(List<SetKeyType> types) {
        byte[] k = key.bytes();
        if (k.length != SetKeyType.concatLength(types)) {
            throw new IllegalArgumentException("a " + k.length + "-byte key is not " + SetKeyType.text(types));
        }
        List<Object> parts = new ArrayList<>(types.size());
        int at = 0;
        for (SetKeyType t : types) {
            byte[] part = Arrays.copyOfRange(k, at, at + t.length());
            at += t.length();
            parts.add(t == SetKeyType.IFNAME ? nulTerminated(part) : address(part));
        }
        return parts;
    }

    private static String nulTerminated(byte[] b) {
        int end = 0;
        while (end < b.length && b[end] != 0) end++;
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // only for a length other than 4 or 16, which the types exclude
        }
    }

    /** libnftnl's text of an element ({@code nft --debug=netlink}): the key as 32-bit words, {@code 0x} left out. */
    @Override
    public String toString() {
        return key.words().replace("0x", "");
    }
}
