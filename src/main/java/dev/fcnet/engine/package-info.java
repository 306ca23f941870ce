/**
 * The engine that adds, checks and deletes networks on the host over netlink, spawning no
 * process: {@link dev.fcnet.engine.FcnetEngine}, opened with {@link dev.fcnet.engine.EngineOptions}.
 *
 * <p>Add is all or nothing and returns the rules it made ({@link dev.fcnet.engine.AddResult});
 * Check changes nothing and reports every expected object as present, missing or different
 * ({@link dev.fcnet.engine.CheckReport}); Delete removes what Add made
 * ({@link dev.fcnet.engine.DeleteResult}), strictly or, with
 * {@link dev.fcnet.engine.DeleteMode#IDEMPOTENT}, whatever part of a network exists. Bulk forms
 * work on many networks at once and return one {@link dev.fcnet.engine.Outcome} per network.
 * Failures are {@link dev.fcnet.engine.FcnetException}s naming the step, its object, the errno and
 * the kernel's own message.
 *
 * <p>Changing the host's networking needs root, or CAP_NET_ADMIN (and CAP_SYS_ADMIN for
 * namespaced networks); processes without them use {@code dev.fcnet.client}.
 */
package dev.fcnet.engine;
