package dev.fcnet;

import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.FirecrackerNetworkType.Simple;
import java.util.Objects;
import java.util.Optional;

/**
 * The host networking of one microVM, as the Rust crate fcnet-types models it: a tap device for the
 * VMM, the guest's address behind it, and NAT/forward rules to the host interface, either directly
 * ({@link Simple}) or through a netns of its own ({@link Namespaced}).
 *
 * <p>Instances are always valid: the constructor rejects, with an {@link InvalidNetworkException}
 * naming the field (by its JSON name) and the value, every configuration the kernel would refuse or
 * that could not carry traffic: bad interface or netns names, addresses of the wrong family for the
 * ip stack, a guest outside the tap's subnet, links that would clash by name. Use {@link #builder()}
 * (fcnet-cli's defaults) or {@link #toBuilder()} to make or change one.
 *
 * @param nftPath fcnet's path to the {@code nft} binary; kept for the JSON form only, since this
 *     library never runs {@code nft}
 * @param ipStack the IP stack, which picks the nftables family
 * @param ifaceName the host interface with the real connectivity (e.g. {@code eth0})
 * @param tapName the tap device the VMM opens
 * @param tapIp the tap's address: the guest's gateway
 * @param guestIp the guest's address; its prefix length is the guest's netmask
 * @param networkType simple or namespaced
 */
public record FirecrackerNetwork(Optional<String> nftPath, FirecrackerIpStack ipStack, String ifaceName,
                                 String tapName, IpInet tapIp, IpInet guestIp,
                                 FirecrackerNetworkType networkType) {

    /**
     * Checks the network as a whole: names, address families, subnets and name clashes.
     *
     * @throws InvalidNetworkException naming the field and value that cannot work
     */
    public FirecrackerNetwork {
        Objects.requireNonNull(nftPath, "nft_path");
        Objects.requireNonNull(ipStack, "ip_stack");
        Objects.requireNonNull(ifaceName, "iface_name");
        Objects.requireNonNull(tapName, "tap_name");
        Objects.requireNonNull(tapIp, "tap_ip");
        Objects.requireNonNull(guestIp, "guest_ip");
        Objects.requireNonNull(networkType, "network_type");
        Checks.interfaceName("iface_name", ifaceName);
        Checks.interfaceName("tap_name", tapName);
        Checks.family("tap_ip", tapIp, ipStack);
        Checks.family("guest_ip", guestIp, ipStack);
        Checks.pair("guest_ip", guestIp, "tap_ip", tapIp);
        // instanceof rather than a pattern switch: the CLI runs this once per JVM, and a type switch
        // costs a bootstrap at startup.
        if (networkType instanceof Namespaced ns) {
            Checks.family("veth1_ip", ns.veth1Ip(), ipStack);
            if (ns.veth1Ip().isV4() != guestIp.isV4()) {
                throw Checks.invalid("veth1_ip", "veth1_ip " + ns.veth1Ip() + " and veth2_ip " + ns.veth2Ip() + " are "
                        + IpInet.family(ns.veth1Ip().address()) + " but guest_ip " + guestIp + " is "
                        + IpInet.family(guestIp.address()) + "; the netns translates the guest's address to veth2_ip's");
            }
            if (tapIp.overlaps(ns.veth2Ip())) {
                throw Checks.invalid("tap_ip", "tap_ip " + tapIp + " and veth2_ip " + ns.veth2Ip()
                        + " are in overlapping subnets, which the netns cannot route apart");
            }
            Checks.distinct("veth1_name", ns.veth1Name(), "iface_name", ifaceName, "both are links of the host netns");
            Checks.distinct("veth2_name", ns.veth2Name(), "iface_name", ifaceName,
                    "the veth pair is made in the host netns before veth2 moves into its netns");
            Checks.distinct("veth2_name", ns.veth2Name(), "tap_name", tapName, "both are links of the netns");
        } else {
            Checks.distinct("tap_name", tapName, "iface_name", ifaceName, "both are links of the host netns");
        }
    }

    /**
     * A builder with fcnet-cli's defaults: ip stack V4, iface eth0, tap tap0 with 172.16.0.1/24, guest
     * 172.16.0.2/24, simple.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from this network} */
    public Builder toBuilder() {
        return new Builder().nftPath(nftPath.orElse(null)).ipStack(ipStack).ifaceName(ifaceName).tapName(tapName)
                .tapIp(tapIp).guestIp(guestIp).networkType(networkType);
    }

    /**
     * The Linux {@code ip=} kernel parameter that configures the guest's interface at boot, so the
     * guest needs no network tools: {@code ip=<guest>::<tap>:<guest netmask>::<guestIface>:off}, e.g.
     * {@code ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off}. Exactly fcnet-types' format, IPv6
     * addresses included (in their RFC 5952 text, netmask as an address).
     *
     * @param guestIfaceName the interface's name inside the guest, usually {@code eth0}
     * @return the kernel parameter, e.g. {@code ip=172.16.0.2::172.16.0.1:255.255.255.0::eth0:off}
     */
    public String guestIpBootArg(String guestIfaceName) {
        Objects.requireNonNull(guestIfaceName, "guestIfaceName");
        return "ip=" + IpInet.formatAddress(guestIp.address()) + "::" + IpInet.formatAddress(tapIp.address()) + ":"
                + IpInet.formatAddress(guestIp.netmask()) + "::" + guestIfaceName + ":off";
    }

    /**
     * Reads fcnet-types' serde JSON form, e.g.
     * {@code {"nft_path":null,"ip_stack":"V4","iface_name":"eth0","tap_name":"tap0","tap_ip":"172.16.0.1/24",
     * "guest_ip":"172.16.0.2/24","network_type":{"type":"Simple"}}}. {@code nft_path}, {@code ip_stack}
     * and {@code forwarded_guest_ip} may be absent; unknown fields are ignored; duplicate fields are
     * errors.
     *
     * @param json the JSON text
     * @return the network
     * @throws InvalidNetworkException if the text is not JSON (with line, column and offset), a field is
     *     missing or of the wrong type (naming it), or the network is invalid
     */
    public static FirecrackerNetwork fromJson(String json) {
        return NetworkJson.readNetwork(NetworkJson.parse(json), "");
    }

    /** {@return fcnet-types' serde JSON form on one line, every field present (absent options as null)} */
    public String toJson() {
        return NetworkJson.write(NetworkJson.network(this));
    }

    /** Builds a {@link FirecrackerNetwork}; starts from fcnet-cli's defaults. Not thread-safe. */
    public static final class Builder {
        private String nftPath;
        private FirecrackerIpStack ipStack = FirecrackerIpStack.V4;
        private String ifaceName = "eth0";
        private String tapName = "tap0";
        private IpInet tapIp = IpInet.parse("172.16.0.1/24");
        private IpInet guestIp = IpInet.parse("172.16.0.2/24");
        private FirecrackerNetworkType networkType = new Simple();

        private Builder() {}

        /**
         * Sets fcnet's nft binary path, which this library keeps for the JSON form and never uses.
         *
         * @param nftPath the path, or null for none
         * @return this builder
         */
        public Builder nftPath(String nftPath) {
            this.nftPath = nftPath;
            return this;
        }

        /**
         * Sets the IP stack.
         *
         * @param ipStack V4, V6 or Dual
         * @return this builder
         */
        public Builder ipStack(FirecrackerIpStack ipStack) {
            this.ipStack = ipStack;
            return this;
        }

        /**
         * Sets the host interface with the real connectivity.
         *
         * @param ifaceName e.g. {@code eth0}
         * @return this builder
         */
        public Builder ifaceName(String ifaceName) {
            this.ifaceName = ifaceName;
            return this;
        }

        /**
         * Sets the tap device's name.
         *
         * @param tapName e.g. {@code tap0}
         * @return this builder
         */
        public Builder tapName(String tapName) {
            this.tapName = tapName;
            return this;
        }

        /**
         * Sets the tap's address, the guest's gateway.
         *
         * @param tapIp e.g. {@code 172.16.0.1/24}
         * @return this builder
         */
        public Builder tapIp(IpInet tapIp) {
            this.tapIp = tapIp;
            return this;
        }

        /**
         * Sets the guest's address.
         *
         * @param guestIp e.g. {@code 172.16.0.2/24}; its prefix length is the guest's netmask
         * @return this builder
         */
        public Builder guestIp(IpInet guestIp) {
            this.guestIp = guestIp;
            return this;
        }

        /**
         * Sets where the tap lives.
         *
         * @param networkType {@link Simple} or {@link Namespaced}
         * @return this builder
         */
        public Builder networkType(FirecrackerNetworkType networkType) {
            this.networkType = networkType;
            return this;
        }

        /**
         * Builds the network, checking it.
         *
         * @return the network
         * @throws InvalidNetworkException naming the field and value that cannot work
         */
        public FirecrackerNetwork build() {
            return new FirecrackerNetwork(Optional.ofNullable(nftPath), ipStack, ifaceName, tapName, tapIp, guestIp,
                    networkType);
        }
    }
}
