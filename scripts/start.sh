#!/usr/bin/env bash
# npm start: set-up, build, run the CLI over the bundled examples in
# examples/ (<name>.jsonl is the input, <name>.args a JSON array of CLI
# arguments, run from examples/) and print the results, then serve the
# rule-preview page (preview/) on http://127.0.0.1:8080 until Ctrl-C.
#   npm start -- --port 9000     another port (or PORT=9000 npm start)
#   npm start -- --no-serve      only the examples
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
serve=1
args=()
for a in "$@"; do
  if [ "$a" = --no-serve ]; then serve=0; else args+=("$a"); fi
done
bash scripts/setup.sh
bash scripts/build.sh native wasm
node scripts/examples.mjs
B=${TALLY_BUILD_ROOT:-build}
mkdir -p "$B/preview"
# The page's bundled sample: 10,000 synthetic sign-ups, the same bytes on every machine.
[ -s "$B/preview/signups.jsonl" ] || node tools/gen-signups.mjs 10000 1 > "$B/preview/signups.jsonl"
if [ "$serve" = 1 ]; then
  echo
  exec node tools/serve.mjs "${args[@]}"
fi
