package dev.fcnet.engine;

import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.sys.SysException;
import java.io.Serial;
import java.util.Objects;
import java.util.Optional;

/**
 * An operation failed. The message says which operation on which network, the step that failed
 * and its object, the errno name and the kernel's own explanation (extended ack) when it gave one,
 * e.g. {@code Add tap0: step "add address" (172.16.0.1/24 on tap0) failed: RTM_NEWADDR tap0: File
 * exists (EEXIST); undid 2 completed steps}. The kernel's or system call's error is the cause.
 */
public final class FcnetException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The step that failed. */
    private final String step;
    /** The step's object. */
    private final String object;
    /** The errno name of the refusal; null when there was none. */
    private final String errnoName;
    /** The kernel's extended-ack text; null when it gave none. */
    private final String kernelMessage;

    FcnetException(String message, String step, String object, Throwable cause) {
        super(message, cause);
        this.step = Objects.requireNonNull(step, "step");
        this.object = Objects.requireNonNull(object, "object");
        String errno = null;
        String ack = null;
        for (Throwable t = cause; t != null && errno == null; t = t.getCause()) {
            if (t instanceof NetlinkException n) {
                errno = n.errnoName();
                ack = n.extAckMessage();
            } else if (t instanceof SysException s) {
                errno = s.errnoName();
            }
        }
        this.errnoName = errno;
        this.kernelMessage = ack;
    }

    /** {@return the step that failed, e.g. {@code create tap}; {@code check} when the network was found unfit before any change} */
    public String step() {
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
