package dev.fcnet.daemon;

import dev.fcnet.engine.FcnetException;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import java.io.Serial;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A request the {@link NetworkService} could not or would not carry out; the message is sent to
 * the client, or with {@code "detail":true} {@link #toJson()}.
 */
public final class OperationFailedException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    private final FcnetException.Kind kind;
    /** The answer for a request with {@code "detail":true}, when not the failure's own JSON (a Check's report). */
    private final String detail;

    /** The daemon's own refusal, of kind {@code kind}. */
    public OperationFailedException(FcnetException.Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.detail = null;
    }

    /** The engine's failure, with its kind. */
    public OperationFailedException(FcnetException cause) {
        this(cause, null);
    }

    /** The engine's failure, answered {@code detail} (a JSON document) when the request asks for JSON. */
    public OperationFailedException(FcnetException cause, String detail) {
        super(cause.getMessage(), cause);
        this.kind = cause.kind();
        this.detail = detail;
    }

    public FcnetException.Kind kind() {
        return kind;
    }

    /**
     * The failure as one JSON line: a Check's report, the engine's form of a failure (kind, step,
     * object, errno, ...) or {@code {"kind":K,"message":M}}.
     */
    public String toJson() {
        if (detail != null) return detail;
        if (getCause() instanceof FcnetException e) return e.toJson();
        return json(kind, getMessage());
    }

    /** {@code {"kind":K,"message":M}}: a failure without a step, e.g. an invalid request. */
    static String json(FcnetException.Kind kind, String message) {
        Map<String, JsonValue> o = new LinkedHashMap<>();
        o.put("kind", new JsonString(kind.name()));
        o.put("message", new JsonString(message));
        return Json.write(new JsonObject(o));
    }
}
