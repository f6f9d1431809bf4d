# Sourced by the setup/build scripts. One place computes where the cached worker lives, keyed by
# mediasoup version + patch hash + CPU arch, so a version bump or patch edit rebuilds and never reuses a stale binary.
hawker_worker_cache_bin() {
  local root=$1
  local version patch_hash
  version=$(node -p "require('$root/node_modules/mediasoup/package.json').version")
  patch_hash=$(sha256sum "$root/scripts/mediasoup/mediasoup-$version-debian-bookworm.patch" 2>/dev/null | cut -c1-12)
  local cache=${HAWKER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hawker}
  echo "$cache/mediasoup-worker/$version-${patch_hash:-nopatch}-$(uname -m)/mediasoup-worker"
}
