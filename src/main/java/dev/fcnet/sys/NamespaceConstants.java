package dev.fcnet.sys;

/** unshare/setns and mount flags for network namespaces. */
@UapiHeaders(value = {"linux/sched.h", "linux/mount.h"}, libc = "sys/mount.h")
public final class NamespaceConstants {
    private NamespaceConstants() {}

    public static final int CLONE_NEWNET = 0x40000000;
    public static final int CLONE_NEWNS = 0x00020000;

    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;
    public static final long MS_SLAVE = 1 << 19;
    public static final long MS_SHARED = 1 << 20;

    public static final int MNT_DETACH = 2;
}
