package dev.fcnet.sys;

/**
 * open(2) and flock(2) flags (linux/fcntl.h), kept apart from glibc's fcntl.h, whose definitions
 * clash with it.
 */
@UapiHeaders("linux/fcntl.h")
public final class OpenFlags {
    private OpenFlags() {}

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;

    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
}
