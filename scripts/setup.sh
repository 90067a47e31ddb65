#!/usr/bin/env bash
# Installs what the build needs, and only what is missing: Debian packages
# (apt-get, non-interactive; one `apt-get update` first) and node_modules
# (`npm ci` when missing or older than package-lock.json). Quiet when all is
# present. Others may append packages to PACKAGES.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(
  gcc libc6-dev clang lld libclang-rt-14-dev libclang-rt-14-dev-wasm32
  cmake ninja-build pkg-config tzdata unicode-data
  chromium
)

if command -v dpkg-query >/dev/null 2>&1; then
  installed=" $(dpkg-query -W -f='${Package}:${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
    sed -n 's/^\([^:]*\):install ok installed$/\1/p' | tr '\n' ' ' || true) "
  missing=()
  for p in "${PACKAGES[@]}"; do
    [[ "$installed" == *" $p "* ]] || missing+=("$p")
  done
  if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  for tool in cmake clang wasm-ld node; do
    command -v "$tool" >/dev/null 2>&1 || echo "setup: warning: '$tool' not found (not a Debian system: install it by hand)" >&2
  done
fi

if [ ! -d node_modules ] || [ ! -e node_modules/.package-lock.json ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
