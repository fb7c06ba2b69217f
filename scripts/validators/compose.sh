#!/usr/bin/env bash
# Validate Compose files with two real implementations, each from the file's own folder
# so the `.env` beside it is read as `docker compose` would read it:
#   docker-compose config -q           (Debian's docker-compose 1.29: the Compose schema,
#                                       interpolation, depends_on and volume references)
#   podman-compose --dry-run config    (PyPI podman-compose, venv from install.sh: its own
#                                       parser and normalisation)
# `.env` files are checked line by line: comments, blank lines, or NAME=VALUE with a
# valid variable name and no unquoted spaces.
# Usage: compose.sh FILE...   (compose.yaml files and .env files)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$#" -gt 0 ] || { echo "usage: $0 compose.yaml|.env..." >&2; exit 2; }
podman_compose="$INFRAC_VALIDATE_HOME/podman-compose/bin/podman-compose"
export PATH="$INFRAC_VALIDATE_HOME/podman-compose/bin:$PATH"
require_tools compose "docker-compose podman-compose python3" "$@" || exit 1
[ -x "$podman_compose" ] || podman_compose=podman-compose

for f in "$@"; do
  dir=$(cd "$(dirname "$f")" && pwd)
  base=$(basename "$f")
  if [ "$base" = .env ]; then
    if out=$(python3 - "$f" <<'PY' 2>&1
import re, sys
ok = True
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line.strip() or line.lstrip().startswith("#"):
        continue
    m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=('[^'\n]*'|[^\s'\"#]*)", line)
    if not m:
        print(f"line {n}: not NAME=VALUE: {line!r}")
        ok = False
sys.exit(0 if ok else 1)
PY
    ); then
      pass compose "$f" "dotenv"
    else
      fail compose "$f" "$out"
    fi
    continue
  fi
  if ! out=$(cd "$dir" && docker-compose -f "$base" config -q 2>&1); then
    fail compose "$f" "docker-compose config:" "$out"
    continue
  fi
  if ! out=$(cd "$dir" && "$podman_compose" --dry-run -f "$base" config 2>&1 >/dev/null); then
    fail compose "$f" "podman-compose config:" "$out"
    continue
  fi
  pass compose "$f" "docker-compose, podman-compose"
done
finish
