#!/usr/bin/env bash
# npm test: set-up, then
#   1. native build with gcc, ctest
#   2. clang + ASan/UBSan build in build/asan, ctest
#   3. wasm build
#   4. node --test on every tests/**/*.test.mjs (golden files through both
#      CLIs, JS API, wasm ABI, TypeScript declarations)
# Every step runs even when an earlier one failed (a step whose build failed
# is skipped); the summary at the end lists the failures. Build directories
# are reused, so a second run is incremental.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

B=${TALLY_BUILD_ROOT:-build}
if [ "$B" != build ]; then
  B=$(realpath -m "$B")
  export TALLY_BUILD_ROOT="$B" TALLY_WASM="$B/wasm/tally.wasm"
fi
start=$SECONDS
failed=()

# step NAME COMMAND...: runs it, records a failure.
step() {
  local name=$1; shift
  printf '\n== %s\n' "$name"
  local t=$SECONDS
  if "$@"; then
    printf '== %s: ok (%ss)\n' "$name" "$((SECONDS - t))"
    return 0
  fi
  printf '== %s: FAILED\n' "$name"
  failed+=("$name")
  return 1
}

bash scripts/setup.sh || exit 1

if step "native build (gcc)" bash scripts/build.sh native; then
  step "unit tests (native)" ctest --test-dir "$B" --output-on-failure --parallel 2
fi
if step "ASan/UBSan build (clang)" bash scripts/build.sh asan; then
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    step "unit tests (ASan/UBSan)" ctest --test-dir "$B/asan" --output-on-failure --parallel 2
fi
step "wasm build" bash scripts/build.sh wasm
mapfile -t js_tests < <(find tests -name node_modules -prune -o -name '*.test.mjs' -print | sort)
step "node tests" node --test "${js_tests[@]}"

if ((${#failed[@]})); then
  printf '\nFAILED after %ss:\n' "$((SECONDS - start))"
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
printf '\nall tests passed in %ss\n' "$((SECONDS - start))"
