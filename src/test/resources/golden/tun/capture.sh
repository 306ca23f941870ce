#!/bin/sh
# Regenerates the tun golden fixtures: the ioctls iproute2 makes on /dev/net/tun.
# strace does not decode struct ifreq for TUNSETIFF, so a tiny LD_PRELOAD shim (built with gcc)
# prints each ioctl's request number and argument, with the 40-byte ifreq for TUNSETIFF.
# Run as root from this directory:  unshare --net sh capture.sh
set -eu
out=$(pwd)
tmp=$(mktemp -d)
cat >"$tmp/shim.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
int ioctl(int fd, unsigned long req, ...) {
    va_list ap; va_start(ap, req); void *arg = va_arg(ap, void *); va_end(ap);
    static int (*real)(int, unsigned long, void *);
    if (!real) real = (int (*)(int, unsigned long, void *)) dlsym(RTLD_NEXT, "ioctl");
    fprintf(stderr, "ioctl 0x%lx", req);
    if (req == 0x400454caUL) { /* TUNSETIFF: struct ifreq, 40 bytes on x86_64 */
        for (int i = 0; i < 40; i++) fprintf(stderr, " %02x", ((unsigned char *) arg)[i]);
    } else {
        fprintf(stderr, " 0x%lx", (unsigned long) arg);
    }
    fprintf(stderr, "\n");
    return real(fd, req, arg);
}
C
gcc -shared -fPIC -o "$tmp/shim.so" "$tmp/shim.c" -ldl
# cap NAME COMMAND...
cap() {
    name=$1; shift
    {
        echo "# $*"
        echo "# compared: every ioctl on /dev/net/tun in order: request number, then the ifreq bytes (TUNSETIFF) or the argument"
        LD_PRELOAD="$tmp/shim.so" "$@" 2>&1 >/dev/null | grep '^ioctl '
    } >"$out/$name.txt"
}
cap tap-persist ip tuntap add dev tap0 mode tap
cap tap-owner-vnet-hdr ip tuntap add dev tap1 mode tap user 1000 group 100 vnet_hdr
rm -rf "$tmp"
