package dev.fcnet.engine;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A Flight Recorder event for one network's operation ({@code jcmd PID JFR.start}, then the
 * events {@code dev.fcnet.Add}, {@code dev.fcnet.Check} and {@code dev.fcnet.Delete}). Its
 * duration runs from the operation's first step for that network to its outcome; in a bulk
 * operation the networks overlap.
 */
@Category("fcnet")
@StackTrace(false)
abstract class OperationEvent extends Event {
    @Label("Network")
    @Description("The tap of a Simple network, the netns of a Namespaced one")
    String network;

    @Label("Outcome")
    @Description("ok, or the kind of failure (ALREADY_EXISTS, NOT_FOUND, ...)")
    String outcome;

    @Label("Steps")
    @Description("Steps carried out: objects created (Add), looked at (Check) or removed (Delete)")
    int steps;

    @Label("Failed Step")
    @Description("The step that failed, when one did")
    String failedStep;

    @Name("dev.fcnet.Add")
    @Label("fcnet Add")
    static final class Add extends OperationEvent {}

    @Name("dev.fcnet.Check")
    @Label("fcnet Check")
    static final class Check extends OperationEvent {}

    @Name("dev.fcnet.Delete")
    @Label("fcnet Delete")
    static final class Delete extends OperationEvent {}
}
