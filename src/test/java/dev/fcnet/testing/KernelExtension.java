package dev.fcnet.testing;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Skips kernel tests outside the isolated JVM and hands out fresh scratch namespaces. */
public final class KernelExtension implements ExecutionCondition, ParameterResolver {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KernelExtension.class);

    /** Null when kernel tests may run, else the reason they are skipped. */
    public static String skipReason() {
        String iso = System.getenv("FCNET_TEST_ISOLATION");
        if ("isolated".equals(iso)) return null;
        return iso == null ? "skipped: test JVM was not started through src/test/isolated-jvm/bin/java" : iso;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = skipReason();
        return reason == null ? ConditionEvaluationResult.enabled("isolated test JVM")
                : ConditionEvaluationResult.disabled(reason);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == ScratchNetns.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        ScratchNetns ns = ScratchNetns.create("t" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet());
        // Closed by JUnit when the test's context ends.
        e.getStore(NS).put(ns.name(), (AutoCloseable) ns);
        return ns;
    }
}
