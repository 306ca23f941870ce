/**
 * fcnet for the JVM: microVM host networking over rtnetlink and nfnetlink, through the
 * Foreign Function &amp; Memory API. Exported: the configuration API ({@code dev.fcnet}), the
 * engine that adds, checks and deletes networks ({@code dev.fcnet.engine}) and the client of the
 * daemon ({@code dev.fcnet.client}). The layers below (sys, netlink, rtnl, nft, tun, netns) and
 * the front ends (cli, daemon) are implementation.
 */
module dev.fcnet {
    // Flight Recorder events of the operations (dev.fcnet.Add, ...).
    requires jdk.jfr;
    // The daemon: its clients' uid and gid (SO_PEERCRED) and the fd limit its connection cap follows.
    requires jdk.net;
    requires jdk.management;
    exports dev.fcnet;
    exports dev.fcnet.engine;
    // The client of bin/fcnetd, for processes without the privileges to change the host's networking.
    exports dev.fcnet.client;
}
