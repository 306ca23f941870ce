package dev.fcnet.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Proves the end-to-end harness on networks made by hand with ip/nft (DESIGN §3 Simple): a QEMU
 * guest on a tap reaches an {@link InternetPeer} only through the masquerade, and the host
 * reaches a server in the guest.
 */
@KernelTest
class QemuGuestTest {
    private static final String BOOT_ARG = "ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off";

    /** The Simple layout of DESIGN §3 for guest 172.16.0.2 on tap0 behind eth0, made with the real tools. */
    private static void simpleNetwork(ScratchNetns ns) {
        ns.exec("ip", "tuntap", "add", "tap0", "mode", "tap");
        ns.exec("ip", "addr", "add", "172.16.0.1/24", "dev", "tap0");
        ns.exec("ip", "link", "set", "tap0", "up");
        Nsenter.run(ns.path(), "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        Tools.Result nft = Nsenter.exec(ns.path(), """
                table ip fcnet {
                    chain postrouting {
                        type nat hook postrouting priority 100; policy accept;
                        ip saddr 172.16.0.2 oifname "eth0" masquerade
                    }
                    chain filter {
                        type filter hook forward priority 0; policy accept;
                        iifname "tap0" oifname "eth0" accept
                    }
                }
                """, "nft", "-f", "-");
        assertEquals(0, nft.exit(), nft.err());
    }

    @Test
    void guestReachesThePeerOnlyThroughTheMasquerade(ScratchNetns ns) {
        try (InternetPeer peer = InternetPeer.attach(ns, "eth0", "10.99.0.1/24", "10.99.0.2/24", 8080)) {
            simpleNetwork(ns);
            try (QemuGuest guest = QemuGuest.start(ns.path(), "tap0", BOOT_ARG)) {
                QemuGuest.Result ping = guest.ping(peer.address());
                assertTrue(ping.ok(), ping + "\n" + guest.console());
                // The peer saw the host side's address: the masquerade rewrote the guest's source.
                assertEquals("peer 10.99.0.1", guest.tcp(peer.address(), peer.port()).output());

                // Without the masquerade the peer cannot answer (it has no route to 172.16.0.0/24).
                ns.exec("nft", "flush", "chain", "ip", "fcnet", "postrouting");
                QemuGuest.Result unmasqueraded = guest.exec("ping -c 1 -W 1 " + peer.address());
                assertFalse(unmasqueraded.ok(), unmasqueraded.output());
            }
        }
    }

    @Test
    void hostReachesAServerInTheGuest(ScratchNetns ns) {
        simpleNetwork(ns);
        try (QemuGuest guest = QemuGuest.start(ns.path(), "tap0", BOOT_ARG)) {
            guest.serve(8080, "guest");
            Tools.Result reply = Nsenter.tcp(ns.path(), "172.16.0.2", 8080);
            assertEquals(0, reply.exit(), reply.err());
            assertEquals("guest 172.16.0.1", reply.out().strip());
            QemuGuest.Result uname = guest.exec("uname -r");
            assertEquals(new QemuGuest.Result(0, GuestImage.get().kernelVersion()), uname);
        }
    }

    @Test
    void guestsWithTheSameAddressBootInParallelInTheirOwnNamespaces(ScratchNetns a, ScratchNetns b) {
        simpleNetwork(a);
        simpleNetwork(b);
        try (QemuGuest first = QemuGuest.start(a.path(), "tap0", BOOT_ARG);
                QemuGuest second = QemuGuest.start(b.path(), "tap0", BOOT_ARG)) {
            first.serve(8080, "first");
            second.serve(8080, "second");
            assertEquals("first 172.16.0.1", Nsenter.tcp(a.path(), "172.16.0.2", 8080).out().strip());
            assertEquals("second 172.16.0.1", Nsenter.tcp(b.path(), "172.16.0.2", 8080).out().strip());
        }
    }
}
