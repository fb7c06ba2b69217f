#!/usr/bin/env bash
# Seeds the fuzz corpora from the repository's labs: every fixture, example and stdlib
# module (the corpora themselves are not committed; crashes go to fuzz/regressions/).
set -euo pipefail
fuzz="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$fuzz")"
for target in parse pipeline reuse; do
  mkdir -p "$fuzz/corpus/$target"
  find "$root/tests/fixtures" "$root/examples" "$root/stdlib" -name '*.infra' -print0 |
    while IFS= read -r -d '' lab; do
      cp "$lab" "$fuzz/corpus/$target/$(printf '%s' "${lab#"$root"/}" | tr '/' '_')"
    done
done
