package dev.fcnet.sys;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the C headers a constants class is written against. Every {@code public static final}
 * byte, short, int or long field of the class is a C macro or enum constant of the same name
 * (or the expression given by {@link CExpr}); a test compiles a C program against these headers
 * and fails when any value differs.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface UapiHeaders {
    /** Kernel UAPI headers, relative to native-headers/ (e.g. {@code "linux/rtnetlink.h"}). */
    String[] value();

    /** glibc headers for the few values the kernel keeps out of its UAPI (e.g. {@code "sys/socket.h"}). */
    String[] libc() default {};
}
