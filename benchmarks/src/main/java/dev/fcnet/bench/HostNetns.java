package dev.fcnet.bench;

import dev.fcnet.netns.Netns;
import dev.fcnet.nft.NftConnection;
import dev.fcnet.rtnl.Rtnl;
import java.nio.file.Path;

/**
 * The benchmark host: a scratch named network namespace made per benchmark JVM, where every
 * way under test (shell, fcnet's, floor, the engine with {@code EngineOptions.withHostNetns})
 * puts its host-side links and rules. It starts with lo and eth0 up, IPv4 forwarding on (the
 * engine warns or refuses otherwise, which is not what is measured), and table ip fcnet with its
 * postrouting and filter chains, as a host that has had a network has them. Public for the codec
 * benchmarks, which live in the library's packages.
 */
public final class HostNetns implements AutoCloseable {
    static final String NAME = "fcbench-host";

    final Netns netns;
    final Tools tools;
    final Rtnl rtnl;
    final NftConnection nft;

    private HostNetns(Netns netns) {
        this.netns = netns;
        this.tools = new Tools(netns);
        this.rtnl = netns.call(Rtnl::open);
        this.nft = netns.call(NftConnection::open);
    }

    public static HostNetns create() {
        Isolation.require();
        HostNetns host = new HostNetns(Netns.create(NAME));
        host.tools.run("ip", "link", "set", "lo", "up");
        try {
            host.tools.run("ip", "link", "add", "eth0", "type", "dummy");
        } catch (IllegalStateException noDummy) {
            // This machine's kernel has no dummy driver; ifb is an equally idle stand-in (rules only name eth0).
            host.tools.run("ip", "link", "add", "eth0", "type", "ifb");
        }
        host.tools.run("ip", "link", "set", "eth0", "up");
        host.tools.run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        host.tools.feed("""
                add table ip fcnet
                add chain ip fcnet postrouting { type nat hook postrouting priority 100; policy accept; }
                add chain ip fcnet filter { type filter hook forward priority 0; policy accept; }
                """, "nft", "-f", "-");
        return host;
    }

    Path path() {
        return Netns.RUN_DIR.resolve(NAME);
    }

    public Netns netns() {
        return netns;
    }

    /** Runs a tool in this netns with {@code stdin}; see {@link Tools#feed}. */
    public String feed(String stdin, String... command) {
        return tools.feed(stdin, command);
    }

    @Override
    public void close() {
        rtnl.close();
        nft.close();
        netns.close();
        Netns.delete(NAME);
    }
}
