package dev.fcnet.sys;

/** Run by {@link SyscallsTest} in a JVM without native access: makes one downcall. */
final class NativeAccessProbe {
    private NativeAccessProbe() {}

    public static void main(String[] args) {
        System.out.println(Syscalls.gettid());
    }
}
