package dev.fcnet.engine;

import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.sys.SysException;
import java.io.Serial;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue;
import dev.fcnet.json.JsonValue.JsonNull;
import dev.fcnet.json.JsonValue.JsonNumber;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.json.JsonValue.JsonString;
import dev.fcnet.sys.Errno;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An operation failed. The message says which operation on which network, the step that failed
 * and its object, the errno name and the kernel's own explanation (extended ack) when it gave one,
 * e.g. {@code Add tap0: step "add address" (172.16.0.1/24 on tap0) failed: RTM_NEWADDR tap0: File
 * exists (EEXIST); undid 2 completed steps}. The kernel's or system call's error is the cause.
 */
public final class FcnetException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** What kind of failure it is, for programs that act on it without reading the message. */
    public enum Kind {
        /** An object of the network (its tap, netns or veth1) exists already; nothing was changed. */
        ALREADY_EXISTS,
        /** The network does not exist at all; nothing was changed. */
        NOT_FOUND,
        /** The network exists only in part; the message names what was missing. */
        INCOMPLETE,
        /** An object of that name exists but was not made by the engine, or for another user. */
        NOT_OURS,
        /** The network clashes with another one or with the host (a guest address, a route). */
        CONFLICT,
        /** The kernel or a system call refused for lack of privileges (EPERM, EACCES). */
        PERMISSION,
        /** The kernel or a system call failed otherwise; {@link #errno()} tells how. */
        KERNEL,
        /**
         * The request or network was invalid; nothing was changed. Only the daemon answers it: the
         * library throws {@link dev.fcnet.InvalidNetworkException} before anything starts.
         */
        INVALID
    }

    /** The step of an operation that failed; {@link #label()} is how messages name it. */
    public enum Step {
        /** Looking at the network before changing anything (does it exist, is it whole, may it be changed). */
        CHECK("check"),
        /** Refusing to touch an object the engine did not make, or made for another user. */
        CHECK_OWNERSHIP("check ownership"),
        /** Looking at the host's forwarding before an Add that requires it. */
        CHECK_FORWARDING("check forwarding"),
        /** Looking at the objects of a network. */
        LOOK_UP("look up"),
        /** Listing the engine's networks. */
        LIST("list"),
        /** Opening the namespace the engine treats as the host. */
        OPEN_HOST_NETNS("open host netns"),
        /** Opening netlink sockets in the host netns. */
        OPEN_SOCKETS("open sockets"),
        /** Making a network's namespace (not named yet). */
        CREATE_NETNS("create netns"),
        /** Opening netlink sockets inside a network's namespace. */
        OPEN_NETNS_SOCKETS("open netns sockets"),
        /** Making the tap. */
        CREATE_TAP("create tap"),
        /** Marking a link or namespace as the engine's. */
        MARK_LINK("mark link"),
        /** Making the tap outlive the engine's file descriptor. */
        PERSIST_TAP("persist tap"),
        /** Turning forwarding on. */
        ENABLE_FORWARDING("enable forwarding"),
        /** Making the veth pair. */
        CREATE_VETH_PAIR("create veth pair"),
        /** Giving a link its address and setting it up. */
        CONFIGURE_LINK("configure link"),
        /** Adding a route. */
        ADD_ROUTE("add route"),
        /** Adding the network's nftables rules. */
        ADD_RULES("add rules"),
        /** Naming the network's namespace under /run/netns. */
        NAME_NETNS("name netns"),
        /** Deleting the network's nftables rules. */
        DELETE_RULES("delete rules"),
        /** Deleting the host route of a forwarded guest IP. */
        DELETE_ROUTE("delete route"),
        /** Deleting (retiring) the network's host link. */
        DELETE_LINK("delete link"),
        /** Deleting the network's namespace. */
        DELETE_NETNS("delete netns"),
        /** Destroying the links Deletes retired. */
        DESTROY_LINKS("destroy links");

        private final String label;

        Step(String label) {
            this.label = label;
        }

        /** {@return the step as messages name it, e.g. {@code create tap}} */
        public String label() {
            return label;
        }

        /** {@return the label} */
        @Override
        public String toString() {
            return label;
        }
    }

    /** What kind of failure it is. */
    private final Kind kind;
    /** The step that failed. */
    private final Step step;
    /** The step's object. */
    private final String object;
    /** The errno of the refusal; 0 when there was none. */
    private final int errno;
    /** The errno name of the refusal; null when there was none. */
    private final String errnoName;
    /** The kernel's extended-ack text; null when it gave none. */
    private final String kernelMessage;

    /** A failure of the kernel or a system call ({@code cause}), of kind PERMISSION or KERNEL by its errno. */
    FcnetException(String message, Step step, String object, Throwable cause) {
        this(null, message, step, object, cause);
    }

    /** A failure of kind {@code kind}; null: PERMISSION or KERNEL, by the errno of {@code cause}. */
    FcnetException(Kind kind, String message, Step step, String object, Throwable cause) {
        super(message, cause);
        this.step = Objects.requireNonNull(step, "step");
        this.object = Objects.requireNonNull(object, "object");
        int number = 0;
        String name = null;
        String ack = null;
        for (Throwable t = cause; t != null && name == null; t = t.getCause()) {
            if (t instanceof NetlinkException n) {
                number = n.errno();
                name = n.errnoName();
                ack = n.extAckMessage();
            } else if (t instanceof SysException s) {
                number = s.errno();
                name = s.errnoName();
            }
        }
        this.errno = number;
        this.errnoName = name;
        this.kernelMessage = ack;
        this.kind = kind != null ? kind : number == Errno.EPERM || number == Errno.EACCES ? Kind.PERMISSION : Kind.KERNEL;
    }

    /**
     * The failure as one JSON object, for programs: {@code {"kind":"ALREADY_EXISTS","step":"check",
     * "object":"tap0","errno":null,"errno_name":null,"kernel_message":null,"message":"..."}}.
     *
     * @return the failure as one line of JSON
     */
    public String toJson() {
        Map<String, JsonValue> o = new LinkedHashMap<>();
        o.put("kind", new JsonString(kind.name()));
        o.put("step", new JsonString(step.label()));
        o.put("object", new JsonString(object));
        o.put("errno", errnoName == null ? new JsonNull() : new JsonNumber(Integer.toString(errno)));
        o.put("errno_name", errnoName == null ? new JsonNull() : new JsonString(errnoName));
        o.put("kernel_message", kernelMessage == null ? new JsonNull() : new JsonString(kernelMessage));
        o.put("message", new JsonString(String.valueOf(getMessage())));
        return Json.write(new JsonObject(o));
    }

    /** {@return what kind of failure it is} */
    public Kind kind() {
        return kind;
    }

    /** {@return the errno of the kernel's or system call's refusal, e.g. 17 (EEXIST); empty when there was none} */
    public OptionalInt errno() {
        return errnoName == null ? OptionalInt.empty() : OptionalInt.of(errno);
    }

    /** {@return the step that failed, e.g. {@code create tap}; {@code check} when the network was found unfit before any change} */
    public Step step() {
        return step;
    }

    /** {@return the object of the step, e.g. {@code tap0} or {@code ip fcnet filter: iifname "tap0" oifname "eth0" accept}} */
    public String object() {
        return object;
    }

    /** {@return the errno name of the kernel's or system call's refusal, e.g. {@code EEXIST}; empty when there was none} */
    public Optional<String> errnoName() {
        return Optional.ofNullable(errnoName);
    }

    /** {@return the kernel's extended-ack text; empty when it gave none} */
    public Optional<String> kernelMessage() {
        return Optional.ofNullable(kernelMessage);
    }
}
