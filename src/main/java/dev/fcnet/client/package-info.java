/**
 * The client of an fcnetd-compatible daemon ({@code bin/fcnetd}, or Rust fcnetd), for processes
 * without the privileges to change the host's networking: {@link dev.fcnet.client.FcnetdClient}
 * sends a network and an operation over the daemon's Unix socket and returns when the daemon
 * answers {@code OK}, or throws its answer as an {@link dev.fcnet.client.FcnetdException}.
 */
package dev.fcnet.client;
