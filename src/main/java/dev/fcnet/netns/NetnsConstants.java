package dev.fcnet.netns;

import dev.fcnet.sys.UapiHeaders;

/** nsfs ioctls (linux/nsfs.h). */
@UapiHeaders("linux/nsfs.h")
public final class NetnsConstants {
    private NetnsConstants() {}

    /** Returns the CLONE_NEW* type of the namespace an nsfs fd refers to. */
    public static final long NS_GET_NSTYPE = 0xb703;
}
