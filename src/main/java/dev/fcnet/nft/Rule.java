package dev.fcnet.nft;

import java.util.List;
import java.util.Objects;

/**
 * A rule of {@code table}/{@code chain}. {@code handle} is the kernel's id (0 for a rule not yet
 * added), {@code position} the handle of the rule before it as the kernel dumps it (0: none or
 * not known), {@code userdata} the raw NFTA_RULE_USERDATA (nft keeps comments there;
 * {@link NftData#EMPTY} when absent).
 */
public record Rule(NftFamily family, String table, String chain, long handle, long position, List<Expr> exprs,
        NftData userdata) {
    public Rule {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(chain, "chain");
        exprs = List.copyOf(exprs);
        Objects.requireNonNull(userdata, "userdata");
    }

    /** A rule to append: no handle, position or userdata. */
    public static Rule of(NftFamily family, String table, String chain, List<Expr> exprs) {
        return new Rule(family, table, chain, 0, 0, exprs, NftData.EMPTY);
    }

    /**
     * Same family, table, chain, expressions and userdata, whatever the handles and the set ids of
     * lookups (transaction-only references the kernel does not keep): the same rule.
     */
    public boolean matches(Rule other) {
        return family == other.family && table.equals(other.table) && chain.equals(other.chain)
                && sameExprs(exprs, other.exprs) && userdata.equals(other.userdata);
    }

    private static boolean sameExprs(List<Expr> a, List<Expr> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) {
            if (!asKept(a.get(i)).equals(asKept(b.get(i)))) return false;
        }
        return true;
    }

    private static Expr asKept(Expr e) {
        return e instanceof Lookup l ? l.withoutSetId() : e;
    }

    public Rule withHandle(long newHandle) {
        return new Rule(family, table, chain, newHandle, position, exprs, userdata);
    }

    /**
     * libnftnl's text, as {@code nft --debug=netlink} prints a rule: {@code ip fcnet postrouting}
     * (plus handle and position when known), then one line per expression.
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder().append(family).append(' ').append(table).append(' ').append(chain);
        if (handle != 0) s.append(' ').append(Long.toUnsignedString(handle));
        if (position != 0) s.append(' ').append(Long.toUnsignedString(position));
        s.append('\n');
        for (Expr e : exprs) s.append("  ").append(e).append('\n');
        if (!userdata.isEmpty()) {
            // libnftnl prints printable ASCII as is and every other byte as \xNN.
            s.append("  userdata = { ");
            for (byte b : userdata.bytes()) {
                if (b >= 0x20 && b < 0x7f) s.append((char) b);
                else s.append(String.format("\\x%02x", b & 0xff));
            }
            s.append(" }\n");
        }
        return s.toString();
    }
}
