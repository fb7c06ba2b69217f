#!/usr/bin/env bash
# The live BGP test: the bird.conf infrac generates for tests/live/bgp.infra, unchanged,
# runs in a network namespace with its real interface name (enp1s0) against four BIRD
# neighbours in their own namespaces, all on one bridged WAN segment. The neighbours
# announce normal prefixes, bogons, too-specific and too-short prefixes, default routes,
# the site's own space, bad AS paths and more routes than a limit. The test fails on any
# accepted bad route, any missing good route, any route leaked from one neighbour to
# another, a preference the ranking does not decide, and an announcement a neighbour
# rejects.
#
#   tests/live/bgp.sh INFRAC_BINARY
#
# Needs root (network namespaces), bird2 and iproute2. Nothing leaves the machine: the
# namespaces have no link to the host. Every wait is bounded and everything is removed
# on exit, also on failure.
set -euo pipefail

infrac="${1:?usage: bgp.sh INFRAC_BINARY}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
for tool in bird birdc ip; do
  command -v "$tool" >/dev/null || { echo "bgp.sh: $tool is missing (scripts/validators/install.sh installs it)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bgp.sh: network namespaces need root" >&2; exit 1; }

work="$(mktemp -d)"
tag="b$$"
ns_sw="infrac-${tag}-sw"
ns_r="infrac-${tag}-r"
peers=(a b c rs)
declare -A addr=([a]=203.0.113.5 [b]=203.0.113.3 [c]=203.0.113.4 [rs]=203.0.113.6)
declare -A addr6=([a]=2001:db8:ffff::5 [b]=2001:db8:ffff::3 [c]=2001:db8:ffff::4 [rs]=2001:db8:ffff::6)
declare -A asn=([a]=6939 [b]=3356 [c]=174 [rs]=6777)
declare -A proto=([a]=bgp_transit_a [b]=bgp_transit_b [c]=bgp_transit_c [rs]=bgp_route_server)

cleanup() {
  set +e
  for pid in "$work"/*.pid; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null
  done
  for ns in "$ns_r" "$ns_sw" "${peers[@]/#/infrac-${tag}-p}"; do
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

# --- the router's configuration, exactly as generated -----------------------------------
"$infrac" build "$root/tests/live/bgp.infra" --target bird -o "$work/out" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; exit 1; }
conf="$work/out/bird/edge/bird.conf"
[ -f "$conf" ] || { echo "bgp.sh: infrac wrote no $conf" >&2; exit 1; }

# --- the WAN segment: a bridge in its own namespace, one veth per speaker ----------------
ip netns add "$ns_sw"
ip -n "$ns_sw" link add br0 type bridge
ip -n "$ns_sw" link set br0 up
attach() { # NAMESPACE PORT-NAME-INSIDE ADDRESS4 ADDRESS6 SWITCH-SIDE-NAME
  local ns="$1" inside="$2" a4="$3" a6="$4" side="$5"
  ip link add "${side}x" type veth peer name "${side}y"
  ip link set "${side}x" netns "$ns"
  ip link set "${side}y" netns "$ns_sw"
  ip -n "$ns" link set "${side}x" name "$inside"
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$a4/29" dev "$inside"
  ip -n "$ns" addr add "$a6/64" dev "$inside" nodad
  ip -n "$ns" link set "$inside" up
  ip -n "$ns_sw" link set "${side}y" master br0
  ip -n "$ns_sw" link set "${side}y" up
}
ip netns add "$ns_r"
attach "$ns_r" enp1s0 203.0.113.2 2001:db8:ffff::2 "${tag}r"
for p in "${peers[@]}"; do
  ip netns add "infrac-${tag}-p$p"
  attach "infrac-${tag}-p$p" eth0 "${addr[$p]}" "${addr6[$p]}" "${tag}$p"
done

# --- the neighbours ----------------------------------------------------------------------
# Routes every transit announces, good and bad; `extra` adds a peer's own lines.
peer_conf() { # PEER EXTRA-STATIC4 EXTRA-STATIC6 EXPORT-FILTER-BODY SESSION-EXTRA
  local p="$1"
  cat <<EOF
router id ${addr[$p]};
protocol device {}
protocol static static4 {
	ipv4;
	route 8.8.8.0/24 blackhole;	# normal
	route 1.1.1.0/24 blackhole;	# normal, announced by a and b
	route 0.0.0.0/0 blackhole;	# default
	route 10.0.0.0/8 blackhole;	# bogon (RFC 1918)
	route 192.88.99.0/24 blackhole;	# bogon (6to4 relay)
	route 100.64.0.0/10 blackhole;	# bogon (CGNAT)
	route 8.8.4.0/25 blackhole;	# too specific
	route 128.0.0.0/1 blackhole;	# too short
	route 45.67.88.0/24 blackhole;	# the site's own space
	route 9.9.9.0/24 blackhole;	# gets a private ASN in its path
	route 9.9.10.0/24 blackhole;	# gets an overlong path
$2
}
protocol static static6 {
	ipv6;
	route 2a00:1450::/32 blackhole;	# normal
	route ::/0 blackhole;	# default
	route 2001::/32 blackhole;	# bogon (Teredo)
	route 2001:20::/28 blackhole;	# bogon (ORCHIDv2)
	route 2001:db8::/32 blackhole;	# bogon (documentation)
	route fc00::/7 blackhole;	# bogon (unique local)
	route 2a00:1450:4001::/49 blackhole;	# too specific
	route 2000::/3 blackhole;	# too short
	route 2a0e:b107:1::/48 blackhole;	# the site's own prefix
$3
}
protocol bgp edge {
	local ${addr[$p]} as ${asn[$p]};
	neighbor 203.0.113.2 as 65010;
	ttl security on;
$5
	ipv4 { import all; export filter { $4 accept; }; };
	ipv6 { import all; export filter { $4 accept; }; };
}
EOF
}
long_path='if net = 9.9.10.0/24 then {'
for _ in $(seq 1 101); do long_path+=" bgp_path.prepend(64999);"; done
long_path+=' }'
common_paths="if net = 9.9.9.0/24 then bgp_path.prepend(64512); $long_path"

peer_conf a "" "" "$common_paths if net = 1.1.1.0/24 then bgp_path.prepend(6939);" "" >"$work/a.conf"
peer_conf b "" "" "$common_paths" "" >"$work/b.conf"
# transit-c: 100 routes more, above its limit of 50 accepted IPv4 routes.
more=""
for i in $(seq 0 99); do more+=$'\t'"route 20.0.$i.0/24 blackhole;"$'\n'; done
peer_conf c "$more" "" "$common_paths" "" >"$work/c.conf"
# The route server does not put its own AS first (`rs client`): static routes arrive
# with an empty path, 198.18.0.0/15's lookalike 5.5.5.0/24 with a foreign first AS.
peer_conf rs $'\troute 5.5.5.0/24 blackhole;' "" \
  "if net = 5.5.5.0/24 then bgp_path.prepend(3356);" $'\trs client;' >"$work/rs.conf"

for p in "${peers[@]}"; do
  bird -p -c "$work/$p.conf" || { echo "bgp.sh: neighbour $p's configuration is invalid" >&2; exit 1; }
  ip netns exec "infrac-${tag}-p$p" bird -c "$work/$p.conf" -s "$work/$p.ctl" -P "$work/$p.pid"
done
# The router last, so its first connection attempts find the neighbours listening.
ip netns exec "$ns_r" bird -c "$conf" -s "$work/r.ctl" -P "$work/r.pid"

rc() { birdc -s "$work/r.ctl" "$@"; }
pc() { local p="$1"; shift; birdc -s "$work/$p.ctl" "$@"; }

# --- wait for the sessions (bounded) -----------------------------------------------------
established() { rc show protocols "${proto[$1]}" | grep -q Established; }
for p in a b rs; do
  for _ in $(seq 1 60); do
    established "$p" && break
    sleep 1
  done
  if established "$p"; then pass "session with $p established (GTSM on both sides)"; else fail "session with $p not established: $(rc show protocols "${proto[$p]}" | tail -n1)"; fi
done
# Routes settle within a second or two of the session; wait until the table stops growing.
last=""
for _ in $(seq 1 20); do
  now="$(rc show route count)"
  [ "$now" = "$last" ] && break
  last="$now"
  sleep 1
done

# --- what the neighbours sent: every bad route really went out (else a rejection proves
# nothing) -------------------------------------------------------------------------------
sent() { pc "$1" show route export edge | grep -oE '^[0-9a-f:.]+/[0-9]+' | sort -u; }
sent_a="$(sent a)"
sent_rs="$(sent rs)"
for r in 0.0.0.0/0 10.0.0.0/8 192.88.99.0/24 100.64.0.0/10 8.8.4.0/25 128.0.0.0/1 45.67.88.0/24 \
  9.9.9.0/24 9.9.10.0/24 ::/0 2001::/32 2001:20::/28 2001:db8::/32 fc00::/7 2a00:1450:4001::/49 \
  2000::/3 2a0e:b107:1::/48; do
  grep -qx "$r" <<<"$sent_a" || fail "transit-a did not send $r, so its rejection proves nothing"
done
grep -qx 5.5.5.0/24 <<<"$sent_rs" || fail "the route server did not send 5.5.5.0/24"
[ "$(pc c show route | grep -c '^20\.0\.' || true)" -eq 100 ] ||
  fail "transit-c does not hold its 100 extra routes"

# --- what the router learned -------------------------------------------------------------
kernel4="$(ip -n "$ns_r" -4 route show proto bird)"
kernel6="$(ip -n "$ns_r" -6 route show proto bird)"
has_route() { grep -q "^$1 " <<<"$2"; }
for good in 8.8.8.0/24 1.1.1.0/24; do
  if has_route "$good" "$kernel4"; then pass "accepted $good"; else fail "normal route $good missing from the kernel"; fi
done
if has_route 2a00:1450::/32 "$kernel6"; then pass "accepted 2a00:1450::/32"; else fail "normal route 2a00:1450::/32 missing"; fi
for bad in default 10.0.0.0/8 192.88.99.0/24 100.64.0.0/10 8.8.4.0/25 128.0.0.0/1 45.67.88.0/24 9.9.9.0/24 9.9.10.0/24 5.5.5.0/24; do
  if has_route "$bad" "$kernel4"; then fail "bad IPv4 route $bad accepted"; else pass "rejected $bad"; fi
done
for bad in default 2001::/32 2001:20::/28 2001:db8::/32 fc00::/7 2a00:1450:4001::/49 2000::/3 2a0e:b107:1::/48; do
  if has_route "$bad" "$kernel6"; then fail "bad IPv6 route $bad accepted"; else pass "rejected $bad"; fi
done
# The route server's routes: an empty path, and a first AS that is not its own.
if rc show route protocol bgp_route_server | grep -q '/'; then
  fail "a route from the route server was accepted: $(rc show route protocol bgp_route_server | tail -n +2 | head -3)"
else
  pass "rejected the route server's empty and foreign-first-AS paths"
fi
# The ranking: a (prefer = 1, longer path, higher address) beats b (prefer = 2).
via="$(ip -n "$ns_r" -4 route show 1.1.1.0/24 | grep -o 'via [0-9.]*' || true)"
if [ "$via" = "via ${addr[a]}" ]; then pass "1.1.1.0/24 goes to the preferred transit-a"; else fail "1.1.1.0/24 goes $via, not via transit-a ${addr[a]}"; fi
# The receive limit: transit-c sent 100 routes more than its limit of 50.
c_routes="$(grep -c '^20\.0\.' <<<"$kernel4" || true)"
c_state="$(rc show protocols all bgp_transit_c)"
if [ "$c_routes" -le 50 ] && grep -q 'Import limit: *50 \[HIT\]' <<<"$c_state"; then
  pass "transit-c stopped at its import limit ($c_routes of its 100 extra routes in the kernel)"
else
  fail "transit-c: $c_routes of 100 extra routes in the kernel; limit not reported: $(grep -i 'limit\|state' <<<"$c_state" | head -3)"
fi

# --- what the neighbours learned: the site's prefixes only, with a usable next hop -------
for p in a b; do
  learned="$(pc "$p" show route protocol edge)"
  prefixes="$(grep -oE '^[0-9a-f:.]+/[0-9]+' <<<"$learned" | sort | tr '\n' ' ')"
  if [ "$prefixes" = "2a0e:b107:1::/48 45.67.88.0/22 " ]; then
    pass "$p learned exactly the site's prefixes"
  else
    fail "$p learned [$prefixes], not exactly the site's 45.67.88.0/22 and 2a0e:b107:1::/48 (a leak, or an announcement it rejected)"
  fi
  path="$(pc "$p" show route 45.67.88.0/22 all | grep -o 'BGP.as_path: .*' | head -n1)"
  want="BGP.as_path: 65010"
  [ "$p" = b ] && want="BGP.as_path: 65010 65010"
  if [ "$path" = "$want" ]; then pass "$p sees the ranked path ($path)"; else fail "$p sees '$path', not '$want'"; fi
  if pc "$p" show route 2a0e:b107:1::/48 all | grep -q 'unreachable'; then
    fail "$p cannot resolve the IPv6 next hop of 2a0e:b107:1::/48"
  fi
done

echo "bgp.sh: $failures failures"
[ "$failures" -eq 0 ]
