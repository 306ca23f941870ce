package dev.fcnet.engine;

import dev.fcnet.FirecrackerNetwork;
import java.util.List;
import java.util.Objects;

/**
 * What Check found: every object the network consists of, in the order Add creates them, each
 * present, missing or different. Nothing was changed to make it.
 *
 * @param network the network checked
 * @param items every expected object, not only the problems
 */
public record CheckReport(FirecrackerNetwork network, List<CheckItem> items) implements OperationResult {
    /** Requires the network; copies the items. */
    public CheckReport {
        Objects.requireNonNull(network, "network");
        items = List.copyOf(items);
    }

    /** {@return true when every object is present as expected} */
    public boolean isClean() {
        return items.stream().allMatch(CheckItem::ok);
    }

    /** {@return the items that are missing or different} */
    public List<CheckItem> problems() {
        return items.stream().filter(i -> !i.ok()).toList();
    }

    /**
     * Throws unless the report is clean, for callers that treat an incomplete network as an error
     * (as fcnet's check does).
     *
     * @return this report, when it is clean
     * @throws FcnetException naming every missing or different object
     */
    public CheckReport requireClean() {
        if (isClean()) return this;
        List<CheckItem> problems = problems();
        StringBuilder s = new StringBuilder("Check ").append(Networks.id(network)).append(": ")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems");
        for (CheckItem i : problems) s.append("; ").append(i.status()).append(' ').append(i.kind()).append(' ')
                .append(i.object()).append(i.detail().isEmpty() ? "" : " (" + i.detail() + ")");
        throw new FcnetException(s.toString(), "check", Networks.id(network), null);
    }

    /** One line per item (see {@link CheckItem#toString()}), after a summary line. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Check ").append(Networks.id(network)).append(": ")
                .append(isClean() ? "clean" : problems().size() + " of " + items.size() + " objects missing or different");
        for (CheckItem i : items) s.append('\n').append(i);
        return s.toString();
    }
}
