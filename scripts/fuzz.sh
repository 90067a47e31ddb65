#!/usr/bin/env bash
# npm run fuzz [-- TARGET [SECONDS]]: builds tests/fuzz/*.c as libFuzzer
# targets (clang, ASan + UBSan) in build/fuzz and runs each (or just
# TARGET, e.g. fuzz_cel_eval or cel_eval) for SECONDS (default 30), with a
# working corpus in build/fuzz/corpus/<name> seeded from
# tests/fuzz/corpus/<name> (and, for fuzz_jsonl, the golden inputs).
#
# Every run appends a row to tests/fuzz/FUZZLOG.md (date, target, seconds
# actually run, executions, result); FUZZ_NO_LOG=1 skips that. A crash, leak or timeout
# leaves its reproducer in build/fuzz/<name>-crash-...: copy it to
# tests/fuzz/regressions/<name>/ (replayed by tests/c/test_fuzz_regressions.c).
# Environment: FUZZ_ONLY / FUZZ_SECONDS (the same as the arguments),
# TALLY_BUILD_ROOT (default build), FUZZ_ARGS (more libFuzzer flags),
# FUZZ_NO_BUILD=1 (run the targets already built: parallel runs in one tree).
set -euo pipefail
# The whole script is one function, read before it runs: editing this file
# does not disturb a run in progress.
fuzz_main() {
cd "$(dirname "${BASH_SOURCE[0]}")/.."
only=${1:-${FUZZ_ONLY:-}}
seconds=${2:-${FUZZ_SECONDS:-30}}
if [ -n "$only" ] && [[ "$only" != fuzz_* ]]; then only="fuzz_$only"; fi
if [ -n "$only" ] && [ ! -f "tests/fuzz/$only.c" ]; then
  echo "fuzz: no target '$only' (one of: $(cd tests/fuzz && ls *.c | sed 's/\.c$//' | tr '\n' ' '))" >&2
  exit 2
fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz: seconds must be a whole number, got '$seconds'" >&2; exit 2; }
bash scripts/setup.sh
B=${TALLY_BUILD_ROOT:-build}/fuzz
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
read -r -a extra <<< "${TALLY_CMAKE_ARGS:-}"
read -r -a fuzz_args <<< "${FUZZ_ARGS:-}"
if [ ! -f "$B/CMakeCache.txt" ]; then
  mkdir -p "$B"
  cmake -S . -B "$B" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
    -DCMAKE_C_COMPILER=clang -DTALLY_FUZZ=ON "${extra[@]}" > "$B/configure.log" 2>&1 || { cat "$B/configure.log" >&2; exit 1; }
fi
shopt -s nullglob
failed=0
built=()
for src in tests/fuzz/*.c; do
  name=$(basename "$src" .c)
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  if [ -n "${FUZZ_NO_BUILD:-}" ] && [ -x "$B/fuzzers/$name" ]; then
    built+=("$name")
  elif cmake --build "$B" --parallel "$(nproc 2>/dev/null || echo 2)" --target "fuzzer_$name"; then
    built+=("$name")
  else
    echo "fuzz: $name does not build, skipped" >&2
    failed=1
  fi
done
log=tests/fuzz/FUZZLOG.md
# UBSan only prints by default in this build: make every report a finding.
# Reports of open findings (tests/fuzz/ubsan-open.supp) are suppressed until fixed.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/fuzz/ubsan-open.supp}
for name in "${built[@]}"; do
  corpus="$B/corpus/$name"
  mkdir -p "$corpus"
  if [ -d "tests/fuzz/corpus/$name" ]; then cp -n tests/fuzz/corpus/"$name"/* "$corpus"/ 2>/dev/null || true; fi
  if [ "$name" = fuzz_jsonl ]; then
    for f in tests/golden/*/*.in.jsonl; do cp -n "$f" "$corpus/$(echo "$f" | tr / _)" 2>/dev/null || true; done
  fi
  echo "== fuzz $name for ${seconds}s"
  out="$B/$name.last.log"
  start=$(date -u +%Y-%m-%dT%H:%MZ)
  t0=$SECONDS
  echo "   (libFuzzer output: $out)"
  rc=0
  "$B/fuzzers/$name" -max_total_time="$seconds" -max_len=65536 -timeout=25 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$B/$name-" "${fuzz_args[@]}" "$corpus" > "$out" 2>&1 || rc=$?
  grep -E '^(INFO: (Loaded|seed)|#[0-9]+ +DONE|==[0-9]+==ERROR|SUMMARY|.*runtime error|Test unit written|stat::)' "$out" || true
  took=$((SECONDS - t0))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)
  if [ -z "$execs" ]; then execs=$(grep -oE '^#[0-9]+' "$out" | tail -1 | tr -d '#'); fi
  case $rc in
    0) result=ok ;;
    *) result="FINDING (exit $rc): $(grep -m1 -oE 'ERROR: [A-Za-z]+: [^ ]+( [^ ]+)?|runtime error: [a-z ]+|deadly signal|timeout after [0-9]+ seconds' "$out" || echo see log), reproducer $(grep -oE "Test unit written to [^ ]+" "$out" | grep -v slow-unit | tail -1 | sed 's/Test unit written to //' || true)"
       failed=1 ;;
  esac
  echo "== fuzz $name: $result, ${execs:-?} executions"
  if [ -z "${FUZZ_NO_LOG:-}" ]; then
    [ -f "$log" ] || printf '# Fuzz log\n\n| date (UTC) | target | seconds | executions | result |\n|---|---|---|---|---|\n' > "$log"
    printf '| %s | %s | %s | %s | %s |\n' "$start" "$name" "$took" "${execs:-?}" "$result" >> "$log"
  fi
done
return $failed
}
fuzz_main "$@"
exit $?
