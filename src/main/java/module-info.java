/**
 * fcnet for the JVM: microVM host networking over rtnetlink and nfnetlink, through the
 * Foreign Function &amp; Memory API. Only the configuration API and the client of the daemon
 * are exported; the layers below them (sys, netlink, rtnl, nft, tun, netns, engine) are
 * implementation.
 */
module dev.fcnet {
    exports dev.fcnet;
    exports dev.fcnet.engine;
    // The client of bin/fcnetd, for processes without the privileges to change the host's networking.
    exports dev.fcnet.client;
}
