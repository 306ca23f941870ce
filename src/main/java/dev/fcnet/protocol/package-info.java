/**
 * The wire protocol shared by the daemon and its client (DESIGN §2, §5): line framing and the
 * constants both ends agree on. Not exported; neither end depends on the other.
 */
package dev.fcnet.protocol;
