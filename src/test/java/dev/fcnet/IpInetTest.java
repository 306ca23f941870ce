package dev.fcnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpInetTest {

    @Test
    void parsesCidrAndKeepsHostBits() {
        IpInet inet = IpInet.parse("172.16.0.1/24");
        assertTrue(inet.isV4());
        assertFalse(inet.isV6());
        assertEquals(24, inet.prefixLength());
        assertArrayEquals(new byte[] {(byte) 172, 16, 0, 1}, inet.address().getAddress());
        assertEquals("172.16.0.1/24", inet.toString());
        assertEquals("255.255.255.0", IpInet.formatAddress(inet.netmask()));
        assertEquals("172.16.0.0", IpInet.formatAddress(inet.network()));
        assertEquals(32, inet.maxPrefixLength());
    }

    @Test
    void bareAddressIsAHostAddress() {
        assertEquals(new IpInet(IpInet.parseAddress("192.168.0.3"), 32), IpInet.parse("192.168.0.3"));
        assertEquals(new IpInet(IpInet.parseAddress("fd00::3"), 128), IpInet.parse("fd00::3"));
        assertEquals("192.168.0.3/32", IpInet.parse("192.168.0.3").toString());
    }

    @Test
    void prefixWithLeadingZerosIsDecimalAsInTheCidrCrate() {
        assertEquals(IpInet.parse("10.0.0.1/8"), IpInet.parse("10.0.0.1/008"));
        // Rust's u8 parse takes any number of leading zeros: the value, not the digits, is in range.
        assertEquals(IpInet.parse("10.0.0.1/24"), IpInet.parse("10.0.0.1/0024"));
        assertEquals(IpInet.parse("10.0.0.1/0"), IpInet.parse("10.0.0.1/0000000000000"));
        assertEquals(IpInet.parse("fd00::1/128"), IpInet.parse("fd00::1/00000128"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|0.0.0.0", "1|128.0.0.0", "7|254.0.0.0", "8|255.0.0.0", "9|255.128.0.0", "17|255.255.128.0",
        "23|255.255.254.0", "30|255.255.255.252", "31|255.255.255.254", "32|255.255.255.255"})
    void v4Netmasks(int prefix, String mask) {
        assertEquals(mask, IpInet.formatAddress(new IpInet(IpInet.parseAddress("10.1.2.3"), prefix).netmask()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|::", "1|8000::", "16|ffff::", "48|ffff:ffff:ffff::", "64|ffff:ffff:ffff:ffff::", "65|ffff:ffff:ffff:ffff:8000::",
        "127|ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "128|ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"})
    void v6Netmasks(int prefix, String mask) {
        IpInet inet = new IpInet(IpInet.parseAddress("fd00::1"), prefix);
        assertEquals(mask, IpInet.formatAddress(inet.netmask()));
        assertInstanceOf(Inet6Address.class, inet.netmask());
    }

    /** RFC 5952 section 4 and Rust's Ipv6Addr Display, which fcnet-types prints with. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2001:0db8:0000:0000:0000:0000:0002:0001|2001:db8::2:1",
        "2001:db8:0:1:1:1:1:1|2001:db8:0:1:1:1:1:1",
        "2001:0:0:1:0:0:0:1|2001:0:0:1::1",
        "2001:db8:0:0:1:0:0:1|2001:db8::1:0:0:1",
        "2001:DB8::ABCD|2001:db8::abcd",
        "::|::",
        "::1|::1",
        "1::|1::",
        "0:0:1:0:0:0:0:0|0:0:1::",
        "1:2:3:4:5:6:7::|1:2:3:4:5:6:7:0",
        "::2:3:4:5:6:7:8|0:2:3:4:5:6:7:8",
        "fe80::1:2|fe80::1:2",
        "::1.2.3.4|::102:304",
        "64:ff9b::192.0.2.33|64:ff9b::c000:221",
        "1:2:3:4:5:6:1.2.3.4|1:2:3:4:5:6:102:304"})
    void formatsV6AsRfc5952(String text, String expected) throws Exception {
        InetAddress address = IpInet.parseAddress(text);
        assertInstanceOf(Inet6Address.class, address);
        // The JDK parses literals without resolving them; it is the reference for the bytes.
        assertArrayEquals(InetAddress.getByName(text).getAddress(), address.getAddress());
        assertEquals(expected, IpInet.formatAddress(address));
        assertEquals(address, IpInet.parseAddress(expected));
    }

    @Test
    void ipv4MappedStaysV6AndPrintsDotted() {
        InetAddress mapped = IpInet.parseAddress("::ffff:192.0.2.1");
        assertInstanceOf(Inet6Address.class, mapped);
        assertEquals("::ffff:192.0.2.1", IpInet.formatAddress(mapped));
        assertEquals("::ffff:192.0.2.1", IpInet.formatAddress(IpInet.parseAddress("0:0:0:0:0:ffff:c000:201")));
        assertTrue(IpInet.parse("::ffff:192.0.2.1/96").isV6());
    }

    @Test
    void containsSameSubnetAndOverlaps() {
        IpInet tap = IpInet.parse("172.16.0.1/24");
        assertTrue(tap.contains(IpInet.parseAddress("172.16.0.255")));
        assertFalse(tap.contains(IpInet.parseAddress("172.16.1.1")));
        assertFalse(tap.contains(IpInet.parseAddress("::ffff:172.16.0.2")));
        assertTrue(tap.sameSubnet(IpInet.parse("172.16.0.2/24")));
        assertFalse(tap.sameSubnet(IpInet.parse("172.16.0.2/25")));
        assertFalse(tap.sameSubnet(IpInet.parse("172.16.1.2/24")));
        assertTrue(tap.overlaps(IpInet.parse("172.16.0.130/25")));
        assertTrue(IpInet.parse("172.16.0.130/25").overlaps(tap));
        assertTrue(IpInet.parse("172.0.0.1/8").overlaps(tap));
        assertFalse(tap.overlaps(IpInet.parse("172.16.1.1/24")));
        assertFalse(tap.overlaps(IpInet.parse("fd00::1/0")));
        IpInet v6 = IpInet.parse("fd00:1:2:3::1/61");
        assertTrue(v6.contains(IpInet.parseAddress("fd00:1:2:7::9")));
        assertFalse(v6.contains(IpInet.parseAddress("fd00:1:2:8::9")));
        assertEquals("fd00:1:2::", IpInet.formatAddress(v6.network()));
        assertTrue(IpInet.parse("0.0.0.0/0").contains(IpInet.parseAddress("255.255.255.255")));
    }

    @Test
    void v4AddressesAreInet4() {
        assertInstanceOf(Inet4Address.class, IpInet.parseAddress("0.0.0.0"));
        assertEquals("255.255.255.255", IpInet.formatAddress(IpInet.parseAddress("255.255.255.255")));
    }

    @Test
    void constructorRejectsPrefixOutOfRange() {
        InetAddress v4 = IpInet.parseAddress("10.0.0.1");
        assertEquals("prefix length 33 is out of range for IPv4 (0..32)",
                assertThrows(InvalidNetworkException.class, () -> new IpInet(v4, 33)).getMessage());
        assertEquals("prefix length -1 is out of range for IPv4 (0..32)",
                assertThrows(IllegalArgumentException.class, () -> new IpInet(v4, -1)).getMessage());
        assertEquals("prefix length 129 is out of range for IPv6 (0..128)", assertThrows(IllegalArgumentException.class,
                () -> new IpInet(IpInet.parseAddress("::1"), 129)).getMessage());
        assertThrows(NullPointerException.class, () -> new IpInet(null, 1));
    }

    /** Host names are errors, never lookups; every reason names the part that is wrong. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "localhost|invalid IP address \"localhost\": unexpected character 'l'",
        "example.com|invalid IP address \"example.com\": unexpected character 'e'",
        "ip6-localhost:1|invalid IP address \"ip6-localhost:1\": group ip6-localhost has more than 4 hex digits",
        "``|invalid IP address \"\": empty",
        "1.2.3|invalid IP address \"1.2.3\": expected 4 parts separated by '.', found 3",
        "1.2.3.4.5|invalid IP address \"1.2.3.4.5\": more than 4 parts",
        "1.2.3.4.|invalid IP address \"1.2.3.4.\": ends with '.'",
        "1.2.3.|invalid IP address \"1.2.3.\": expected a decimal number at the end",
        "1..3.4|invalid IP address \"1..3.4\": unexpected character '.'",
        "1.2.3.256|invalid IP address \"1.2.3.256\": part 256 is out of range 0..255",
        "1.2.3.99999999999999|invalid IP address \"1.2.3.99999999999999\": part 99999999999999 is out of range 0..255",
        "01.2.3.4|invalid IP address \"01.2.3.4\": part 01 has a leading zero (octal or decimal?)",
        "1.2.3.00|invalid IP address \"1.2.3.00\": part 00 has a leading zero (octal or decimal?)",
        "` 1.2.3.4`|invalid IP address \" 1.2.3.4\": unexpected character U+0020",
        "`1.2.3.4 `|invalid IP address \"1.2.3.4 \": unexpected character U+0020",
        "0x7f.0.0.1|invalid IP address \"0x7f.0.0.1\": unexpected character 'x'",
        "\u0661.2.3.4|invalid IP address \"\u0661.2.3.4\": unexpected character U+0661",
        "1::2::3|invalid IP address \"1::2::3\": more than one '::'",
        ":::|invalid IP address \":::\": more than one '::'",
        "12345::|invalid IP address \"12345::\": group 12345 has more than 4 hex digits",
        "1:2:3:4:5:6:7:8:9|invalid IP address \"1:2:3:4:5:6:7:8:9\": more than 8 groups",
        "1:2:3:4:5:6:7|invalid IP address \"1:2:3:4:5:6:7\": expected 8 groups, found 7",
        "1:2:3:4:5:6:7::8|invalid IP address \"1:2:3:4:5:6:7::8\": '::' must stand for at least one zero group, but 8 groups are given",
        ":1::|invalid IP address \":1::\": empty group (a lone ':' at the start or end)",
        "1:2:3:4:5:6:7:|invalid IP address \"1:2:3:4:5:6:7:\": empty group (a lone ':' at the start or end)",
        "fe80::1%eth0|invalid IP address \"fe80::1%eth0\": zone ids (%...) are not supported",
        "[::1]|invalid IP address \"[::1]\": brackets are not part of an address",
        "::g|invalid IP address \"::g\": unexpected character 'g'",
        "::\uff11|invalid IP address \"::\uff11\": unexpected character U+FF11",
        "1.2.3.4::|invalid IP address \"1.2.3.4::\": an IPv4 part (1.2.3.4) may only end the address",
        "::1.2.3.4:5|invalid IP address \"::1.2.3.4:5\": an IPv4 part (1.2.3.4) may only end the address",
        "1:2:3:4:5:6:7:1.2.3.4|invalid IP address \"1:2:3:4:5:6:7:1.2.3.4\": more than 8 groups (an IPv4 part counts as 2)",
        "::ffff:1.2.3.04|invalid IP address \"::ffff:1.2.3.04\": IPv4 part 1.2.3.04: part 04 has a leading zero (octal or decimal?)",
        "1.2.3.4/24|invalid IP address \"1.2.3.4/24\": unexpected character '/'"})
    void rejectsBadAddresses(String text, String message) {
        InvalidNetworkException e = assertThrows(InvalidNetworkException.class, () -> IpInet.parseAddress(text));
        assertEquals(message, e.getMessage());
        assertEquals(Optional.empty(), e.field(), "an address parsed on its own is no field of a network");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "172.16.0.1/33|invalid CIDR \"172.16.0.1/33\": prefix length 33 is out of range for IPv4 (0..32)",
        "fd00::1/129|invalid CIDR \"fd00::1/129\": prefix length 129 is out of range for IPv6 (0..128)",
        "172.16.0.1/0033|invalid CIDR \"172.16.0.1/0033\": prefix length 0033 is out of range for IPv4 (0..32)",
        "172.16.0.1/99999999999|invalid CIDR \"172.16.0.1/99999999999\": prefix length 99999999999 is out of range for IPv4 (0..32)",
        "172.16.0.1/|invalid CIDR \"172.16.0.1/\": missing prefix length after '/'",
        "172.16.0.1/x|invalid CIDR \"172.16.0.1/x\": prefix length \"x\" is not a decimal number",
        "172.16.0.1/+24|invalid CIDR \"172.16.0.1/+24\": prefix length \"+24\" is not a decimal number",
        "172.16.0.1/-1|invalid CIDR \"172.16.0.1/-1\": prefix length \"-1\" is not a decimal number",
        "172.16.0.1/24/8|invalid CIDR \"172.16.0.1/24/8\": prefix length \"24/8\" is not a decimal number",
        "172.16.0/24|invalid CIDR \"172.16.0/24\": expected 4 parts separated by '.', found 3",
        "/24|invalid CIDR \"/24\": empty",
        "host/24|invalid CIDR \"host/24\": unexpected character 'h'",
        "host|invalid CIDR \"host\": unexpected character 'h'"})
    void rejectsBadCidrs(String text, String message) {
        InvalidNetworkException e = assertThrows(InvalidNetworkException.class, () -> IpInet.parse(text));
        assertEquals(message, e.getMessage());
        assertEquals(Optional.empty(), e.field());
    }
}
