#!/usr/bin/env bash
# The project's test command, run by CI (.ci/run) and by hand:
#   1. install the artifact validators (idempotent; Debian, PyPI and npm packages),
#   2. prove they work (scripts/validators/selftest.sh),
#   3. build every lab in examples/ and validate every artifact it generates,
#   4. build the shipped binary (scripts/release-build.sh, profile-guided, static on Linux)
#      and check that it writes the same files and the same diagnostics as the debug build,
#   5. run the Rust test suite (cargo test --workspace --locked), which includes the live
#      router tests (tests/live/*.sh: BIRD and nftables in network namespaces; needs root),
#   6. fuzz the parser, the whole pipeline and reuse after an edit for 30 s each (fuzz/run.sh, nightly).
# Any failing step fails the whole run. Works from any working directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n==> [%ds] %s\n' "$SECONDS" "$*"; }

# A one-shot run gains nothing from incremental caches (2.6 GB for the workspace's tests),
# and disk is what a full run is short of first: say how much there is, so that a linker
# dying of SIGBUS on a full disk is recognised as that.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
df -h "$root" | tail -n 1

step "scripts/validators/install.sh"
scripts/validators/install.sh

step "scripts/validators/selftest.sh"
scripts/validators/selftest.sh

step "cargo build --locked -p infrac-cli"
cargo build --locked -p infrac-cli
infrac="${CARGO_TARGET_DIR:-$root/target}/debug/infrac"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for lab in examples/*.infra; do
  name="$(basename "$lab" .infra)"
  step "infrac build $lab, then scripts/validators/all.sh on the output"
  "$infrac" build "$lab" -o "$work/$name"
  "$infrac" build --check "$lab" -o "$work/$name"
  scripts/validators/all.sh "$work/$name"
done

step "scripts/release-build.sh, then the same output as the debug build"
shipped="$(scripts/release-build.sh | tail -n 1)"
for lab in examples/*.infra; do
  name="$(basename "$lab" .infra)"
  "$shipped" build "$lab" -o "$work/$name-shipped"
  diff -r "$work/$name" "$work/$name-shipped"
done
# Every fixture's diagnostics and exit status, byte for byte.
report() {
  local code=0
  "$1" --color never check "$2" 2>&1 || code=$?
  echo "exit status $code"
}
while IFS= read -r -d '' fixture; do
  if ! diff <(report "$infrac" "$fixture") <(report "$shipped" "$fixture"); then
    echo "the shipped binary reports differently on $fixture" >&2
    exit 1
  fi
done < <(find tests/fixtures -name '*.infra' -print0 | sort -z)

step "cargo test --workspace --locked"
cargo test --workspace --locked

step "fuzz/run.sh 30 (a bounded fuzz run of the parser, the whole pipeline and reuse after an edit)"
fuzz/run.sh 30

step "all steps passed"
