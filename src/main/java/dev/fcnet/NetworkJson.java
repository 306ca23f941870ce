package dev.fcnet;

import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.FirecrackerNetworkType.Simple;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonException;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonNull;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * fcnet-types' serde form of the configuration: field names in snake_case, enums by variant name,
 * {@code network_type} internally tagged by {@code "type"}, addresses as strings. Fields are read by
 * their path (e.g. {@code network_type.veth1_ip}) so every error can name one.
 */
final class NetworkJson {
    private static final JsonNull NULL = new JsonNull();

    private NetworkJson() {}

    static JsonValue parse(String json) {
        try {
            return Json.parse(json);
        } catch (JsonException e) {
            throw new InvalidNetworkException("invalid JSON: " + e.getMessage(), e);
        }
    }

    static String write(JsonValue value) {
        return Json.write(value);
    }

    static FirecrackerNetwork readNetwork(JsonValue value, String path) {
        JsonObject o = object(value, path.isEmpty() ? path : path.substring(0, path.length() - 1));
        String nftPath = optionalString(o, path, "nft_path");
        FirecrackerIpStack ipStack = FirecrackerIpStack.V4;
        if (o.get("ip_stack") != null) {
            String name = string(o, path, "ip_stack");
            ipStack = switch (name) {
                case "V4" -> FirecrackerIpStack.V4;
                case "V6" -> FirecrackerIpStack.V6;
                case "Dual" -> FirecrackerIpStack.Dual;
                default -> throw new InvalidNetworkException("ip_stack", "field \"" + path + "ip_stack\": unknown ip stack "
                        + Json.quote(name) + "; expected \"V4\", \"V6\" or \"Dual\"");
            };
        }
        String ifaceName = string(o, path, "iface_name");
        String tapName = string(o, path, "tap_name");
        IpInet tapIp = inet(o, path, "tap_ip");
        IpInet guestIp = inet(o, path, "guest_ip");
        FirecrackerNetworkType type = networkType(o, path);
        return new FirecrackerNetwork(Optional.ofNullable(nftPath), ipStack, ifaceName, tapName, tapIp, guestIp, type);
    }

    static FirecrackerNetworkOperation readOperation(JsonObject o, String path) {
        String name = string(o, path, "operation");
        return switch (name) {
            case "Add" -> FirecrackerNetworkOperation.Add;
            case "Check" -> FirecrackerNetworkOperation.Check;
            case "Delete" -> FirecrackerNetworkOperation.Delete;
            default -> throw new InvalidNetworkException("operation", "field \"" + path + "operation\": unknown operation "
                    + Json.quote(name) + "; expected \"Add\", \"Check\" or \"Delete\"");
        };
    }

    static JsonObject network(FirecrackerNetwork network) {
        Map<String, JsonValue> m = new LinkedHashMap<>();
        m.put("nft_path", network.nftPath().isPresent() ? new JsonString(network.nftPath().get()) : NULL);
        m.put("ip_stack", new JsonString(network.ipStack().name()));
        m.put("iface_name", new JsonString(network.ifaceName()));
        m.put("tap_name", new JsonString(network.tapName()));
        m.put("tap_ip", new JsonString(network.tapIp().toString()));
        m.put("guest_ip", new JsonString(network.guestIp().toString()));
        Map<String, JsonValue> t = new LinkedHashMap<>();
        if (network.networkType() instanceof Namespaced ns) {
            t.put("type", new JsonString("Namespaced"));
            t.put("netns_name", new JsonString(ns.netnsName()));
            t.put("veth1_name", new JsonString(ns.veth1Name()));
            t.put("veth2_name", new JsonString(ns.veth2Name()));
            t.put("veth1_ip", new JsonString(ns.veth1Ip().toString()));
            t.put("veth2_ip", new JsonString(ns.veth2Ip().toString()));
            t.put("forwarded_guest_ip", ns.forwardedGuestIp().isPresent()
                    ? new JsonString(IpInet.formatAddress(ns.forwardedGuestIp().get())) : NULL);
        } else {
            t.put("type", new JsonString("Simple"));
        }
        m.put("network_type", new JsonObject(t));
        return new JsonObject(m);
    }

    private static FirecrackerNetworkType networkType(JsonObject parent, String path) {
        String typePath = path + "network_type.";
        JsonObject o = object(required(parent, path, "network_type"), path + "network_type");
        String tag = string(o, typePath, "type");
        if (tag.equals("Simple")) return new Simple();
        if (!tag.equals("Namespaced")) {
            throw new InvalidNetworkException("type", "field \"" + typePath + "type\": unknown network type "
                    + Json.quote(tag) + "; expected \"Simple\" or \"Namespaced\"");
        }
        String forwarded = optionalString(o, typePath, "forwarded_guest_ip");
        InetAddress forwardedIp = null;
        if (forwarded != null) {
            try {
                forwardedIp = IpInet.parseAddress(forwarded);
            } catch (IllegalArgumentException e) {
                throw new InvalidNetworkException("forwarded_guest_ip",
                        "field \"" + typePath + "forwarded_guest_ip\": " + e.getMessage(), e);
            }
        }
        return new Namespaced(string(o, typePath, "netns_name"), string(o, typePath, "veth1_name"),
                string(o, typePath, "veth2_name"), inet(o, typePath, "veth1_ip"), inet(o, typePath, "veth2_ip"),
                Optional.ofNullable(forwardedIp));
    }

    static JsonObject object(JsonValue value, String path) {
        if (value instanceof JsonObject o) return o;
        String message = (path.isEmpty() ? "expected a JSON object" : "field \"" + path + "\" must be an object")
                + ", found " + value.kind();
        throw new InvalidNetworkException(path.isEmpty() ? null : path.substring(path.lastIndexOf('.') + 1), message, null);
    }

    static JsonValue required(JsonObject o, String path, String field) {
        JsonValue v = o.get(field);
        if (v == null) throw new InvalidNetworkException(field, "missing field \"" + path + field + "\"");
        return v;
    }

    private static String string(JsonObject o, String path, String field) {
        JsonValue v = required(o, path, field);
        if (v instanceof JsonString s) return s.value();
        throw new InvalidNetworkException(field, "field \"" + path + field + "\" must be a string, found " + v.kind());
    }

    /** A string that may be absent or null (serde's Option with a default): null then. */
    private static String optionalString(JsonObject o, String path, String field) {
        JsonValue v = o.get(field);
        if (v == null || v instanceof JsonNull) return null;
        return string(o, path, field);
    }

    private static IpInet inet(JsonObject o, String path, String field) {
        String text = string(o, path, field);
        try {
            return IpInet.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidNetworkException(field, "field \"" + path + field + "\": " + e.getMessage(), e);
        }
    }
}
