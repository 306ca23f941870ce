package dev.fcnet.engine;

import dev.fcnet.FirecrackerIpStack;
import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The IP forwarding a network's traffic needs. IPv4 forwards per device, deciding on the device a
 * packet came in through: the guest's packets enter the host through the tap (Simple) or veth1
 * (Namespaced), the answers through the host interface. IPv6 forwards when the netns-wide switch
 * (conf/all) is on.
 */
final class Forwarding {
    private Forwarding() {}

    /** One switch: {@code device} is a link name, or "all" for the netns-wide one. */
    record Need(IpFamily family, String device) {
        static final String ALL = "all";

        /** e.g. {@code net.ipv4.conf.eth0.forwarding}. */
        String sysctl() {
            return "net." + (family == IpFamily.INET ? "ipv4" : "ipv6") + ".conf." + device + ".forwarding";
        }

        String describe() {
            return (family == IpFamily.INET ? "ipv4" : "ipv6") + " forwarding "
                    + (device.equals(ALL) ? "(all)" : "on " + device);
        }
    }

    /** What the host netns needs for this network. */
    static List<Need> hostNeeds(Layout layout) {
        if (layout.ipFamily == IpFamily.INET6) return List.of(new Need(IpFamily.INET6, Need.ALL));
        String own = layout.namespaced.map(Namespaced::veth1Name).orElse(layout.network.tapName());
        return List.of(new Need(IpFamily.INET, own), new Need(IpFamily.INET, layout.network.ifaceName()));
    }

    /**
     * What Add turns on inside a network's netns: IPv4 always (net.ipv4.ip_forward is conf/all),
     * IPv6 for the V6 and Dual stacks.
     */
    static List<Need> netnsNeeds(Layout layout) {
        List<Need> needs = new ArrayList<>(2);
        needs.add(new Need(IpFamily.INET, Need.ALL));
        if (layout.network.ipStack() != FirecrackerIpStack.V4) needs.add(new Need(IpFamily.INET6, Need.ALL));
        return needs;
    }

    /**
     * The state of one switch as a check item. {@code creating} names the device Add is about to
     * create, which will inherit conf/default; null after Add.
     */
    static CheckItem state(Place place, Need need, String creating) {
        Status status;
        String detail;
        boolean on;
        if (need.device().equals(Need.ALL)) {
            on = place.rtnl.forwardingAll(need.family());
            detail = need.sysctl();
        } else {
            Optional<Link> link = place.rtnl.link(need.device());
            if (link.isPresent()) {
                on = place.rtnl.forwarding(need.family(), link.get());
                detail = need.sysctl();
            } else if (need.device().equals(creating)) {
                on = place.rtnl.forwardingDefault(need.family());
                detail = new Need(need.family(), "default").sysctl() + ", which the new " + creating + " inherits";
            } else {
                return new CheckItem(Kind.FORWARDING, place.netnsName(), need.describe(), Status.MISSING,
                        "link " + need.device() + " does not exist");
            }
        }
        status = on ? Status.PRESENT : Status.DIFFERENT;
        return new CheckItem(Kind.FORWARDING, place.netnsName(), need.describe(), status,
                on ? "on" : "off (" + detail + " = 0)");
    }

    /** Turns the switch on; /proc/sys/net belongs to the netns of the thread that opens it. */
    static void enable(Place place, Need need) {
        place.inside(() -> {
            enableHere(need);
            return null;
        });
    }

    /** Turns the switch on in the calling thread's netns. */
    static void enableHere(Need need) {
        Rtnl.setForwarding(need.family(), need.device(), true);
    }
}
