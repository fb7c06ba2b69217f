#!/usr/bin/env bash
# Prints the performance table of docs/performance.md: `infrac check` on synthetic labs of
# 1,000, 10,000 and 100,000 guests (CPU time and peak memory of the process, median and
# fastest of eleven runs, three at 100,000: a virtual machine's system time varies from run
# to run by more than most changes measured, and the fastest run varies least), the growth
# from 1,000 to 10,000 and to 100,000, the 1,000-guest lab with 1,000 and 4,000 more
# firewall rules or port forwards, `infrac build` of 1,000 and 4,000 networks behind one
# router, of the 1,000-guest lab with 1,000 and 4,000 more BGP peers, of as many small
# sites and of ORION with every target written,
# every target in memory for 10,000 guests, and the language server's keystroke latency in
# a 5,000-guest lab, and the instructions of the main checks (callgrind, when valgrind is
# installed), which do not depend on the machine's load. Release builds; run it on a quiet
# machine.
#
#   scripts/bench-table.sh             # the plain release build (`cargo build --release`)
#   scripts/bench-table.sh --shipped   # the profile-optimised binary scripts/release-build.sh makes
#
# The in-memory and language-server rows are benchmarks linked into their own binaries,
# always plain release builds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"

case "${1:-}" in
  --shipped) infrac="$(scripts/release-build.sh | tail -n 1)" ;;
  "")
    cargo build --release --locked -q -p infrac-cli --bin infrac
    infrac="$target/release/infrac"
    ;;
  *)
    echo "usage: scripts/bench-table.sh [--shipped]" >&2
    exit 2
    ;;
esac
# `--examples` selects only examples, so the CLI's binary is built on its own.
cargo build --release --locked -q -p infrac-bench --examples
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for guests in 1000 10000 100000; do
  "$target/release/examples/synth" --standard "$guests" > "$work/synth-$guests.infra"
done
for guests in 1000 10000; do
  "$target/release/examples/synth" --misspelt "$guests" > "$work/misspelt-$guests.infra"
  "$target/release/examples/synth" --renamed "$guests" > "$work/renamed-$guests.infra"
  "$target/release/examples/synth" --misnamed "$guests" > "$work/misnamed-$guests.infra"
done
for n in 1000 4000; do
  "$target/release/examples/synth" --rules "$n" > "$work/rules-$n.infra"
  "$target/release/examples/synth" --forwards "$n" > "$work/forwards-$n.infra"
  "$target/release/examples/synth" --peers "$n" > "$work/peers-$n.infra"
  "$target/release/examples/synth" --routed "$n" > "$work/routed-$n.infra"
  "$target/release/examples/synth" --sites "$n" > "$work/sites-$n.infra"
done

echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(date -u +%Y-%m-%d), ${1:-plain release build}"
echo
python3 - "$infrac" "$work" <<'PY'
import os, resource, statistics, subprocess, sys
infrac, work = sys.argv[1], sys.argv[2]

def measure(args, runs=11):
    """Median and fastest CPU seconds (user + system), and median peak resident MiB, of a
    child process."""
    cpu, rss = [], []
    for _ in range(runs):
        pid = os.fork()
        if pid == 0:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.execv(infrac, [infrac] + args)
        _, status, usage = os.wait4(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            sys.exit(f"infrac {' '.join(args)} exited with {code}")
        cpu.append(usage.ru_utime + usage.ru_stime)
        rss.append(usage.ru_maxrss / 1024)
    return statistics.median(cpu), min(cpu), statistics.median(rss)

def ms(median, fastest):
    return f"{median * 1000:.0f} ms (fastest {fastest * 1000:.0f})"

print("| what | CPU | peak memory |")
print("| --- | --- | --- |")
checks = {}
for guests in (1000, 10000, 100000):
    cpu, fastest, rss = measure(["check", f"{work}/synth-{guests}.infra"], runs=3 if guests == 100000 else 11)
    checks[guests] = (cpu, fastest)
    print(f"| `infrac check`, {guests:,} guests | {ms(cpu, fastest)} | {rss:.0f} MiB |")
for small, large in ((1000, 10000), (10000, 100000)):
    (a, a_fast), (b, b_fast) = checks[small], checks[large]
    print(f"| growth from {small:,} to {large:,} guests | {b / a:.1f}× (fastest {b_fast / a_fast:.1f}×) | |")
for guests in (1000, 10000):
    cpu, fastest, rss = measure(["check", f"{work}/misspelt-{guests}.infra"])
    print(f"| `infrac check`, {guests:,} guests with {2 * guests:,} errors | {ms(cpu, fastest)} | {rss:.0f} MiB |")
for guests in (1000, 10000):
    cpu, fastest, rss = measure(["check", f"{work}/renamed-{guests}.infra"])
    print(f"| `infrac check`, {guests:,} guests on renamed hosts ({guests:,} errors) | {ms(cpu, fastest)} | {rss:.0f} MiB |")
for guests in (1000, 10000):
    cpu, fastest, rss = measure(["check", f"{work}/misnamed-{guests}.infra"], runs=5)
    print(f"| `infrac check`, {guests:,} guests with {guests // 4:,} `expect` lines naming a guest with a typo | {ms(cpu, fastest)} | {rss:.0f} MiB |")
for shape, what in (("rules", "firewall rules"), ("forwards", "port forwards")):
    for n in (1000, 4000):
        cpu, fastest, rss = measure(["check", f"{work}/{shape}-{n}.infra"])
        print(f"| `infrac check`, 1,000 guests with {n:,} more {what} | {ms(cpu, fastest)} | {rss:.0f} MiB |")
for n in (1000, 4000):
    cpu, fastest, rss = measure(["build", f"{work}/routed-{n}.infra", "-o", f"{work}/routed-{n}"], runs=5)
    print(f"| `infrac build`, {n:,} networks behind one NixOS router that serves them all, written | {ms(cpu, fastest)} | {rss:.0f} MiB |")
for n in (1000, 4000):
    cpu, fastest, rss = measure(["build", f"{work}/peers-{n}.infra", "-o", f"{work}/peers-{n}"], runs=5)
    print(f"| `infrac build`, 1,000 guests with {n:,} more BGP peers, written | {ms(cpu, fastest)} | {rss:.0f} MiB |")
for n in (1000, 4000):
    cpu, fastest, rss = measure(["build", f"{work}/sites-{n}.infra", "-o", f"{work}/sites-{n}"], runs=5)
    print(f"| `infrac build`, {n:,} small sites, written | {ms(cpu, fastest)} | {rss:.0f} MiB |")
cpu, fastest, rss = measure(["build", "examples/orion.infra", "-o", f"{work}/orion"])
print(f"| `infrac build examples/orion.infra`, every target written | {ms(cpu, fastest)} | {rss:.0f} MiB |")
PY

echo
# Time on a shared virtual machine moves by a fifth from one hour to the next; the count of
# instructions does not, so it is what compares two commits measured on different days.
if command -v valgrind > /dev/null; then
  echo "Instructions (callgrind, every thread):"
  echo
  echo "| what | instructions |"
  echo "| --- | --- |"
  count() {
    local label="$1"
    shift
    # Exit status 1 is a lab with errors, measured like any other; more is a failure.
    local status=0
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
      "$infrac" "$@" > /dev/null 2>&1 || status=$?
    if [ "$status" -gt 1 ]; then
      echo "infrac $* exited with $status under callgrind" >&2
      exit 1
    fi
    local total
    total="$(callgrind_annotate "$work/callgrind.out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')"
    printf '| %s | %s M |\n' "$label" "$(awk -v n="$total" 'BEGIN { printf "%.1f", n / 1e6 }')"
  }
  count '`infrac check`, 1,000 guests' check "$work/synth-1000.infra"
  count '`infrac check`, 10,000 guests' check "$work/synth-10000.infra"
  count '`infrac check`, 10,000 guests with 20,000 errors' check "$work/misspelt-10000.infra"
  count '`infrac build examples/orion.infra`, every target written' \
    build examples/orion.infra -o "$work/orion-counted"
else
  echo "valgrind is not installed: the instruction counts are left out."
fi

echo
echo "In memory (divan, median):"
cargo bench --locked -q -p infrac-bench --bench pipeline -- "build" "check" 2>/dev/null \
  | grep -E "^(├|╰|│)|build|check" || true
echo
echo "Language server (cargo test --release -p infrac-lsp --test latency):"
cargo test --release --locked -q -p infrac-lsp --test latency -- --ignored --nocapture 2>&1 \
  | grep -iE "keystroke|hover|open" || true
