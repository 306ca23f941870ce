package dev.fcnet.nft;

import java.util.Objects;

/**
 * A chain of {@code table}; {@code base} is its hook for base chains and null for regular ones;
 * {@code handle} 0 when not known.
 */
public record Chain(NftFamily family, String table, String name, long handle, Base base) {
    public Chain {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(name, "name");
    }

    /**
     * A base chain's hook: {@code type} ("filter", "nat", "route"), {@code hook} NF_INET_*,
     * {@code priority} and {@code policy} (NF_ACCEPT or NF_DROP).
     */
    public record Base(String type, int hook, int priority, int policy) {
        public Base {
            Objects.requireNonNull(type, "type");
        }

        /** As nft lists it, with numeric priority: {@code type nat hook postrouting priority 100; policy accept;}. */
        @Override
        public String toString() {
            String h = switch (hook) {
                case NftConstants.NF_INET_PRE_ROUTING -> "prerouting";
                case NftConstants.NF_INET_LOCAL_IN -> "input";
                case NftConstants.NF_INET_FORWARD -> "forward";
                case NftConstants.NF_INET_LOCAL_OUT -> "output";
                case NftConstants.NF_INET_POST_ROUTING -> "postrouting";
                default -> "hook" + hook;
            };
            String p = policy == NftConstants.NF_ACCEPT ? "accept" : policy == NftConstants.NF_DROP ? "drop" : "policy" + policy;
            return "type " + type + " hook " + h + " priority " + priority + "; policy " + p + ";";
        }
    }

    public static Chain base(NftFamily family, String table, String name, String type, int hook, int priority,
            int policy) {
        return new Chain(family, table, name, 0, new Base(type, hook, priority, policy));
    }

    /** Same family, table, name and hook, whatever the handles. */
    public boolean matches(Chain other) {
        return family == other.family && table.equals(other.table) && name.equals(other.name)
                && Objects.equals(base, other.base);
    }
}
