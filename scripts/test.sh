#!/usr/bin/env bash
# `npm test`: set up whatever is missing, type-check everything, then run the unit and integration tiers (real Redis,
# real PostgreSQL, real mediasoup workers, real sockets, real Chromium).
# `npm run test:slow` (`--slow`): the same set-up, then the slow tier (test/slow: fault drills, the 2,000-socket race,
# 10,000 orders) instead; it does not type-check again (npm test does).
# Extra arguments go to vitest (e.g. `npm test -- test/health`). README, "Tests", has the tiers and their budgets.
set -euo pipefail
cd "$(dirname "$0")/.."
tier=default
if [[ "${1:-}" == "--slow" ]]; then
  tier=slow
  shift
fi
bash scripts/setup.sh
mkdir -p test-artifacts
if [[ "$tier" == slow ]]; then
  projects=(--project slow)
  report=test-artifacts/vitest-slow.json
else
  echo "test: type-checking (tsc --noEmit)"
  npx tsc --noEmit -p tsconfig.json
  projects=(--project unit --project integration)
  report=test-artifacts/vitest.json
fi
status=0
npx vitest run "${projects[@]}" --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# A plain summary line that CI systems recognise whatever the runner.
REPORT="$report" node -e '
  const r = JSON.parse(require("fs").readFileSync(process.env.REPORT, "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
