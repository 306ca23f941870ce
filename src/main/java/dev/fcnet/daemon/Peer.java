package dev.fcnet.daemon;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The process at the other end of a connection, as the kernel recorded it when it connected
 * (SO_PEERCRED): its effective uid and gid.
 */
public record Peer(int uid, int gid) {
    public static final Peer ROOT = new Peer(0, 0);

    public boolean isRoot() {
        return uid == 0;
    }

    /**
     * The credentials of {@code channel}'s peer.
     *
     * @throws IOException when the kernel or the JDK cannot tell them (the connection is refused)
     */
    static Peer of(SocketChannel channel) throws IOException {
        UnixDomainPrincipal p = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        return new Peer(id(p.user(), false), id(p.group(), true));
    }

    /**
     * The JDK gives SO_PEERCRED's ids as principals showing the user or group name, not the number.
     * Its principals hash to their id and compare equal by id; the id is taken from the hash and
     * proven with equals against the principal the JDK makes for that number, so a JDK that
     * works otherwise makes the connection fail rather than run as someone else.
     */
    private static int id(UserPrincipal principal, boolean group) throws IOException {
        int candidate = principal.hashCode();
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        String number = Integer.toString(candidate);
        UserPrincipal byNumber = null;
        if (candidate >= 0) {
            try {
                byNumber = group ? lookup.lookupPrincipalByGroupName(number) : lookup.lookupPrincipalByName(number);
            } catch (IOException e) {
                // Not a number the JDK resolves: refused below.
            }
        }
        if (!principal.equals(byNumber)) {
            throw new IOException("cannot tell the numeric " + (group ? "gid" : "uid") + " of peer "
                    + (group ? "group " : "user ") + principal.getName());
        }
        return candidate;
    }
}
