#!/bin/sh
# Regenerates the rtnl golden fixtures: the bytes iproute2 sends for each request type.
# Run as root from this directory:  unshare --net --mount --propagation private sh capture.sh
# Each NAME.txt holds the command on its first line, then every command run before it in this
# fresh namespace, then which message the tests compare, then strace's decoded calls with a hex
# dump of every send.
set -eu
out=$(pwd)
history=""
run() { "$@" >/dev/null; history="${history:+$history; }$*"; }
# cap NAME NOTE COMMAND...
cap() {
    name=$1; note=$2; shift 2
    {
        echo "# $*"
        echo "# after: $history"
        echo "# compared: the last message ip sent on fd 3 (its rtnl socket), nlmsg_seq and nlmsg_pid masked"
        if [ -n "$note" ]; then echo "# note: $note"; fi
        strace -o /tmp/fcnet-capture.strace -x -s 4096 -e trace=sendmsg,sendto -e write=all "$@" >/dev/null
        grep -v '^+++' /tmp/fcnet-capture.strace
    } >"$out/$name.txt"
    history="$history; $*"
}
nsfd="IFLA_NET_NS_FD carries ip's own fd number for /run/netns/other; tests pass the same number"
dump="the dump is sent from a padded buffer; only the first nlmsg_len bytes are the message"

mount -t tmpfs fcnet-capture /run
run ip netns add other
run ip link set lo up
cap newlink-veth "" ip link add veth1 type veth peer name veth0
cap getlink "we add NLM_F_ACK (our receive loop ends a do-request at its ack) and compare the rest; ip's other sockets (fd 4, 5) only resolve names for printing" ip link show dev veth1
cap newlink-veth-peer-netns "$nsfd" ip link add veth3 type veth peer name veth2 netns other
cap setlink-up "" ip link set veth1 up
cap setlink-down "" ip link set veth1 down
cap setlink-netns "$nsfd" ip link set veth0 netns other
cap setlink-group "" ip link set veth1 group 7
cap setlink-alias "" ip link set veth1 alias fcnet
cap setlink-name "" ip link set veth1 name veth9
cap newaddr-v4 "brd + makes ip send IFA_BROADCAST (prefixes up to /30), as fcnet's rtnetlink crate does" \
    ip addr add 10.0.0.1/24 brd + dev veth9
cap newaddr-v4-host "no IFA_BROADCAST for /31 and /32, even with brd +" ip addr add 10.0.2.1/32 brd + dev veth9
cap newaddr-v6-nodad "" ip addr add 2001:db8::1/64 dev veth9 nodad
cap getaddr-link "ip first resolves the name; the compared message is the filtered dump (strict checking on); $dump" \
    ip addr show dev veth9
cap deladdr-v4 "" ip addr del 10.0.0.1/24 dev veth9
cap deladdr-v6 "" ip addr del 2001:db8::1/64 dev veth9
run ip link set veth9 up
run ip addr add 10.0.0.1/24 dev veth9
run ip addr add 2001:db8::1/64 dev veth9 nodad
cap newroute-v4-default "" ip route add default via 10.0.0.2
cap newroute-v6-default "ip sends RTA_DST :: for an IPv6 default route" ip -6 route add default via 2001:db8::2
cap newroute-v4-host "" ip route add 192.168.0.3/32 via 10.0.0.2
cap newroute-v6-host "" ip -6 route add 2001:db8:1::3/128 via 2001:db8::2
cap getroute-v4 "$dump" ip -4 route show table main
cap getroute-v6 "$dump" ip -6 route show table main
cap delroute-v4-default "" ip route del default via 10.0.0.2
cap delroute-v4-host "" ip route del 192.168.0.3/32 via 10.0.0.2
cap delroute-v6-default "" ip -6 route del default via 2001:db8::2
cap delroute-v6-host "" ip -6 route del 2001:db8:1::3/128 via 2001:db8::2
cap getnetconf-v4 "ip sends this request with nlmsg_seq 0" ip -4 netconf show dev veth9
cap getnetconf-v6 "ip sends this request with nlmsg_seq 0" ip -6 netconf show dev veth9
cap dellink "ip resolves the name and deletes by index" ip link del veth9
run ip link add veth9 type veth peer name veth0
run ip link set veth9 up
run ip addr add 10.0.0.1/24 dev veth9
run ip addr add 2001:db8::1/64 dev veth9 nodad
run ip route add 192.168.0.3/32 via 10.0.0.2
run ip -6 route add 2001:db8:1::3/128 via 2001:db8::2
fib="we add NLM_F_ACK (our receive loop ends a do-request at its ack) and compare the rest; fd 4 only resolves names for printing"
cap getroute-fibmatch-v4 "$fib; ip asks IPv4 lookups for the table too (RTM_F_LOOKUP_TABLE)" ip route get fibmatch 192.168.0.3
cap getroute-fibmatch-v6 "$fib" ip -6 route get fibmatch 2001:db8:1::3
run ip link set veth9 down
cap setlink-name-group "the graveyard rename: name and group in one request (the link is down)" ip link set veth9 name fcg3 group 7
cap dellink-group "no index, no name: the kernel deletes every link of the group in one unregister batch" ip link del group 7
run ip link add veth7 type veth peer name veth6
cap setlink-addrgenmode "" ip link set veth7 addrgenmode none
rm -f /tmp/fcnet-capture.strace
