#!/bin/sh
# Regenerates the nft golden fixtures in this directory with the real nft (1.0.6 when written).
# Run as root: sh capture.sh (sh capture.sh sets: only the sets fixtures of DESIGN §3b). Every capture runs in a fresh network namespace (unshare --net),
# so the machine's ruleset is never touched. Each fixture holds, in order:
#   line 1: "# " + the exact nft command captured (argument as typed in a shell),
#   "# setup: ..." the nft commands run before it in the same namespace,
#   "## debug" then what `nft --debug=netlink` printed for it,
#   "## sendmsg" then strace's hex dump of the batch nft sent (BATCH_BEGIN, message, BATCH_END),
#   from: strace -f -e trace=sendmsg -e write=3 -o OUT nft --debug=netlink ...
set -eu
cd "$(dirname "$0")"

TABLE_IP="add table ip fcnet"
post() { echo "add chain $1 fcnet postrouting { type nat hook postrouting priority 100 ; policy accept ; }"; }
filt() { echo "add chain $1 fcnet filter { type filter hook forward priority 0 ; policy accept ; }"; }
pre()  { echo "add chain $1 fcnet prerouting { type nat hook prerouting priority -100 ; policy accept ; }"; }

# traced NAME SYSCALL N COMMAND SETUP...: runs the setup commands, then COMMAND under strace of
# SYSCALL, and keeps what it wrote to the netlink socket: every call's (N = 0), or the Nth call's only.
traced() {
    local name=$1 syscall=$2 n=$3 cmd=$4 setup="" s
    shift 4
    for s in "$@"; do setup="$setup${setup:+; }nft '$s'"; done
    unshare --net sh -c '
        out=$1; syscall=$2; cmd=$3; shift 3
        for s in "$@"; do nft "$s"; done
        strace -f -e trace="$syscall" -e write=3 -o "$out.strace" nft --debug=netlink "$cmd" >"$out.debug"
    ' capture "/tmp/fcnet-capture-$name" "$syscall" "$cmd" "$@"
    {
        echo "# nft --debug=netlink '$cmd'"
        echo "# setup: ${setup:-none}"
        echo "## debug"
        cat "/tmp/fcnet-capture-$name.debug"
        echo "## sendmsg"
        awk -v n="$n" -v call="$syscall(" 'index($0, call) { k++ } (n == 0 || k == n) && /^ \| / { print }' \
            "/tmp/fcnet-capture-$name.strace"
    } >"$name.txt"
    rm -f "/tmp/fcnet-capture-$name.debug" "/tmp/fcnet-capture-$name.strace"
}

# capture NAME COMMAND SETUP...: the batch (sendmsg) of COMMAND after the setup commands.
capture() {
    local name=$1
    shift
    traced "$name" sendmsg 0 "$@"
}

# capture_send NAME N COMMAND SETUP...: as capture, but keeps the Nth request the command sent with
# sendto (reads are not batches; nft sends its cache reads first, N counts from the command's start).
capture_send() {
    local name=$1 n=$2
    shift 2
    traced "$name" sendto "$n" "$@"
}

# The sets ruleset of DESIGN §3b (issue 15): NAME FAMILY SET TYPE SELECTORS VERDICT CHAIN ELEMENT.
set_shape() {
    n=$1; f=$2; set=$3; type=$4; sel=$5; verdict=$6; chain=$7; elem=$8
    add="add set $f fcnet $set { type $type; }"
    capture "sets-$n-$set-set" "$add" "add table $f fcnet"
    capture "sets-$n-$set-rule" "add rule $f fcnet $chain $sel @$set $verdict" \
        "add table $f fcnet" "$(post "$f")" "$(filt "$f")" "$add"
    # create, not add: nft sends NLM_F_EXCL, so an element already there is refused (EEXIST).
    capture "sets-$n-$set-create-element" "create element $f fcnet $set { $elem }" "add table $f fcnet" "$add"
    capture "sets-$n-$set-delete-element" "delete element $f fcnet $set { $elem }" \
        "add table $f fcnet" "$add" "add element $f fcnet $set { $elem }"
    # nft's get element reads its cache first (GETGEN, GETTABLE, GETSET, a GETSETELEM dump, GETGEN):
    # the 6th sendto is the one-element GETSETELEM.
    capture_send "sets-$n-$set-get-element" 6 "get element $f fcnet $set { $elem }" \
        "add table $f fcnet" "$add" "add element $f fcnet $set { $elem }"
}

sets_fixtures() {
    M4="ip saddr . oifname"; M6="ip6 saddr . oifname"; FW="iifname . oifname"
    E4='172.16.0.2 . "eth0"'; E6='fd00:16::2 . "eth0"'; EF='"tap0" . "eth0"'
    set_shape ip ip masq_v4 "ipv4_addr . ifname" "$M4" masquerade postrouting "$E4"
    set_shape ip ip fwd_pairs "ifname . ifname" "$FW" accept filter "$EF"
    set_shape ip6 ip6 masq_v6 "ipv6_addr . ifname" "$M6" masquerade postrouting "$E6"
    set_shape ip6 ip6 fwd_pairs "ifname . ifname" "$FW" accept filter "$EF"
    set_shape inet inet masq_v4 "ipv4_addr . ifname" "$M4" masquerade postrouting "$E4"
    set_shape inet inet masq_v6 "ipv6_addr . ifname" "$M6" masquerade postrouting "$E6"
    set_shape inet inet fwd_pairs "ifname . ifname" "$FW" accept filter "$EF"
    # nft list set: one GETSET (3rd sendto, after GETGEN and GETTABLE) and the dump of the elements (4th).
    S4="add set ip fcnet masq_v4 { type ipv4_addr . ifname; }"
    capture_send "sets-ip-getset" 3 "list set ip fcnet masq_v4" "add table ip fcnet" "$S4"
    capture_send "sets-ip-dump-elements" 4 "list set ip fcnet masq_v4" "add table ip fcnet" "$S4"
    # An Add's undo deletes the sets it made: NFT_MSG_DELSET by family, table and name.
    capture "sets-ip-delete-set" "delete set ip fcnet masq_v4" "add table ip fcnet" "$S4"
}

# rules FAMILYNAME FAMILY L3 GUEST VETH2ADDR FORWARDED: the rule shapes of DESIGN §3.
rules() {
    n=$1; f=$2; l3=$3; guest=$4; v2=$5; fwd=$6
    natfam=""; [ "$f" = inet ] && natfam=" $l3"
    capture "$n-simple-masq" "add rule $f fcnet postrouting $l3 saddr $guest oifname \"eth0\" masquerade" \
        "add table $f fcnet" "$(post "$f")"
    capture "$n-simple-filter" "add rule $f fcnet filter iifname \"tap0\" oifname \"eth0\" accept" \
        "add table $f fcnet" "$(post "$f")" "$(filt "$f")"
    capture "$n-ns-snat" "add rule $f fcnet postrouting oifname \"veth0\" $l3 saddr $guest snat$natfam to $v2" \
        "add table $f fcnet" "$(post "$f")"
    capture "$n-ns-dnat" "add rule $f fcnet prerouting iifname \"veth0\" $l3 daddr $fwd dnat$natfam to $guest" \
        "add table $f fcnet" "$(post "$f")" "$(pre "$f")"
    capture "$n-host-masq" "add rule $f fcnet postrouting $l3 saddr $v2 oifname \"eth0\" masquerade" \
        "add table $f fcnet" "$(post "$f")"
    capture "$n-host-filter-in" "add rule $f fcnet filter iifname \"eth0\" oifname \"veth1\" accept" \
        "add table $f fcnet" "$(post "$f")" "$(filt "$f")"
    capture "$n-host-filter-out" "add rule $f fcnet filter oifname \"eth0\" iifname \"veth1\" accept" \
        "add table $f fcnet" "$(post "$f")" "$(filt "$f")"
}

if [ "${1:-}" = sets ]; then sets_fixtures; exit 0; fi

V4="172.16.0.2 10.0.0.2 192.168.0.3"
V6="fd00:16::2 fd00:10::2 fd00:192:168::3"
rules ip ip ip $V4
rules ip6 ip6 ip6 $V6
rules inet-ip inet ip $V4
rules inet-ip6 inet ip6 $V6

for f in ip ip6 inet; do
    capture "$f-table" "add table $f fcnet"
    capture "$f-chain-postrouting" "$(post "$f")" "add table $f fcnet"
    capture "$f-chain-filter" "$(filt "$f")" "add table $f fcnet" "$(post "$f")"
    capture "$f-chain-prerouting" "$(pre "$f")" "add table $f fcnet" "$(post "$f")" "$(filt "$f")"
done
capture "ip-delete-rule" "delete rule ip fcnet postrouting handle 2" \
    "add table ip fcnet" "$(post ip)" "add rule ip fcnet postrouting masquerade"
capture "ip-delete-chain" "delete chain ip fcnet postrouting" "add table ip fcnet" "$(post ip)"
capture "ip-delete-table" "delete table ip fcnet" "add table ip fcnet"
capture "ip-rule-comment" 'add rule ip fcnet postrouting masquerade comment "hi"' "add table ip fcnet" "$(post ip)"

# getgen: the request every nft command starts with (sent alone with sendto, not in a batch); we
# add NLM_F_ACK, as for every do-request. Only the first send of `nft list tables` is kept.
unshare --net strace -e trace=sendto -e write=3 -o /tmp/fcnet-capture-getgen.strace nft list tables
{
    echo "# nft list tables"
    echo "# setup: none"
    echo "## debug"
    echo "## sendmsg"
    awk '/sendto\(/ { n++ } n == 1 && /^ \| / { print }' /tmp/fcnet-capture-getgen.strace
} >getgen.txt
rm -f /tmp/fcnet-capture-getgen.strace
sets_fixtures
