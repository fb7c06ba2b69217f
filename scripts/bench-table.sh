#!/usr/bin/env bash
# Prints the performance table of docs/performance.md: `infrac check` on synthetic labs of
# 1,000, 10,000 and 100,000 guests (CPU time and peak memory of the process, median of five
# runs), the growth from 1,000 to 10,000, the 1,000-guest lab with 1,000 and 4,000 more
# firewall rules or port forwards, `infrac build` of ORION with every target written,
# every target in memory for 10,000 guests, and the language server's keystroke latency in
# a 5,000-guest lab. Release builds; run it on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"

# `--examples` selects only examples, so the CLI's binary is built on its own.
cargo build --release --locked -q -p infrac-cli --bin infrac
cargo build --release --locked -q -p infrac-bench --examples
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for guests in 1000 10000 100000; do
  "$target/release/examples/synth" --standard "$guests" > "$work/synth-$guests.infra"
done
for guests in 1000 10000; do
  "$target/release/examples/synth" --misspelt "$guests" > "$work/misspelt-$guests.infra"
done
for n in 1000 4000; do
  "$target/release/examples/synth" --rules "$n" > "$work/rules-$n.infra"
  "$target/release/examples/synth" --forwards "$n" > "$work/forwards-$n.infra"
done

echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
python3 - "$target/release/infrac" "$work" <<'PY'
import os, resource, statistics, subprocess, sys
infrac, work = sys.argv[1], sys.argv[2]

def measure(args, runs=5):
    """Median CPU seconds (user + system) and peak resident MiB of a child process."""
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
    return statistics.median(cpu), statistics.median(rss)

print("| what | CPU | peak memory |")
print("| --- | --- | --- |")
checks = {}
for guests in (1000, 10000, 100000):
    cpu, rss = measure(["check", f"{work}/synth-{guests}.infra"], runs=3 if guests == 100000 else 5)
    checks[guests] = cpu
    print(f"| `infrac check`, {guests:,} guests | {cpu * 1000:.0f} ms | {rss:.0f} MiB |")
print(f"| growth from 1,000 to 10,000 guests | {checks[10000] / checks[1000]:.1f}× | |")
print(f"| growth from 10,000 to 100,000 guests | {checks[100000] / checks[10000]:.1f}× | |")
for guests in (1000, 10000):
    cpu, rss = measure(["check", f"{work}/misspelt-{guests}.infra"])
    print(f"| `infrac check`, {guests:,} guests with {2 * guests:,} errors | {cpu * 1000:.0f} ms | {rss:.0f} MiB |")
for shape, what in (("rules", "firewall rules"), ("forwards", "port forwards")):
    for n in (1000, 4000):
        cpu, rss = measure(["check", f"{work}/{shape}-{n}.infra"])
        print(f"| `infrac check`, 1,000 guests with {n:,} more {what} | {cpu * 1000:.0f} ms | {rss:.0f} MiB |")
cpu, rss = measure(["build", "examples/orion.infra", "-o", f"{work}/orion"])
print(f"| `infrac build examples/orion.infra`, every target written | {cpu * 1000:.0f} ms | {rss:.0f} MiB |")
PY

echo
echo "In memory (divan, median):"
cargo bench --locked -q -p infrac-bench --bench pipeline -- "build" "check" 2>/dev/null \
  | grep -E "^(├|╰|│)|build|check" || true
echo
echo "Language server (cargo test --release -p infrac-lsp --test latency):"
cargo test --release --locked -q -p infrac-lsp --test latency -- --ignored --nocapture 2>&1 \
  | grep -iE "keystroke|hover|open" || true
