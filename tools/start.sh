#!/usr/bin/env bash
# start.sh: installs what is missing, builds, and serves the playground on
# http://localhost:8080 with the COOP/COEP headers that enable threads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
exec node tools/serve.js "$@"
