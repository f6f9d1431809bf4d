#!/usr/bin/env bash
# Installs everything Hawker needs on Debian 12 + Node 20, idempotently; fast and silent when nothing is missing, so
# `npm start` and `npm test` run it every time.
#   1. Debian packages: redis-server, the mediasoup worker's build dependencies, ffmpeg and chromium (tests).
#   2. npm ci, when node_modules is missing or older than package-lock.json. mediasoup's postinstall (which would
#      download a worker from GitHub) is skipped; where your network allows that download you may run plain `npm ci`
#      yourself and step 3 keeps the binary it installed.
#   3. The mediasoup worker, built from the npm package's C++ sources and cached (scripts/mediasoup/build-worker.sh).
# Env: HAWKER_SKIP_APT=1 skips step 1 (for hosts where you install the packages yourself).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
say() { echo "setup: $*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none)); install it first" >&2
  exit 1
fi

apt_packages=(
  redis-server postgresql-15
  build-essential pkg-config patch meson ninja-build python3
  libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler liburing-dev
  ffmpeg chromium
  # Chinese glyphs for the pages' zh-CN screenshots (Chromium otherwise draws boxes).
  fonts-noto-cjk
)
if [ "${HAWKER_SKIP_APT:-0}" != 1 ] && command -v dpkg-query >/dev/null; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null || { echo "setup: missing Debian packages: ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2; exit 1; }
      sudo=(sudo)
    fi
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi

lock_hash=$(sha256sum package-lock.json | cut -c1-16)
stamp=node_modules/.hawker-lock-hash
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  say "installing npm packages (npm ci)"
  # Any non-empty MEDIASOUP_WORKER_BIN turns mediasoup's postinstall download into a no-op.
  MEDIASOUP_WORKER_BIN=${MEDIASOUP_WORKER_BIN:-skip} npm ci --no-audit --no-fund
  echo "$lock_hash" > "$stamp"
fi

if [ -z "${MEDIASOUP_WORKER_BIN:-}" ] || [ "${MEDIASOUP_WORKER_BIN}" = skip ]; then
  bash scripts/mediasoup/build-worker.sh
fi
