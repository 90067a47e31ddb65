#!/usr/bin/env bash
# npm run bench: builds, then runs bench/run.mjs when it exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/build.sh native wasm
if [ -f bench/run.mjs ]; then
  node bench/run.mjs "$@"
else
  echo "bench: no bench/run.mjs yet"
fi
