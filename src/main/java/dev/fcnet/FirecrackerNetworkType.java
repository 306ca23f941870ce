package dev.fcnet;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/** Where the tap lives: in the host netns ({@link Simple}) or in a netns of its own ({@link Namespaced}). */
public sealed interface FirecrackerNetworkType permits FirecrackerNetworkType.Simple, FirecrackerNetworkType.Namespaced {

    /**
     * The tap in the host netns, its guest masqueraded out of the host interface: the fastest setup,
     * one guest IP per network.
     */
    record Simple() implements FirecrackerNetworkType {}

    /**
     * The tap in a netns of its own, joined to the host by a veth pair, with the guest address
     * translated to the inner veth end's address on the way out. Every clone restored from one
     * snapshot keeps the same guest IP, each in its own netns.
     *
     * <p>The constructor checks the names and the veth addresses on their own; how they fit with the
     * rest of the network is checked by {@link FirecrackerNetwork}.
     *
     * @param netnsName the netns, made as {@code /run/netns/NAME} the way {@code ip netns add} makes it
     * @param veth1Name the veth end that stays in the host netns
     * @param veth2Name the veth end moved into the netns
     * @param veth1Ip the address of {@code veth1Name}, the netns' default gateway
     * @param veth2Ip the address of {@code veth2Name}, to which the guest's address is translated
     * @param forwardedGuestIp an address routed from the host into the netns and translated to the
     *     guest's address there, so the guest is reachable from outside; empty for none
     */
    record Namespaced(String netnsName, String veth1Name, String veth2Name, IpInet veth1Ip, IpInet veth2Ip,
                      Optional<InetAddress> forwardedGuestIp) implements FirecrackerNetworkType {

        /**
         * Checks the names, the veth addresses and the forwarded guest IP on their own.
         *
         * @throws InvalidNetworkException naming the field and value that cannot work
         */
        public Namespaced {
            Objects.requireNonNull(netnsName, "netns_name");
            Objects.requireNonNull(veth1Name, "veth1_name");
            Objects.requireNonNull(veth2Name, "veth2_name");
            Objects.requireNonNull(veth1Ip, "veth1_ip");
            Objects.requireNonNull(veth2Ip, "veth2_ip");
            Objects.requireNonNull(forwardedGuestIp, "forwarded_guest_ip");
            Checks.netnsName("netns_name", netnsName);
            Checks.interfaceName("veth1_name", veth1Name);
            Checks.interfaceName("veth2_name", veth2Name);
            Checks.distinct("veth1_name", veth1Name, "veth2_name", veth2Name,
                    "the two ends of a veth pair need different names");
            Checks.pair("veth1_ip", veth1Ip, "veth2_ip", veth2Ip);
            if (forwardedGuestIp.isPresent()) {
                InetAddress forwarded = forwardedGuestIp.get();
                String text = IpInet.formatAddress(forwarded);
                if (veth1Ip.isV4() != (forwarded instanceof Inet4Address)) {
                    throw Checks.invalid("forwarded_guest_ip", "forwarded_guest_ip " + text + " is " + IpInet.family(forwarded)
                            + " but veth1_ip " + veth1Ip + " is " + IpInet.family(veth1Ip.address())
                            + "; the host routes it to veth2_ip");
                }
                if (forwarded.equals(veth1Ip.address()) || forwarded.equals(veth2Ip.address())) {
                    throw Checks.invalid("forwarded_guest_ip", "forwarded_guest_ip " + text + " is the address of "
                            + (forwarded.equals(veth1Ip.address()) ? "veth1_ip" : "veth2_ip")
                            + "; it must be an address of its own");
                }
            }
        }

        /**
         * A builder with fcnet-cli's defaults: netns fcnet, veth1 10.0.0.1/24, veth0 10.0.0.2/24.
         *
         * @return a new builder
         */
        public static Builder builder() {
            return new Builder();
        }

        /** {@return a builder starting from this configuration} */
        public Builder toBuilder() {
            return new Builder().netnsName(netnsName).veth1Name(veth1Name).veth2Name(veth2Name)
                    .veth1Ip(veth1Ip).veth2Ip(veth2Ip).forwardedGuestIp(forwardedGuestIp.orElse(null));
        }

        /** Builds a {@link Namespaced}; starts from fcnet-cli's defaults. Not thread-safe. */
        public static final class Builder {
            private String netnsName = "fcnet";
            private String veth1Name = "veth1";
            private String veth2Name = "veth0";
            private IpInet veth1Ip = IpInet.parse("10.0.0.1/24");
            private IpInet veth2Ip = IpInet.parse("10.0.0.2/24");
            private InetAddress forwardedGuestIp;

            private Builder() {}

            /**
             * Sets the netns name.
             *
             * @param netnsName the name under /run/netns
             * @return this builder
             */
            public Builder netnsName(String netnsName) {
                this.netnsName = netnsName;
                return this;
            }

            /**
             * Sets the name of the veth end in the host netns.
             *
             * @param veth1Name e.g. {@code veth1}
             * @return this builder
             */
            public Builder veth1Name(String veth1Name) {
                this.veth1Name = veth1Name;
                return this;
            }

            /**
             * Sets the name of the veth end in the netns.
             *
             * @param veth2Name e.g. {@code veth0}
             * @return this builder
             */
            public Builder veth2Name(String veth2Name) {
                this.veth2Name = veth2Name;
                return this;
            }

            /**
             * Sets the address of the veth end in the host netns, the netns' default gateway.
             *
             * @param veth1Ip e.g. {@code 10.0.0.1/24}
             * @return this builder
             */
            public Builder veth1Ip(IpInet veth1Ip) {
                this.veth1Ip = veth1Ip;
                return this;
            }

            /**
             * Sets the address of the veth end in the netns.
             *
             * @param veth2Ip e.g. {@code 10.0.0.2/24}
             * @return this builder
             */
            public Builder veth2Ip(IpInet veth2Ip) {
                this.veth2Ip = veth2Ip;
                return this;
            }

            /**
             * Sets the address routed from the host to the guest.
             *
             * @param forwardedGuestIp the address, or null for none
             * @return this builder
             */
            public Builder forwardedGuestIp(InetAddress forwardedGuestIp) {
                this.forwardedGuestIp = forwardedGuestIp;
                return this;
            }

            /**
             * Builds the configuration, checking it.
             *
             * @return the configuration
             * @throws InvalidNetworkException naming the field and value that cannot work
             */
            public Namespaced build() {
                return new Namespaced(netnsName, veth1Name, veth2Name, veth1Ip, veth2Ip,
                        Optional.ofNullable(forwardedGuestIp));
            }
        }
    }
}
