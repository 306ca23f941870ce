/**
 * fcnet for the JVM: microVM host networking over rtnetlink and nfnetlink, through the
 * Foreign Function &amp; Memory API. Only the configuration API is exported; the layers
 * below it (sys, netlink, rtnl, nft, tun, netns) are implementation.
 */
module dev.fcnet {
    exports dev.fcnet;
}
