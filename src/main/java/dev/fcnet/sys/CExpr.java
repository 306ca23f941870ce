package dev.fcnet.sys;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The C expression a constant is checked against when its name is not itself a C macro or enum
 * constant, e.g. {@code @CExpr("sizeof(struct ifinfomsg)")} or
 * {@code @CExpr("offsetof(struct ifinfomsg, ifi_index)")}. See {@link UapiHeaders}.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
public @interface CExpr {
    String value();
}
