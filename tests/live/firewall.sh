#!/usr/bin/env bash
# The live firewall test: the nftables ruleset infrac generates for
# tests/live/firewall.infra, unchanged, loaded in a network namespace whose interfaces
# have the router's real names (enp1s0 … enp4s0), with one client namespace per zone.
# Every zone pair, and the router itself, is probed on a set of ports per class, over
# IPv4 and IPv6; each real verdict must equal `infrac explain-flow`'s. Then the NAT, the
# port forwards, IPv6 neighbour discovery, anti-spoofing, the ping rate limit and the
# drop counters are checked.
#
#   tests/live/firewall.sh INFRAC_BINARY
#
# Needs root (network namespaces), nftables, iproute2 and python3. Nothing leaves the
# machine: the namespaces have no link to the host. Every wait is bounded and everything
# is removed on exit, also on failure.
set -euo pipefail

infrac="${1:?usage: firewall.sh INFRAC_BINARY}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lab="$here/firewall.infra"
probe="$here/probe.py"
for tool in nft ip python3; do
  command -v "$tool" >/dev/null || { echo "firewall.sh: $tool is missing (scripts/validators/install.sh installs it)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "firewall.sh: network namespaces need root" >&2; exit 1; }

work="$(mktemp -d)"
tag="f$$"
ns() { echo "infrac-${tag}-$1"; }
clients=(w l g m)
declare -A iface=([w]=enp1s0 [l]=enp2s0 [g]=enp3s0 [m]=enp4s0)
declare -A addr=([w]=198.51.100.10 [l]=192.168.10.10 [g]=192.168.20.10 [m]=192.168.30.10)
declare -A gw=([w]=198.51.100.2 [l]=192.168.10.1 [g]=192.168.20.1 [m]=192.168.30.1)
declare -A len=([w]=24 [l]=24 [g]=24 [m]=24)
declare -A addr6=([w]=2001:db8:ffff::10 [l]=2a0e:b107:2:10::10 [g]=2a0e:b107:2:20::10)
declare -A gw6=([w]=2001:db8:ffff::2 [l]=2a0e:b107:2:10::1 [g]=2a0e:b107:2:20::1)

cleanup() {
  set +e
  jobs -p | xargs -r kill 2>/dev/null
  for n in r "${clients[@]}"; do
    ip netns pids "$(ns "$n")" 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns del "$(ns "$n")" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

# --- the ruleset, exactly as generated ---------------------------------------------------
"$infrac" build "$lab" --target nftables -o "$work/out" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; exit 1; }
ruleset="$work/out/nftables/edge.nft"

# --- the router and one client per zone --------------------------------------------------
ip netns add "$(ns r)"
ip -n "$(ns r)" link set lo up
for c in "${clients[@]}"; do
  ip netns add "$(ns "$c")"
  ip -n "$(ns "$c")" link set lo up
  ip link add "${tag}$c" type veth peer name "${tag}${c}r"
  ip link set "${tag}$c" netns "$(ns "$c")"
  ip link set "${tag}${c}r" netns "$(ns r)"
  ip -n "$(ns r)" link set "${tag}${c}r" name "${iface[$c]}"
  ip -n "$(ns "$c")" link set "${tag}$c" name eth0
  ip -n "$(ns r)" addr add "${gw[$c]}/${len[$c]}" dev "${iface[$c]}"
  ip -n "$(ns "$c")" addr add "${addr[$c]}/${len[$c]}" dev eth0
  if [ -n "${addr6[$c]:-}" ]; then
    ip -n "$(ns r)" addr add "${gw6[$c]}/64" dev "${iface[$c]}" nodad
    ip -n "$(ns "$c")" addr add "${addr6[$c]}/64" dev eth0 nodad
  fi
  ip -n "$(ns r)" link set "${iface[$c]}" up
  ip -n "$(ns "$c")" link set eth0 up
  ip -n "$(ns "$c")" route add default via "${gw[$c]}"
  [ -n "${addr6[$c]:-}" ] && ip -n "$(ns "$c")" -6 route add default via "${gw6[$c]}"
done
ip netns exec "$(ns r)" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec "$(ns r)" nft -f "$ruleset"

tcp_ports=(22 53 443 8006 9100 12345)
udp_ports=(53 12345)
listen() { # NAMESPACE
  ip netns exec "$1" python3 "$probe" serve "$(IFS=,; echo "${tcp_ports[*]}")" "$(IFS=,; echo "${udp_ports[*]}")" >"$work/$1.serve" 2>&1 &
}
listen "$(ns r)"
for c in "${clients[@]}"; do listen "$(ns "$c")"; done
for _ in $(seq 1 50); do
  [ "$(cat "$work"/*.serve 2>/dev/null | grep -c ready)" -eq 5 ] && break
  sleep 0.1
done
[ "$(cat "$work"/*.serve | grep -c ready)" -eq 5 ] || { echo "firewall.sh: listeners did not start" >&2; cat "$work"/*.serve >&2; exit 1; }
# The game server behind the forwarded range listens on two of its ports, not on the
# first: a range forwarded onto one port would reach none of them.
ip netns exec "$(ns l)" python3 "$probe" serve "" "27018,27020" >"$work/game.out" 2>&1 &
for _ in $(seq 1 50); do grep -q ready "$work/game.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/game.out" || { echo "firewall.sh: the game listener did not start" >&2; cat "$work/game.out" >&2; exit 1; }

# --- every zone pair and the router, per port class: the real verdict against
# explain-flow's --------------------------------------------------------------------------
# explain-flow's verdict for packets addressed directly to DST (a flow it also reaches
# through a port forward is reported in two parts; the direct one is what a probe sends).
expected() { # SRC DST PORT -> accept|drop
  local out rc=0
  out="$("$infrac" explain-flow --color never "$lab" "$1" "$2" "$3" 2>&1)" || rc=$?
  if grep -q "addressed directly" <<<"$out"; then
    if sed -n '/addressed directly/,$p' <<<"$out" | sed -n 2p | grep -qE '^ *allowed'; then echo accept; else echo drop; fi
  elif [ "$rc" -eq 0 ]; then
    echo accept
  elif [ "$rc" -eq 1 ] && grep -q "^result:" <<<"$out"; then
    echo drop
  else
    echo "explain-flow failed on $1 $2 $3: $out" >&2
    echo error
  fi
}
pending="$work/pending"
: >"$pending"
add_flow() { # CLIENT SRC DST PORT
  echo "$1 $2 $3 $4" >>"$pending"
}
for c in "${clients[@]}"; do
  targets4=("${gw[$c]}")
  for d in "${clients[@]}"; do [ "$d" != "$c" ] && targets4+=("${addr[$d]}"); done
  for dst in "${targets4[@]}"; do
    for p in "${tcp_ports[@]}"; do add_flow "$c" "${addr[$c]}" "$dst" "tcp/$p"; done
    for p in "${udp_ports[@]}"; do add_flow "$c" "${addr[$c]}" "$dst" "udp/$p"; done
    add_flow "$c" "${addr[$c]}" "$dst" icmp
  done
  [ -n "${addr6[$c]:-}" ] || continue
  targets6=("${gw6[$c]}")
  for d in "${clients[@]}"; do [ "$d" != "$c" ] && [ -n "${addr6[$d]:-}" ] && targets6+=("${addr6[$d]}"); done
  for dst in "${targets6[@]}"; do
    for p in 22 443 12345; do add_flow "$c" "${addr6[$c]}" "$dst" "tcp/$p"; done
    add_flow "$c" "${addr6[$c]}" "$dst" udp/53
    add_flow "$c" "${addr6[$c]}" "$dst" icmp
  done
done
flows="$work/flows"
with_expected() { echo "$1 $2 $3 $4 $(expected "$2" "$3" "$4")"; }
export -f expected with_expected
export infrac lab
xargs -P 8 -L 1 bash -c 'with_expected "$@"' _ <"$pending" >"$flows"
grep -q " error$" "$flows" && { echo "firewall.sh: explain-flow could not answer every flow" >&2; exit 1; }

run_flow() { # CLIENT SRC DST PORT EXPECTED
  local kind="${4%%/*}" port="${4#*/}" got
  if [ "$kind" = icmp ]; then
    ip netns exec "$(ns "$1")" python3 "$probe" ping "$3" >/dev/null 2>&1 && got=accept || got=drop
  else
    ip netns exec "$(ns "$1")" python3 "$probe" "$kind" "$3" "$port" >/dev/null 2>&1 && got=accept || got=drop
  fi
  if [ "$got" = "$5" ]; then echo "ok $*"; else echo "MISMATCH $* got=$got"; fi
}
export -f run_flow ns
export probe tag
results="$(xargs -P 16 -L 1 bash -c 'run_flow "$@"' _ <"$flows")"
total="$(wc -l <"$flows")"
accepted="$(grep -c ' accept$' "$flows" || true)"
mismatches="$(grep '^MISMATCH' <<<"$results" || true)"
answered="$(grep -cE '^(ok|MISMATCH) ' <<<"$results" || true)"
# A flow that printed nothing (the probe did not run) or a list with nothing to send, or
# nothing the firewall lets through, proves nothing: each is a failure, not a pass.
if [ "$total" -eq 0 ] || [ "$accepted" -eq 0 ] || [ "$accepted" -eq "$total" ]; then
  fail "the flow list is degenerate: $total flows, $accepted expected to be accepted"
elif [ "$answered" -ne "$total" ]; then
  fail "only $answered of $total flows were probed"
elif [ -z "$mismatches" ]; then
  pass "$total flows ($accepted accepted) agree with explain-flow"
else
  while read -r line; do fail "$line"; done <<<"$mismatches"
fi

# --- NAT, the port forward, neighbour discovery ------------------------------------------
in_ns() { local c="$1"; shift; ip netns exec "$(ns "$c")" "$@"; }
seen="$(in_ns l python3 "$probe" tcp "${addr[w]}" 12345 || true)"
if [ "$seen" = "${gw[w]}" ]; then pass "lan is masqueraded to the router's WAN address"; else fail "lan -> wan arrived from '$seen', not ${gw[w]}"; fi
seen="$(in_ns g python3 "$probe" udp "${addr[w]}" 53 || true)"
if [ "$seen" = "${gw[w]}" ]; then pass "guest is masqueraded too"; else fail "guest -> wan arrived from '$seen'"; fi
seen="$(in_ns l python3 "$probe" tcp "${addr6[w]}" 12345 || true)"
if [ "$seen" = "${addr6[l]}" ]; then pass "IPv6 leaves with the host's own address"; else fail "lan -> wan over IPv6 arrived from '$seen'"; fi
seen="$(in_ns w python3 "$probe" tcp "${gw[w]}" 8443 || true)"
if [ "$seen" = "${addr[w]}" ]; then
  pass "the port forward wan tcp/8443 reaches web:443, which sees the client's address"
else
  fail "the port forward: web saw '$seen'"
fi
for port in 27018 27020; do
  seen="$(in_ns w python3 "$probe" udp "${gw[w]}" "$port" || true)"
  if [ "$seen" = "${addr[w]}" ]; then
    pass "the forwarded range wan udp/27015..27020 reaches web on udp/$port, its own port"
  else
    fail "the forwarded range, udp/$port: web answered '$seen'"
  fi
done
neighbour="$(ip -n "$(ns r)" -6 neigh show dev enp2s0 | grep "${addr6[l]}" || true)"
if grep -qE 'REACHABLE|STALE|DELAY|PROBE' <<<"$neighbour"; then pass "IPv6 neighbour discovery on lan: $neighbour"; else fail "no IPv6 neighbour entry for ${addr6[l]}: '$neighbour'"; fi

# --- anti-spoofing, rate limits, counters ------------------------------------------------
# A guest forging a LAN source toward the internet: the internet host must not see it.
ip -n "$(ns g)" addr add 192.168.10.99/32 dev eth0
before="$(grep -c '^udp' "$work/$(ns w).serve" || true)"
in_ns g python3 "$probe" udp "${addr[w]}" 12345 192.168.10.99 >/dev/null || true
after="$(grep -c '^udp' "$work/$(ns w).serve" || true)"
if [ "$after" -eq "$before" ]; then
  pass "guest cannot send to the internet with a LAN source address"
else
  fail "a guest packet with a LAN source address reached the internet"
fi
# The internet forging a management source toward the router: the router must not
# answer (its answer would go into mgmt).
ip -n "$(ns w)" addr add 192.168.30.99/32 dev eth0
before="$(ip netns exec "$(ns r)" nstat -asz IcmpOutEchoReps 2>/dev/null | awk '/IcmpOutEchoReps/ { print $2 }')"
in_ns w python3 "$probe" ping "${gw[w]}" 192.168.30.99 >/dev/null || true
after="$(ip netns exec "$(ns r)" nstat -asz IcmpOutEchoReps 2>/dev/null | awk '/IcmpOutEchoReps/ { print $2 }')"
if [ -n "$before" ] && [ "$after" = "$before" ]; then
  pass "a WAN packet forging a management source is not answered"
else
  fail "the router answered a WAN packet forging a management source ($before -> $after echo replies)"
fi
spoofed="$(ip netns exec "$(ns r)" nft list chain inet filter forward | grep -m1 'anti-spoofing' | grep -oE 'packets [0-9]+' || true)"
answered="$(in_ns l python3 "$probe" flood "${gw[l]}" 300)"
if [ "$answered" -gt 0 ] && [ "$answered" -le 120 ]; then
  pass "a 300-packet ping flood got $answered answers (rate limit 10/s, burst 50)"
else
  fail "a 300-packet ping flood got $answered answers"
fi
dropped="$(ip netns exec "$(ns r)" nft list chain inet filter input | grep 'packets the input policy drops' | grep -oE 'packets [0-9]+' | grep -oE '[0-9]+' || echo 0)"
if [ "$dropped" -gt 0 ]; then pass "the input policy counted $dropped dropped packets (anti-spoofing counter: ${spoofed:-none})"; else fail "the input policy's drop counter stayed at 0"; fi

echo "firewall.sh: $failures failures"
[ "$failures" -eq 0 ]
