#!/usr/bin/env bash
# Builds the `infrac` binary we ship: the release profile, optimised with a profile of
# the binary's own work (profile-guided optimisation), which runs a 10,000-guest check in
# about 11% fewer instructions than a plain `cargo build --release` (docs/performance.md).
#
#   scripts/release-build.sh          # prints the binary's path on its last line
#
#   1. build an instrumented release binary (`-Cprofile-generate`),
#   2. run it on a training set of what operators run: `check`, `build`, `fmt --check`
#      and `explain-flow` of every lab in examples/, `check` of every test fixture (most
#      of them report errors, so the recovering parser and the diagnostics are trained
#      too), `check` of synthetic labs of other shapes than the benchmark's (one network
#      per host, misspelt attributes, many firewall rules and port forwards), `diff` of
#      two of them, and an editor's session with the language server
#      (scripts/lsp-session.py: typing, at the end and in the middle, and hover), so
#      the paths only the editor takes are not left cold,
#   3. merge the profiles with `llvm-profdata` from rustup's `llvm-tools` component, the
#      one that matches rustc's LLVM (installed when missing),
#   4. build the release binary again with `-Cprofile-use`.
#
# The training set never includes the benchmark's own lab (`synth --standard`), so the
# figures measured on it are not of a binary tuned to it. A profile changes what the
# optimiser favours, never what the program does: `scripts/test.sh` checks that this
# binary writes the same files and diagnostics as the debug build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
if ! command -v rustup >/dev/null; then
  echo "release-build.sh needs rustup, for the llvm-profdata of rustc's own LLVM" \
    "(its llvm-tools component); without it, 'cargo build --release' builds the plain binary" >&2
  exit 1
fi
# Installed once; asking rustup again would reach for the network on every build.
if ! rustup component list --installed | grep -q '^llvm-tools'; then
  rustup component add llvm-tools
fi

# With an explicit target, RUSTFLAGS reach only the target's crates: build scripts and
# procedural macros are neither instrumented nor profiled.
host="$(rustc -vV | sed -n 's/^host: //p')"
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
  echo "release-build.sh: $profdata is missing after installing llvm-tools" >&2
  exit 1
fi

# On Linux the binary is a static executable at a fixed address (docs/performance.md):
# no dynamic loader runs before `main` and none of the 12,800 relocations of the
# position-independent binary are applied, so every run starts about half a millisecond
# sooner (a one-line lab: 1.0 ms instead of 1.5), and the code reads its tables and jump
# tables directly (a 10,000-guest check: 205.9 M instructions instead of 211.0 M). It
# also runs on any Linux of its architecture, whatever the version of its C library.
# rustc links glibc statically on linux-gnu targets with `crt-static` since
# rust-lang/rust#77386. A static glibc still loads shared modules at run time for name
# services, character set conversion and thread cancellation ("How we ensure statically
# linked applications stay that way", Red Hat Developer, 2023-08-31); infrac calls none of
# them, and the build fails if the binary ever reaches one (`run_time_loading`).
case "$host" in
  *-linux-gnu) codegen="-Crelocation-model=static -Ctarget-feature=+crt-static" ;;
  *) codegen="" ;;
esac

# The glibc entry points a static binary cannot serve from its own copy: linked in, they
# would load the system's shared libraries at run time, of whatever version it has.
run_time_loading='getaddrinfo|getnameinfo|gethostbyname2?(_r)?|getpw(nam|uid|ent)(_r)?|getgr(nam|gid|ent)(_r)?|getservbyname(_r)?|iconv_open|setlocale|pthread_cancel'
if [ -n "$codegen" ] && ! command -v nm >/dev/null; then
  echo "release-build.sh: nm (binutils) is needed to check the static binary" >&2
  exit 1
fi

profiles="$target/pgo-profiles"
rm -rf "$profiles"
mkdir -p "$profiles/raw"

step() { printf '==> %s\n' "$*" >&2; }

step "instrumented build"
RUSTFLAGS="-Cprofile-generate=$profiles/raw $codegen" \
  cargo build --release --locked -q -p infrac-cli --bin infrac \
  --target "$host" --target-dir "$target/pgo-train"
trained="$target/pgo-train/$host/release/infrac"

# The synthetic labs come from the generator, built without instrumentation (a debug
# build: the labs are small).
cargo build --locked -q -p infrac-bench --example synth
synth="$target/debug/examples/synth"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$synth" 40 50 > "$work/per-host.infra"
"$synth" --misspelt 1000 > "$work/misspelt.infra"
"$synth" --rules 300 > "$work/rules.infra"
"$synth" --forwards 300 > "$work/forwards.infra"
"$synth" 6 20 > "$work/before.infra"
"$synth" 6 21 > "$work/after.infra"

# Runs the instrumented binary; status 1 (the lab has errors) is part of the training,
# anything else is a failure of the build.
train() {
  local code=0
  "$trained" --color never "$@" >/dev/null 2>&1 || code=$?
  if [ "$code" -gt 1 ]; then
    echo "release-build.sh: infrac $* exited with $code" >&2
    exit 1
  fi
}

step "training"
for lab in examples/*.infra; do
  train check "$lab"
  train build "$lab" -o "$work/out-$(basename "$lab" .infra)"
  train fmt --check "$lab"
  # Only a lab with a firewall has flows to explain.
  if grep -q '^firewall ' "$lab"; then
    train explain-flow "$lab"
  fi
done
while IFS= read -r -d '' fixture; do
  train check "$fixture"
done < <(find tests/fixtures -name '*.infra' -print0 | sort -z)
for lab in per-host misspelt rules forwards; do
  train check "$work/$lab.infra"
done
train diff "$work/before.infra" "$work/after.infra"
python3 scripts/lsp-session.py "$trained" "$work/per-host.infra" --keys 30 >/dev/null
python3 scripts/lsp-session.py "$trained" examples/orion.infra --keys 30 >/dev/null

step "merging the profiles"
"$profdata" merge -o "$profiles/infrac.profdata" "$profiles/raw"

step "optimised build"
RUSTFLAGS="-Cprofile-use=$profiles/infrac.profdata $codegen" \
  cargo build --release --locked -q -p infrac-cli --bin infrac \
  --target "$host" --target-dir "$target/pgo"
shipped="$target/pgo/$host/release/infrac"
if [ -n "$codegen" ]; then
  symbols="$(nm "$shipped")"
  reached="$(printf '%s\n' "$symbols" | awk '$2 ~ /^[TtWw]$/ { print $3 }' |
    grep -xE "$run_time_loading" || true)"
  if [ -n "$reached" ]; then
    echo "release-build.sh: the static binary reaches glibc functions that load shared" \
      "libraries at run time: $(echo "$reached" | tr '\n' ' ')" >&2
    exit 1
  fi
fi
echo "$shipped"
