package dev.fcnet.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fcnet.FirecrackerNetwork;
import dev.fcnet.IpInet;
import dev.fcnet.engine.CheckItem.Status;
import dev.fcnet.json.Json;
import dev.fcnet.json.JsonValue.JsonArray;
import dev.fcnet.json.JsonValue.JsonObject;
import dev.fcnet.netlink.NetlinkException;
import dev.fcnet.sys.Errno;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The JSON forms of reports, failures and listings, for programs (CLI --output json, the daemon). */
class EngineJsonTest {
    private static final FirecrackerNetwork TAP0 = FirecrackerNetwork.builder().tapName("tap0")
            .tapIp(IpInet.parse("172.16.0.1/24")).guestIp(IpInet.parse("172.16.0.2/24")).build();

    @Test
    void aCheckReportListsEveryItem() {
        CheckReport r = new CheckReport(TAP0, List.of(
                new CheckItem(CheckItem.Kind.LINK, Optional.empty(), "tap0", Status.PRESENT, ""),
                new CheckItem(CheckItem.Kind.ADDRESS, Optional.of("fc1"), "172.16.0.1/24 on tap0", Status.MISSING, "gone \"now\"")));
        assertEquals("{\"network\":\"tap0\",\"clean\":false,\"items\":["
                + "{\"status\":\"PRESENT\",\"kind\":\"LINK\",\"netns\":null,\"object\":\"tap0\",\"detail\":\"\"},"
                + "{\"status\":\"MISSING\",\"kind\":\"ADDRESS\",\"netns\":\"fc1\",\"object\":\"172.16.0.1/24 on tap0\","
                + "\"detail\":\"gone \\\"now\\\"\"}]}", r.toJson());
    }

    @Test
    void aFailureCarriesItsKindStepObjectAndErrno() {
        NetlinkException cause = new NetlinkException("RTM_NEWLINK tap0", Errno.EEXIST, "device exists", 0, 1, 0);
        FcnetException e = new FcnetException("Add tap0: it exists", FcnetException.Step.CREATE_TAP, "tap0", cause);
        assertEquals(FcnetException.Kind.KERNEL, e.kind());
        assertEquals(OptionalInt.of(Errno.EEXIST), e.errno());
        JsonObject o = (JsonObject) Json.parse(e.toJson());
        assertEquals("{\"kind\":\"KERNEL\",\"step\":\"create tap\",\"object\":\"tap0\",\"errno\":17,\"errno_name\":\"EEXIST\","
                + "\"kernel_message\":\"device exists\",\"message\":\"Add tap0: it exists\"}", Json.write(o));
        FcnetException denied = new FcnetException("Add tap0: no", FcnetException.Step.CREATE_TAP, "tap0",
                new NetlinkException("RTM_NEWLINK tap0", Errno.EPERM, null, 0, 1, 0));
        assertEquals(FcnetException.Kind.PERMISSION, denied.kind());
        FcnetException none = new FcnetException(FcnetException.Kind.NOT_FOUND, "Delete tap0: gone", FcnetException.Step.CHECK, "tap0", null);
        assertEquals(OptionalInt.empty(), none.errno());
        assertEquals("{\"kind\":\"NOT_FOUND\",\"step\":\"check\",\"object\":\"tap0\",\"errno\":null,\"errno_name\":null,"
                + "\"kernel_message\":null,\"message\":\"Delete tap0: gone\"}", none.toJson());
    }

    @Test
    void aListingCarriesTheNetworkInFcnetTypesForm() {
        ListedNetwork l = new ListedNetwork("tap0", ListedNetwork.Type.SIMPLE, OptionalInt.of(1000), Optional.of(TAP0), true,
                List.of(new ListedNetwork.Part(CheckItem.Kind.LINK, Optional.empty(), "tap0")));
        JsonObject o = (JsonObject) ((JsonArray) Json.parse(ListedNetwork.toJson(List.of(l)))).elements().get(0);
        assertEquals(TAP0, FirecrackerNetwork.fromJson(Json.write(o.get("network"))));
        assertEquals("{\"id\":\"tap0\",\"type\":\"Simple\",\"uid\":1000,\"complete\":true,\"network\":" + TAP0.toJson()
                + ",\"parts\":[{\"kind\":\"LINK\",\"netns\":null,\"object\":\"tap0\"}]}", l.toJson());
    }
}
