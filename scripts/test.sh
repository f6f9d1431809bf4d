#!/usr/bin/env bash
# `npm test`: set up whatever is missing, type-check everything, then run the whole vitest suite (real Redis, real
# mediasoup workers, real sockets, real Chromium). Extra arguments go to vitest (e.g. `npm test -- test/health`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "test: type-checking (tsc --noEmit)"
npx tsc --noEmit -p tsconfig.json
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
# A plain summary line that CI systems recognise whatever the runner.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
