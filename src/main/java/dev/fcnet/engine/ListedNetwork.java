package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonBoolean;
import dev.fcnet.json.JsonValue.JsonNull;
import dev.fcnet.json.JsonValue.JsonNumber;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A network the engine made on this host, as {@link FcnetEngine#list()} finds it from the marks
 * the kernel holds: what is left of it after a crash, or all of it.
 *
 * @param id the tap of a Simple network ({@code tap0}), the netns of a Namespaced one
 *     ({@code netns fc1}); a lone host veth whose netns is gone is named by itself
 *     ({@code veth veth1})
 * @param type Simple or Namespaced
 * @param uid the user its marks record; empty when none of its parts carries one (a netns file
 *     left without a namespace behind it)
 * @param network the network, when its parts tell every setting of it: give it to
 *     {@link FcnetEngine#delete} to remove it
 * @param complete whether a Check of {@code network} is clean
 * @param parts every object of it found, in the order Add makes them
 */
public record ListedNetwork(String id, Type type, OptionalInt uid, Optional<FirecrackerNetwork> network, boolean complete,
        List<NetworkObject> parts) {
    /** Requires every component; copies the parts. */
    public ListedNetwork {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(network, "network");
        parts = List.copyOf(parts);
    }

    /** Simple (a tap in the host netns) or Namespaced (a netns with a veth pair). */
    public enum Type {
        /** A tap in the host netns. */
        SIMPLE,
        /** A netns of its own, joined to the host netns by a veth pair. */
        NAMESPACED
    }

    /**
     * One JSON object: {@code {"id":"tap0","type":"Simple","uid":0,"complete":true,"network":{...},
     * "parts":[{"kind":"LINK","netns":null,"object":"tap0"},...]}}, the network in fcnet-types'
     * form (null when unknown).
     *
     * @return the network as one line of JSON
     */
    public String toJson() {
        return Json.write(json());
    }

    JsonObject json() {
        Map<String, JsonValue> o = new LinkedHashMap<>();
        o.put("id", new JsonString(id));
        o.put("type", new JsonString(type == Type.SIMPLE ? "Simple" : "Namespaced"));
        o.put("uid", uid.isPresent() ? new JsonNumber(Integer.toUnsignedString(uid.getAsInt())) : new JsonNull());
        o.put("complete", new JsonBoolean(complete));
        o.put("network", network.map(n -> Json.parse(n.toJson())).orElse(new JsonNull()));
        o.put("parts", new JsonArray(parts.stream().<JsonValue>map(p -> {
            Map<String, JsonValue> m = new LinkedHashMap<>();
            m.put("kind", new JsonString(p.kind().name()));
            m.put("netns", p.netns().<JsonValue>map(JsonString::new).orElse(new JsonNull()));
            m.put("object", new JsonString(p.object()));
            return new JsonObject(m);
        }).toList()));
        return new JsonObject(o);
    }

    /**
     * A JSON array of networks, for a listing on one line.
     *
     * @param networks the networks, as {@link FcnetEngine#list()} returns them
     * @return an array of {@link #toJson()}'s objects, in the order given
     */
    public static String toJson(List<ListedNetwork> networks) {
        return Json.write(new JsonArray(networks.stream().<JsonValue>map(ListedNetwork::json).toList()));
    }

    /** A summary line ({@code netns fc1: Namespaced, uid 0, complete}), then a line per part. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(id).append(": ").append(type == Type.SIMPLE ? "Simple" : "Namespaced")
                .append(uid.isPresent() ? ", uid " + Integer.toUnsignedString(uid.getAsInt()) : ", no mark")
                .append(complete ? ", complete" : network.isPresent() ? ", incomplete" : ", incomplete (settings unknown)");
        for (NetworkObject p : parts) s.append("\n  ").append(p);
        return s.toString();
    }
}
