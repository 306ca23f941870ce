package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetworkType.Namespaced;
import dev.fcnet.engine.CheckItem.Kind;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.rtnl.IpFamily;
import dev.fcnet.rtnl.Link;
import dev.fcnet.rtnl.Rtnl;
import dev.fcnet.rtnl.RtnlBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

        /** A device's IPv4 switch, which rtnetlink can set. */
        boolean isIpv4Device() {
            return family == IpFamily.INET && !device.equals(ALL);
        }
    }

    /** What the host netns needs for this network. */
    static List<Need> hostNeeds(Layout layout) {
        if (layout.ipFamily == IpFamily.INET6) return List.of(new Need(IpFamily.INET6, Need.ALL));
        String own = layout.namespaced.map(Namespaced::veth1Name).orElse(layout.network.tapName());
        return List.of(new Need(IpFamily.INET, own), new Need(IpFamily.INET, layout.network.ifaceName()));
    }

    /**
     * What Add turns on inside a network's netns: for IPv4 the devices the guest's packets
     * (tap) and the answers and forwarded connections (veth2) come in through; for IPv6 the
     * netns-wide switch.
     */
    static List<Need> netnsNeeds(Layout layout) {
        if (layout.ipFamily == IpFamily.INET6) return List.of(new Need(IpFamily.INET6, Need.ALL));
        Namespaced ns = layout.namespaced.orElseThrow();
        return List.of(new Need(IpFamily.INET, layout.network.tapName()), new Need(IpFamily.INET, ns.veth2Name()));
    }

    /**
     * The state of each switch as a check item, in order; the devices' links are asked for in one
     * datagram, and their IPv4 switches come with them. {@code creating} names the device Add is
     * about to create, which will inherit conf/default; null after Add.
     */
    static List<CheckItem> states(OpenNetns place, List<Need> needs, String creating) {
        return states(place, needs, creating, links(place, devices(needs)));
    }

    /** The devices the needs name (not "all"). */
    static List<String> devices(List<Need> needs) {
        return needs.stream().map(Need::device).filter(d -> !d.equals(Need.ALL)).distinct().toList();
    }

    /** The links by name, asked for in one datagram; their IPv4 switches come with them. */
    static Map<String, Optional<Link>> links(OpenNetns place, List<String> devices) {
        Map<String, Optional<Link>> links = new HashMap<>();
        List<Optional<Link>> found = place.rtnl.links(devices);
        for (int i = 0; i < devices.size(); i++) links.put(devices.get(i), found.get(i));
        return links;
    }

    /** {@link #states(OpenNetns, List, String)} of the needs' devices as {@code links} (from {@link #links}, every device in it) showed them. */
    static List<CheckItem> states(OpenNetns place, List<Need> needs, String creating, Map<String, Optional<Link>> links) {
        List<CheckItem> items = new ArrayList<>(needs.size());
        for (Need need : needs) items.add(state(place, need, creating, links.get(need.device())));
        return items;
    }

    private static CheckItem state(OpenNetns place, Need need, String creating, Optional<Link> link) {
        boolean on;
        String detail;
        if (need.device().equals(Need.ALL)) {
            on = place.rtnl.forwardingAll(need.family());
            detail = need.sysctl();
        } else if (link.isPresent()) {
            Optional<Boolean> reported = need.family() == IpFamily.INET ? link.get().ipv4Forwarding() : Optional.empty();
            on = reported.isPresent() ? reported.get() : place.rtnl.forwarding(need.family(), link.get());
            detail = need.sysctl();
        } else if (need.device().equals(creating)) {
            on = place.rtnl.forwardingDefault(need.family());
            detail = new Need(need.family(), "default").sysctl() + ", which the new " + creating + " inherits";
        } else {
            return new CheckItem(Kind.FORWARDING, place.netnsName(), need.describe(), Status.MISSING,
                    "link " + need.device() + " does not exist");
        }
        return new CheckItem(Kind.FORWARDING, place.netnsName(), need.describe(), on ? Status.PRESENT : Status.DIFFERENT,
                on ? "on" : "off (" + detail + " = 0)");
    }

    /**
     * Turns the switch on: a device's IPv4 switch over rtnetlink, the others by writing
     * /proc/sys/net, which belongs to the netns of the thread that opens it.
     */
    static void enable(OpenNetns place, Need need) {
        if (need.isIpv4Device()) {
            Link link = place.rtnl.link(need.device()).orElseThrow(() -> new IllegalStateException(
                    "link " + need.device() + " does not exist in the " + place.label()));
            place.rtnl.send(new RtnlBatch().setIpv4Forwarding(link, true));
            return;
        }
        place.inside(() -> {
            enableHere(need);
            return null;
        });
    }

    /** Turns the switch on by writing /proc/sys/net in the calling thread's netns. */
    static void enableHere(Need need) {
        Rtnl.setForwarding(need.family(), need.device(), true);
    }
}
