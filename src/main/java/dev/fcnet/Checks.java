package dev.fcnet;

import dev.fcnet.json.Json;
import dev.fcnet.sys.Names;

/** The validation rules shared by the configuration records; every failure names the field and value. */
final class Checks {
    private Checks() {}

    /** A link name as the kernel keeps it verbatim ({@link Names}). */
    static void interfaceName(String field, String name) {
        name(field, name, Names.Kind.LINK);
    }

    /** A name for /run/netns/NAME ({@link Names}). */
    static void netnsName(String field, String name) {
        name(field, name, Names.Kind.NETNS);
    }

    private static void name(String field, String name, Names.Kind kind) {
        String problem = Names.problem(kind, name);
        if (problem != null) throw invalid(field, field + " " + Json.quote(name) + " " + problem);
    }

    /** The address's family must be usable with the stack. */
    static void family(String field, IpInet inet, FirecrackerIpStack stack) {
        if (!stack.allows(inet.address())) {
            throw invalid(field, field + " " + inet + " is " + IpInet.family(inet.address()) + " but ip_stack is " + stack);
        }
    }

    /** Two interface addresses that must share one subnet and differ, e.g. the tap's and the guest's. */
    static void pair(String fieldA, IpInet a, String fieldB, IpInet b) {
        if (a.isV4() != b.isV4()) {
            throw invalid(fieldA, fieldA + " " + a + " and " + fieldB + " " + b + " are not the same address family");
        }
        if (a.prefixLength() != b.prefixLength()) {
            throw invalid(fieldA, fieldA + " " + a + " and " + fieldB + " " + b + " have different prefix lengths");
        }
        if (!a.sameSubnet(b)) {
            throw invalid(fieldA, fieldA + " " + a + " and " + fieldB + " " + b + " are not in one subnet");
        }
        if (a.address().equals(b.address())) {
            throw invalid(fieldA, fieldA + " and " + fieldB + " are both " + IpInet.formatAddress(a.address())
                    + "; they need different addresses");
        }
    }

    /** Two links that live in one netns (or are created in one) need different names. */
    static void distinct(String fieldA, String a, String fieldB, String b, String why) {
        if (a.equals(b)) {
            throw invalid(fieldA, fieldA + " and " + fieldB + " are both " + Json.quote(a) + "; " + why);
        }
    }

    /** @param field the JSON name of the field the message is about first */
    static InvalidNetworkException invalid(String field, String message) {
        return new InvalidNetworkException(field, message);
    }
}
