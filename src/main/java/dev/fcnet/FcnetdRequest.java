package dev.fcnet;

import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One request line of the fcnetd protocol: {@code {"operation":"Add","network":{...}}}, the network
 * in fcnet-types' serde form (see {@link FirecrackerNetwork#fromJson}).
 *
 * @param operation what to do with the network
 * @param network the network
 */
public record FcnetdRequest(FirecrackerNetworkOperation operation, FirecrackerNetwork network) {

    /** Requires both parts. */
    public FcnetdRequest {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(network, "network");
    }

    /**
     * Reads a request line. Unknown fields are ignored, as fcnetd's serde does.
     *
     * @param line one line of the protocol, with or without its line terminator
     * @return the request
     * @throws InvalidNetworkException if the line is not JSON, a field is missing or of the wrong type
     *     (naming it, e.g. {@code network.tap_ip}), or the network is invalid
     */
    public static FcnetdRequest fromJson(String line) {
        JsonObject o = NetworkJson.object(NetworkJson.parse(line), "");
        FirecrackerNetworkOperation operation = NetworkJson.readOperation(o, "");
        FirecrackerNetwork network = NetworkJson.readNetwork(NetworkJson.required(o, "", "network"), "network.");
        return new FcnetdRequest(operation, network);
    }

    /** {@return the request as one line of JSON (without the newline), as fcnetd-client writes it} */
    public String toJson() {
        Map<String, JsonValue> m = new LinkedHashMap<>();
        m.put("operation", new JsonString(operation.name()));
        m.put("network", NetworkJson.network(network));
        return NetworkJson.write(new JsonObject(m));
    }
}
