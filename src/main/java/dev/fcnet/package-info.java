/**
 * The configuration of a microVM's host network, as the Rust crate fcnet-types models it:
 * {@link dev.fcnet.FirecrackerNetwork} (the tap, the guest's address, the host interface),
 * {@link dev.fcnet.FirecrackerIpStack} (V4, V6 or Dual), {@link dev.fcnet.FirecrackerNetworkType}
 * (Simple: the tap in the host netns; Namespaced: in a netns of its own behind a veth pair) and
 * {@link dev.fcnet.FirecrackerNetworkOperation} (Add, Check, Delete), with fcnet-types' serde JSON
 * form and fcnetd's request line ({@link dev.fcnet.FcnetdRequest}).
 *
 * <p>Every configuration object is valid once built: interface and namespace names the kernel
 * would not keep verbatim, addresses of the wrong family, a guest outside its gateway's subnet and
 * clashing link names are refused with an {@link dev.fcnet.InvalidNetworkException} that names
 * the JSON field and the value. Nothing here touches the host; {@code dev.fcnet.engine} does.
 */
package dev.fcnet;
