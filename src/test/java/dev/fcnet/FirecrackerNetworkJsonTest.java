package dev.fcnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.json.JsonException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FirecrackerNetworkJsonTest {

    /** DESIGN §5, first example: fcnet-types' serde output for fcnet-cli's defaults. */
    static final String SIMPLE = "{\"nft_path\":null,\"ip_stack\":\"V4\",\"iface_name\":\"eth0\",\"tap_name\":\"tap0\","
            + "\"tap_ip\":\"172.16.0.1/24\",\"guest_ip\":\"172.16.0.2/24\",\"network_type\":{\"type\":\"Simple\"}}";

    /** DESIGN §5, second example. */
    static final String NAMESPACED = "{\"nft_path\":null,\"ip_stack\":\"V4\",\"iface_name\":\"eth0\",\"tap_name\":\"tap0\","
            + "\"tap_ip\":\"172.16.0.1/24\",\"guest_ip\":\"172.16.0.2/24\",\"network_type\":{\"type\":\"Namespaced\","
            + "\"netns_name\":\"fc1\",\"veth1_name\":\"veth1\",\"veth2_name\":\"veth0\",\"veth1_ip\":\"10.0.0.1/24\","
            + "\"veth2_ip\":\"10.0.0.2/24\",\"forwarded_guest_ip\":\"192.168.0.3\"}}";

    @Test
    void designExamplesRoundTrip() {
        FirecrackerNetwork simple = FirecrackerNetwork.fromJson(SIMPLE);
        assertEquals(FirecrackerNetwork.builder().build(), simple);
        assertEquals(SIMPLE, simple.toJson());

        FirecrackerNetwork ns = FirecrackerNetwork.fromJson(NAMESPACED);
        assertEquals(FirecrackerNetwork.builder().networkType(Namespaced.builder().netnsName("fc1")
                .forwardedGuestIp(IpInet.parseAddress("192.168.0.3")).build()).build(), ns);
        assertEquals(NAMESPACED, ns.toJson());
    }

    @Test
    void everyFieldRoundTrips() {
        FirecrackerNetwork n = FirecrackerNetwork.builder().nftPath("/usr/sbin/nft").ipStack(FirecrackerIpStack.Dual)
                .ifaceName("ens3").tapName("tap\"é").tapIp(IpInet.parse("fd00::1/64")).guestIp(IpInet.parse("fd00::2/64"))
                .networkType(Namespaced.builder().netnsName("vm:7\\x").veth1Ip(IpInet.parse("fd01::1/64"))
                        .veth2Ip(IpInet.parse("fd01::2/64")).build())
                .build();
        String json = n.toJson();
        assertEquals("{\"nft_path\":\"/usr/sbin/nft\",\"ip_stack\":\"Dual\",\"iface_name\":\"ens3\",\"tap_name\":\"tap\\\"é\","
                + "\"tap_ip\":\"fd00::1/64\",\"guest_ip\":\"fd00::2/64\",\"network_type\":{\"type\":\"Namespaced\","
                + "\"netns_name\":\"vm:7\\\\x\",\"veth1_name\":\"veth1\",\"veth2_name\":\"veth0\",\"veth1_ip\":\"fd01::1/64\","
                + "\"veth2_ip\":\"fd01::2/64\",\"forwarded_guest_ip\":null}}", json);
        assertEquals(n, FirecrackerNetwork.fromJson(json));
    }

    @Test
    void absentOptionalFieldsTakeSerdeDefaults() {
        FirecrackerNetwork n = FirecrackerNetwork.fromJson("{\"iface_name\":\"eth0\",\"tap_name\":\"tap0\","
                + "\"tap_ip\":\"172.16.0.1/24\",\"guest_ip\":\"172.16.0.2/24\",\"network_type\":{\"type\":\"Namespaced\","
                + "\"netns_name\":\"fcnet\",\"veth1_name\":\"veth1\",\"veth2_name\":\"veth0\",\"veth1_ip\":\"10.0.0.1/24\","
                + "\"veth2_ip\":\"10.0.0.2/24\"}}");
        assertEquals(Optional.empty(), n.nftPath());
        assertEquals(FirecrackerIpStack.V4, n.ipStack());
        assertEquals(Optional.empty(), assertInstanceOf(Namespaced.class, n.networkType()).forwardedGuestIp());
    }

    @Test
    void unknownFieldsAreIgnoredAndWhitespaceAllowed() {
        String pretty = """
                {
                  "comment": {"deep": [1, 2.5, {"x": null}]},
                  "iface_name": "eth0", "tap_name": "tap0",
                  "tap_ip": "172.16.0.1/24", "guest_ip": "172.16.0.2/24",
                  "network_type": {"type": "Simple", "netns_name": 7}
                }
                """;
        assertEquals(FirecrackerNetwork.builder().build(), FirecrackerNetwork.fromJson(pretty));
    }

    @Test
    void bareAddressesAreHostPrefixesAsTheCidrCrateReadsThem() {
        assertEquals("guest_ip 172.16.0.2/32 and tap_ip 172.16.0.1/24 have different prefix lengths",
                assertThrows(InvalidNetworkException.class,
                        () -> FirecrackerNetwork.fromJson(SIMPLE.replace("172.16.0.2/24", "172.16.0.2"))).getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "[]|expected a JSON object, found an array|",
        "null|expected a JSON object, found null|",
        "{}|missing field \"iface_name\"|iface_name",
        "`{\"iface_name\":\"eth0\"}`|missing field \"tap_name\"|tap_name",
        "`{\"iface_name\":\"eth0\",\"tap_name\":\"tap0\",\"tap_ip\":\"172.16.0.1/24\",\"guest_ip\":\"172.16.0.2/24\"}`|missing field \"network_type\"|network_type"})
    void rejectsIncompleteDocuments(String json, String message, String field) {
        InvalidNetworkException e = assertThrows(InvalidNetworkException.class, () -> FirecrackerNetwork.fromJson(json));
        assertEquals(message, e.getMessage());
        assertEquals(Optional.ofNullable(field), e.field());
    }

    /** Each case replaces one piece of the SIMPLE or NAMESPACED document. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "S|`\"tap0\"`|`7`|field \"tap_name\" must be a string, found a number|tap_name",
        "S|`\"tap0\"`|`1e999999999`|field \"tap_name\" must be a string, found a number|tap_name",
        "S|`\"tap0\"`|`null`|field \"tap_name\" must be a string, found null|tap_name",
        "S|`\"eth0\"`|`[\"eth0\"]`|field \"iface_name\" must be a string, found an array|iface_name",
        "S|`\"V4\"`|`\"v4\"`|field \"ip_stack\": unknown ip stack \"v4\"; expected \"V4\", \"V6\" or \"Dual\"|ip_stack",
        "S|`\"V4\"`|`null`|field \"ip_stack\" must be a string, found null|ip_stack",
        "S|`\"nft_path\":null`|`\"nft_path\":false`|field \"nft_path\" must be a string, found a boolean|nft_path",
        "S|`\"172.16.0.1/24\"`|`\"172.16.0.1/33\"`|field \"tap_ip\": invalid CIDR \"172.16.0.1/33\": prefix length 33 is out of range for IPv4 (0..32)|tap_ip",
        "S|`\"172.16.0.2/24\"`|`\"guest.example/24\"`|field \"guest_ip\": invalid CIDR \"guest.example/24\": unexpected character 'g'|guest_ip",
        "S|`\"172.16.0.2/24\"`|`{\"addr\":\"172.16.0.2\",\"len\":24}`|field \"guest_ip\" must be a string, found an object|guest_ip",
        "S|`{\"type\":\"Simple\"}`|`\"Simple\"`|field \"network_type\" must be an object, found a string|network_type",
        "S|`{\"type\":\"Simple\"}`|`{}`|missing field \"network_type.type\"|type",
        "S|`\"Simple\"`|`\"simple\"`|field \"network_type.type\": unknown network type \"simple\"; expected \"Simple\" or \"Namespaced\"|type",
        "S|`\"tap0\"`|`\"averyveryverylongname\"`|tap_name \"averyveryverylongname\" is 21 bytes; Linux interface names are at most 15|tap_name",
        "S|`\"tap0\"`|`\"tap\\u0000\"`|tap_name \"tap\\u0000\" contains NUL, which Linux interface names cannot contain|tap_name",
        "S|`\"tap0\"`|`\"t%d\"`|tap_name \"t%d\" contains '%', which Linux interface names cannot contain (the kernel would replace \"%d\" with a number)|tap_name",
        "S|`\"eth0\"`|`\"eth0\\t\"`|iface_name \"eth0\\t\" contains whitespace (U+0009), which Linux interface names cannot contain|iface_name",
        "N|`\"fc1\"`|`\"fc/1\"`|netns_name \"fc/1\" contains '/', which network namespace names cannot contain|netns_name",
        "N|`\"fc1\"`|`\"fc%d\"`|netns_name \"fc%d\" contains '%', which network namespace names cannot contain|netns_name",
        "N|`\"veth1\"`|`\"v:1\"`|veth1_name \"v:1\" contains ':', which Linux interface names cannot contain|veth1_name",
        "N|`\"veth0\"`|`\"..\"`|veth2_name \"..\" is reserved; Linux interface names cannot be \".\" or \"..\"|veth2_name",
        "N|`\"netns_name\":\"fc1\",`|``|missing field \"network_type.netns_name\"|netns_name",
        "N|`\"10.0.0.1/24\"`|`true`|field \"network_type.veth1_ip\" must be a string, found a boolean|veth1_ip",
        "N|`\"10.0.0.2/24\"`|`\"10.0.0.2/24 \"`|field \"network_type.veth2_ip\": invalid CIDR \"10.0.0.2/24 \": prefix length \"24 \" is not a decimal number|veth2_ip",
        "N|`\"192.168.0.3\"`|`\"192.168.0.3/32\"`|field \"network_type.forwarded_guest_ip\": invalid IP address \"192.168.0.3/32\": unexpected character '/'|forwarded_guest_ip",
        "N|`\"192.168.0.3\"`|`3232235523`|field \"network_type.forwarded_guest_ip\" must be a string, found a number|forwarded_guest_ip",
        "N|`\"192.168.0.3\"`|`\"fd00::3\"`|forwarded_guest_ip fd00::3 is IPv6 but veth1_ip 10.0.0.1/24 is IPv4; the host routes it to veth2_ip|forwarded_guest_ip",
        "N|`\"veth0\"`|`\"veth1\"`|veth1_name and veth2_name are both \"veth1\"; the two ends of a veth pair need different names|veth1_name",
        "S|`}}`|`}`|invalid JSON: expected ',' or '}', found the end of input at line 1, column 156 (offset 155)|",
        "S|`}}`|`}}}`|invalid JSON: unexpected '}' after the JSON value at line 1, column 157 (offset 156)|",
        "S|`\"tap0\"`|`\"tap0\",\"tap_name\":\"tap1\"`|invalid JSON: duplicate key \"tap_name\" at line 1, column 72 (offset 71)|",
        "S|`\"tap0\"`|`\"tap\\q\"`|invalid JSON: invalid escape \\q (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX) at line 1, column 69 (offset 68)|"})
    void rejectsWrongFieldsNamingThem(String which, String from, String to, String message, String field) {
        String base = which.equals("S") ? SIMPLE : NAMESPACED;
        assertEquals(from.length(), base.length() - base.replace(from, "").length(), "fixture must match once: " + from);
        String json = base.replace(from, to);
        InvalidNetworkException e = assertThrows(InvalidNetworkException.class, () -> FirecrackerNetwork.fromJson(json));
        assertEquals(message, e.getMessage());
        // The field by its own name, without the objects around it; none for JSON that is not one.
        assertEquals(Optional.ofNullable(field), e.field());
    }

    @Test
    void hostileDocumentsFailCleanly() {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            InvalidNetworkException e = assertThrows(InvalidNetworkException.class,
                    () -> FirecrackerNetwork.fromJson("{\"tap_name\":" + "[".repeat(100_000)));
            assertEquals("invalid JSON: nesting deeper than 64 levels at line 1, column 76 (offset 75)", e.getMessage());
            assertInstanceOf(JsonException.class, e.getCause());
            assertEquals("invalid JSON: expected a string key, found the end of input at line 1, column 2 (offset 1)",
                    assertThrows(InvalidNetworkException.class, () -> FirecrackerNetwork.fromJson("{")).getMessage());
            for (int cut = 0; cut < NAMESPACED.length(); cut++) {
                String truncated = NAMESPACED.substring(0, cut);
                String message = assertThrows(InvalidNetworkException.class,
                        () -> FirecrackerNetwork.fromJson(truncated)).getMessage();
                // Reported at the end of the text, or where the cut string or literal starts.
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile("invalid JSON: .+ at line 1, column (\\d+) \\(offset (\\d+)\\)").matcher(message);
                assertEquals(true, m.matches(), truncated + " -> " + message);
                int offset = Integer.parseInt(m.group(2));
                assertEquals(offset + 1, Integer.parseInt(m.group(1)));
                assertEquals(true, offset == cut || offset < cut && "\"n".indexOf(truncated.charAt(offset)) >= 0,
                        truncated + " -> " + message);
            }
        });
    }

    @Test
    void requestsRoundTrip() {
        String line = "{\"operation\":\"Add\",\"network\":" + NAMESPACED + "}";
        FcnetdRequest r = FcnetdRequest.fromJson(line);
        assertEquals(FirecrackerNetworkOperation.Add, r.operation());
        assertEquals(FirecrackerNetwork.fromJson(NAMESPACED), r.network());
        assertEquals(line, r.toJson());
        for (FirecrackerNetworkOperation op : FirecrackerNetworkOperation.values()) {
            FcnetdRequest q = new FcnetdRequest(op, r.network());
            assertEquals(q, FcnetdRequest.fromJson(q.toJson()));
        }
        // A line read with its terminator still parses: the newline is whitespace.
        assertEquals(r, FcnetdRequest.fromJson(line + "\r\n"));
        // Field order does not matter, unknown fields are ignored.
        assertEquals(new FcnetdRequest(FirecrackerNetworkOperation.Delete, FirecrackerNetwork.fromJson(SIMPLE)),
                FcnetdRequest.fromJson("{\"id\":1,\"network\":" + SIMPLE + ",\"operation\":\"Delete\"}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{\"network\":NET}`|missing field \"operation\"|operation",
        "`{\"operation\":\"add\",\"network\":NET}`|field \"operation\": unknown operation \"add\"; expected \"Add\", \"Check\" or \"Delete\"|operation",
        "`{\"operation\":1,\"network\":NET}`|field \"operation\" must be a string, found a number|operation",
        "`{\"operation\":\"Check\"}`|missing field \"network\"|network",
        "`{\"operation\":\"Check\",\"network\":null}`|field \"network\" must be an object, found null|network",
        "`{\"operation\":\"Check\",\"network\":{}}`|missing field \"network.iface_name\"|iface_name",
        "`{\"operation\":\"Check\",\"network\":NET2}`|field \"network.tap_ip\" must be a string, found a number|tap_ip",
        "`{\"operation\":\"Check\",\"network\":NET3}`|missing field \"network.network_type.veth2_ip\"|veth2_ip",
        "`[\"Add\"]`|expected a JSON object, found an array|"})
    void rejectsBadRequests(String template, String message, String field) {
        String line = template.replace("NET3", NAMESPACED.replace(",\"veth2_ip\":\"10.0.0.2/24\"", ""))
                .replace("NET2", SIMPLE.replace("\"172.16.0.1/24\"", "24")).replace("NET", SIMPLE);
        InvalidNetworkException e = assertThrows(InvalidNetworkException.class, () -> FcnetdRequest.fromJson(line));
        assertEquals(message, e.getMessage());
        assertEquals(Optional.ofNullable(field), e.field());
    }
}
