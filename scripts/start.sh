#!/usr/bin/env bash
# `npm start`: set up whatever is missing (quietly when nothing is), then run the server in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx server/main.ts
