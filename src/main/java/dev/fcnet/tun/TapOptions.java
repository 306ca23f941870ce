package dev.fcnet.tun;

import java.util.OptionalInt;

/**
 * How {@link Tap#create} makes a tap.
 *
 * @param vnetHdr IFF_VNET_HDR: frames carry a virtio-net header (what Firecracker and QEMU's
 *        vhost/virtio backends expect for offloads)
 * @param owner the uid allowed to attach to the tap (TUNSETOWNER), so an unprivileged VMM can open it
 * @param group the gid allowed to attach to the tap (TUNSETGROUP)
 */
public record TapOptions(boolean vnetHdr, OptionalInt owner, OptionalInt group) {
    /**
     * No vnet header, no owner or group. Beware: the kernel then lets any user attach (it checks
     * only an owner or group that is set); owner 0 leaves the tap to privileged processes.
     */
    public static final TapOptions DEFAULT = new TapOptions(false, OptionalInt.empty(), OptionalInt.empty());

    public TapOptions withVnetHdr(boolean vnetHdr) {
        return new TapOptions(vnetHdr, owner, group);
    }

    public TapOptions withOwner(int uid) {
        return new TapOptions(vnetHdr, OptionalInt.of(uid), group);
    }

    public TapOptions withGroup(int gid) {
        return new TapOptions(vnetHdr, owner, OptionalInt.of(gid));
    }
}
