#!/usr/bin/env bash
# A bounded fuzz run: SECONDS (default 30) per target, each seeded from the repository's
# labs, then every file in regressions/ replayed. Needs the nightly toolchain; installs
# cargo-fuzz when it is missing. A crash leaves its input under
# fuzz/artifacts/TARGET/; copy it to fuzz/regressions/TARGET/ and make it a fixture.
set -euo pipefail
seconds="${1:-30}"
fuzz="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$fuzz"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo +nightly install cargo-fuzz --locked
fi
./seed.sh
# Leak checking is on (libFuzzer's default): an input after which memory stays allocated
# is a crash, as the recovering parser's reference-count cycles once were.
for target in parse pipeline reuse; do
  # Crashes found before, replayed first so a fix that regresses fails at once.
  mapfile -t found < <(find "regressions/$target" -type f ! -name '.*' | sort)
  if [ "${#found[@]}" -gt 0 ]; then
    cargo +nightly fuzz run "$target" "${found[@]}" -- -runs=1
  fi
  # The timeout is per input. The largest lab the language admits (`for` loops capped at
  # 100,000 declarations; tests/fixtures/sema/for-loop-growing-inner-range.infra reaches
  # the cap) takes 0.5 s in a release build and 10 s in this instrumented one on the
  # reference machine: 60 s leaves room for a busy machine and still stops a hang.
  cargo +nightly fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=60 -rss_limit_mb=2048
done
