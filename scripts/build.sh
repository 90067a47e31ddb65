#!/usr/bin/env bash
# Builds one or more of the tally build directories, configuring each the
# first time and reusing it afterwards (incremental):
#   native  build/       gcc, Release: bin/tally, lib/libtally.a, tests
#   asan    build/asan/  clang, ASan + UBSan, Debug -O1
#   wasm    build/wasm/  clang --target=wasm32: tally.wasm
# Usage: scripts/build.sh [native] [asan] [wasm]   (default: native wasm)
# Extra CMake arguments for every configure: TALLY_CMAKE_ARGS="..."
# Scratch builds elsewhere: TALLY_BUILD_ROOT=/tmp/me (default: build), e.g.
#   TALLY_BUILD_ROOT=/tmp/me TALLY_CMAKE_ARGS='-DTALLY_EXCLUDE=core/cel/' scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
read -r -a extra <<< "${TALLY_CMAKE_ARGS:-}"

configure() { # dir, cmake args...
  local dir=$1; shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    mkdir -p "$dir"
    cmake -S . -B "$dir" "${generator[@]}" "$@" "${extra[@]}" > "$dir/configure.log" 2>&1 || {
      cat "$dir/configure.log" >&2; return 1; }
  fi
}

build() { # dir
  cmake --build "$1" --parallel "$(nproc 2>/dev/null || echo 2)"
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(native wasm)
B=${TALLY_BUILD_ROOT:-build}
mkdir -p "$B"
for t in "${targets[@]}"; do
  case "$t" in
    native)
      configure "$B" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="${CC_NATIVE:-gcc}"
      build "$B" ;;
    asan)
      configure "$B/asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
        -DCMAKE_C_COMPILER="${CC_ASAN:-clang}" -DTALLY_SANITIZE=ON
      build "$B/asan" ;;
    wasm)
      configure "$B/wasm" -DCMAKE_BUILD_TYPE=Release -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/wasm32-toolchain.cmake"
      build "$B/wasm" ;;
    *) echo "build.sh: unknown target '$t' (native, asan, wasm)" >&2; exit 2 ;;
  esac
done
