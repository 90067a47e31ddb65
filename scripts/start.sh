#!/usr/bin/env bash
# npm start: set-up, build, then run the CLI over the bundled examples in
# examples/ (<name>.jsonl is the input, <name>.args a JSON array of CLI
# arguments, run from examples/) and print the results.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
bash scripts/build.sh native wasm
node scripts/examples.mjs
