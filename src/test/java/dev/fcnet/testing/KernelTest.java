package dev.fcnet.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that talks to the kernel. It runs only inside the isolated test
 * JVM (root, private network and mount namespaces, see src/test/isolated-jvm/bin/java) and is
 * skipped with a one-line reason otherwise. A {@link ScratchNetns} parameter gives the test a
 * fresh named network namespace, deleted afterwards.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("kernel")
@ExtendWith(KernelExtension.class)
public @interface KernelTest {}
