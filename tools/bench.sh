#!/usr/bin/env bash
# bench.sh: `npm run bench`: builds what is missing, then runs tools/bench.js.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh >/dev/null
node tools/bench.js "$@"
