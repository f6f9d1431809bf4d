#!/usr/bin/env bash
# Builds the mediasoup worker from the npm package's own C++ sources against Debian 12's libraries, and caches it
# outside the repo. Why: mediasoup's installer downloads a prebuilt worker (or meson subprojects) from GitHub, which
# is unreachable on registry-only machines. The patch beside this script swaps the downloaded subprojects for Debian's
# pkg-config libraries and fixes a DTLS crash with Debian's KTLS-enabled OpenSSL (docs/mediasoup-worker.md).
#
# The cached binary is symlinked to node_modules/mediasoup/worker/out/Release/mediasoup-worker, the path mediasoup
# looks at by default, so the runtime needs no MEDIASOUP_WORKER_BIN. If that path already holds a real binary (the
# normal install worked because the network allowed its download), nothing is built.
#
# The build directory lives in the cache too, so an interrupted build resumes where ninja stopped.
#
# Usage: scripts/mediasoup/build-worker.sh
# Env:   HAWKER_CACHE_DIR    cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/hawker)
#        HAWKER_WORKER_JOBS  ninja parallelism (default: nproc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pkg="$root/node_modules/mediasoup"
[ -f "$pkg/package.json" ] || { echo "build-worker: $pkg is missing; run 'npm run setup' (it runs npm ci first)" >&2; exit 1; }

default_bin="$pkg/worker/out/Release/mediasoup-worker"
if [ -f "$default_bin" ] && [ ! -L "$default_bin" ]; then
  exit 0 # mediasoup's own install provided the binary
fi

# shellcheck source=./worker-path.sh
. "$here/worker-path.sh"
bin=$(hawker_worker_cache_bin "$root")
link() { mkdir -p "$(dirname "$default_bin")" && ln -sfn "$bin" "$default_bin"; }
# Installed atomically (below), so presence means complete; ldd catches a Debian library that went missing.
if [ -x "$bin" ] && ! ldd "$bin" 2>/dev/null | grep -q 'not found'; then
  link # silent: setup runs on every start
  exit 0
fi

version=$(node -p "require('$pkg/package.json').version")
patch_file="$here/mediasoup-$version-debian-bookworm.patch"
[ -f "$patch_file" ] || { echo "build-worker: no patch for mediasoup $version ($patch_file); pin mediasoup to a version with a patch here" >&2; exit 1; }

for tool in meson ninja flatc pkg-config patch c++; do
  command -v "$tool" >/dev/null || { echo "build-worker: '$tool' not found; run 'npm run setup' as root to install the build packages" >&2; exit 1; }
done

work="$(dirname "$bin")/build"
if [ ! -f "$work/.patched" ]; then
  rm -rf "$work"
  mkdir -p "$work"
  cp -r "$pkg/worker" "$work/worker"
  rm -rf "$work/worker/out"
  (cd "$work" && patch -p1 --forward --quiet < "$patch_file")
  touch "$work/.patched"
fi
cd "$work/worker"
if [ ! -f out/build/build.ninja ]; then
  echo "build-worker: configuring mediasoup $version (meson, system libraries only)"
  # --wrap-mode=nofallback: never fall back to downloading subprojects.
  meson setup --wrap-mode=nofallback --buildtype release -Db_ndebug=true out/build >"$work/meson.log" 2>&1 \
    || { cat "$work/meson.log" >&2; rm -rf out/build; echo "build-worker: meson failed; are the packages from scripts/setup.sh installed?" >&2; exit 1; }
fi
# The worker targets do not declare a dependency on the generated FBS headers (upstream's tasks.py builds them first).
meson compile -C out/build flatbuffers-generator >"$work/fbs.log" 2>&1 || { cat "$work/fbs.log" >&2; exit 1; }
echo "build-worker: compiling the mediasoup worker (6-15 minutes on 2 cores; resumes if interrupted)"
jobs=${HAWKER_WORKER_JOBS:-$(nproc)}
# ninja prints "[n/N] ..." per step; show one line every 10 steps so logs stay short but alive.
set +e
ninja -C out/build -j "$jobs" mediasoup-worker 2>&1 | awk '
  /^\[[0-9]+\/[0-9]+\]/ { split(substr($1, 2), a, "/"); n = a[1] + 0; if (n % 10 == 0 || n == a[2] + 0) { printf "build-worker: %s %d%%\n", $1, 100 * n / a[2]; fflush() } next }
  /error|FAILED/ { print; fflush() }'
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "build-worker: compile failed (errors above); fix and rerun 'npm run setup', it resumes" >&2
  exit 1
fi

install -m 0755 out/build/mediasoup-worker "$bin.tmp"
mv "$bin.tmp" "$bin" # atomic: a half-written binary never looks cached
link
cd / && rm -rf "$work" # ~300 MB of objects; the binary is all we keep
echo "build-worker: built and cached $bin"
