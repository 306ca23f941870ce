package dev.fcnet.tun;

import dev.fcnet.sys.CExpr;
import dev.fcnet.sys.UapiHeaders;

/** /dev/net/tun ioctls and TUNSETIFF flags (linux/if_tun.h, whose _IOW comes from linux/ioctl.h), and struct ifreq (linux/if.h). */
@UapiHeaders(value = {"linux/ioctl.h", "linux/if.h", "linux/if_tun.h"}, libc = {"sys/socket.h"})
public final class TunConstants {
    private TunConstants() {}

    public static final long TUNSETIFF = 0x400454caL;
    public static final long TUNSETPERSIST = 0x400454cbL;
    public static final long TUNSETOWNER = 0x400454ccL;
    public static final long TUNSETGROUP = 0x400454ceL;
    public static final long TUNSETCARRIER = 0x400454e2L;

    public static final int IFF_TAP = 0x0002;
    public static final int IFF_NO_PI = 0x1000;
    public static final int IFF_VNET_HDR = 0x4000;
    /** Fail with EBUSY instead of attaching to an existing device of that name. */
    public static final int IFF_TUN_EXCL = 0x8000;

    @CExpr("sizeof(struct ifreq)")
    public static final int SIZEOF_IFREQ = 40;
    @CExpr("offsetof(struct ifreq, ifr_flags)")
    public static final int IFREQ_FLAGS = 16;
}
