#!/usr/bin/env bash
# `npm test`: set up whatever is missing, type-check everything, then run the whole vitest suite (real Redis, real
# mediasoup workers, real sockets, real Chromium). Extra arguments go to vitest (e.g. `npm test -- test/health`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: type-checking (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json
exec npx vitest run "$@"
