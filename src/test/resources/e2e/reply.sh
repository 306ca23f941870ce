# One TCP connection of `nc -ll -p PORT -e sh reply.sh TAG` (stdin/stdout are the socket):
# answers "TAG <client address>", the address this end saw, which shows what NAT did on the way.
# Finds its socket by inode in /proc/net/tcp{,6} (busybox nc listens on a dual-stack socket).
ino=$(readlink /proc/self/fd/0)
ino=${ino#socket:[}
ino=${ino%]}
awk -v ino="$ino" -v tag="$1" '
function hex(s,    i, n) { n = 0; for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1; return n }
# The kernel prints each 32-bit word of an address in host (little-endian) byte order.
function v4(w) { return hex(substr(w, 7, 2)) "." hex(substr(w, 5, 2)) "." hex(substr(w, 3, 2)) "." hex(substr(w, 1, 2)) }
function v6(h,    i, w, s) {
  for (i = 0; i < 4; i++) { w = substr(h, 8 * i + 1, 8)
    s = s (i ? ":" : "") sprintf("%x:%x", hex(substr(w, 7, 2) substr(w, 5, 2)), hex(substr(w, 3, 2) substr(w, 1, 2))) }
  return s }
$10 == ino { split($3, a, ":"); h = a[1]
  if (length(h) == 8) print tag, v4(h)
  else if (substr(h, 1, 24) == "0000000000000000FFFF0000") print tag, v4(substr(h, 25, 8))
  else print tag, v6(h)
  exit }
' /proc/net/tcp /proc/net/tcp6
