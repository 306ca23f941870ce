package dev.fcnet;

import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonNumber;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One request line of the fcnetd protocol: {@code {"operation":"Add","network":{...}}}, the network
 * in fcnet-types' serde form (see {@link FirecrackerNetwork#fromJson}). Beyond fcnetd, an Add may
 * carry {@code "tap_owner":{"uid":U,"gid":G}}: who may open the tap; a Check may carry it too, to
 * check the network as an Add with that owner makes it; and any request may carry
 * {@code "detail":true}, for answers in JSON: a Check's full report, a failure's kind, step, object
 * and errno (fcnetd's own clients never send it, and get fcnetd's text).
 *
 * @param operation what to do
 * @param network the network to do it to
 * @param tapOwner the requested tap owner; only an Add or a Check has one
 * @param detail whether the answer is JSON ({@code "detail":true})
 */
public record FcnetdRequest(FirecrackerNetworkOperation operation, FirecrackerNetwork network,
        Optional<TapOwner> tapOwner, boolean detail) {

    /**
     * Requires every component; only an Add or a Check may have a tap owner.
     *
     * @throws IllegalArgumentException when a Delete has a tap owner
     */
    public FcnetdRequest {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(tapOwner, "tapOwner");
        if (tapOwner.isPresent() && operation == FirecrackerNetworkOperation.Delete) {
            throw new IllegalArgumentException("a tap owner is only for Add and Check, not Delete");
        }
    }

    /**
     * A request without a tap owner, as fcnetd clients send.
     *
     * @param operation what to do
     * @param network the network to do it to
     */
    public FcnetdRequest(FirecrackerNetworkOperation operation, FirecrackerNetwork network) {
        this(operation, network, Optional.empty(), false);
    }

    /**
     * A request with a tap owner and fcnetd's text answers.
     *
     * @param operation what to do
     * @param network the network to do it to
     * @param tapOwner the requested tap owner; only an Add or a Check has one
     */
    public FcnetdRequest(FirecrackerNetworkOperation operation, FirecrackerNetwork network, Optional<TapOwner> tapOwner) {
        this(operation, network, tapOwner, false);
    }

    /**
     * This request, asking for JSON answers or fcnetd's text.
     *
     * @param detail whether the answer is JSON
     * @return this request with {@code "detail"} set as given
     */
    public FcnetdRequest withDetail(boolean detail) {
        return new FcnetdRequest(operation, network, tapOwner, detail);
    }

    /** The operation name of the daemon's listing, which takes no network: {@code {"operation":"List"}}. */
    public static final String LIST = "List";

    /**
     * Whether a request line is the daemon's listing, {@code {"operation":"List"}}, rather than an
     * operation on a network.
     *
     * @param line one line of the protocol
     * @return true for a List request (whatever else it carries)
     */
    public static boolean isList(String line) {
        return field(line, "operation").filter(v -> v instanceof JsonString js && js.value().equals(LIST)).isPresent();
    }

    /**
     * Whether a request line asks for JSON answers, as far as it can be read: how to answer a line
     * that is not a valid request.
     *
     * @param line one line of the protocol
     * @return true when it is a JSON object with {@code "detail":true}
     */
    public static boolean wantsDetail(String line) {
        return field(line, "detail").filter(v -> v instanceof JsonValue.JsonBoolean b && b.value()).isPresent();
    }

    private static Optional<JsonValue> field(String line, String name) {
        try {
            return NetworkJson.parse(line) instanceof JsonObject o ? Optional.ofNullable(o.get(name)) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads a request line. Unknown fields are ignored, as fcnetd's serde does.
     *
     * @param line one line of the protocol, with or without its line terminator
     * @return the request
     * @throws InvalidNetworkException if the line is not JSON, a field is missing or of the wrong type
     *     (naming it, e.g. {@code network.tap_ip}), the network is invalid, or a {@code tap_owner}
     *     is malformed or given with a Delete
     */
    public static FcnetdRequest fromJson(String line) {
        JsonObject o = NetworkJson.object(NetworkJson.parse(line), "");
        FirecrackerNetworkOperation operation = NetworkJson.readOperation(o, "");
        FirecrackerNetwork network = NetworkJson.readNetwork(NetworkJson.required(o, "", "network"), "network.");
        Optional<TapOwner> owner = Optional.empty();
        JsonValue ownerJson = o.get("tap_owner");
        if (ownerJson != null && !(ownerJson instanceof JsonValue.JsonNull)) {
            if (operation == FirecrackerNetworkOperation.Delete) {
                throw new InvalidNetworkException("field \"tap_owner\" is only for Add and Check, not Delete");
            }
            JsonObject t = NetworkJson.object(ownerJson, "tap_owner");
            OptionalInt uid = id(t, "uid");
            OptionalInt gid = id(t, "gid");
            if (uid.isEmpty() && gid.isEmpty()) {
                throw new InvalidNetworkException("field \"tap_owner\" needs \"uid\", \"gid\" or both");
            }
            owner = Optional.of(new TapOwner(uid, gid));
        }
        JsonValue detail = o.get("detail");
        if (detail != null && !(detail instanceof JsonValue.JsonBoolean) && !(detail instanceof JsonValue.JsonNull)) {
            throw new InvalidNetworkException("detail", "field \"detail\" must be true or false, found " + detail.kind());
        }
        return new FcnetdRequest(operation, network, owner, detail instanceof JsonValue.JsonBoolean b && b.value());
    }

    /** An absent (or null) or non-negative int field of {@code tap_owner}. */
    private static OptionalInt id(JsonObject o, String field) {
        JsonValue v = o.get(field);
        if (v == null || v instanceof JsonValue.JsonNull) return OptionalInt.empty();
        String what = "field \"tap_owner." + field + "\"";
        if (!(v instanceof JsonNumber n)) throw new InvalidNetworkException(what + " must be a number, found " + v.kind());
        int id;
        try {
            id = n.intValue();
        } catch (NumberFormatException e) {
            throw new InvalidNetworkException(what + ": " + e.getMessage(), e);
        }
        if (id < 0) throw new InvalidNetworkException(what + ": " + id + " is negative");
        return OptionalInt.of(id);
    }

    /** {@return the request as one line of JSON (without the newline), as fcnetd-client writes it} */
    public String toJson() {
        Map<String, JsonValue> m = new LinkedHashMap<>();
        m.put("operation", new JsonString(operation.name()));
        m.put("network", NetworkJson.network(network));
        tapOwner.ifPresent(t -> {
            Map<String, JsonValue> owner = new LinkedHashMap<>();
            t.uid().ifPresent(u -> owner.put("uid", new JsonNumber(Integer.toString(u))));
            t.gid().ifPresent(g -> owner.put("gid", new JsonNumber(Integer.toString(g))));
            m.put("tap_owner", new JsonObject(owner));
        });
        if (detail) m.put("detail", new JsonValue.JsonBoolean(true));
        return NetworkJson.write(new JsonObject(m));
    }
}
