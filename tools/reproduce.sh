#!/usr/bin/env bash
# reproduce.sh: runs experiments headless in full and keeps their JSON lines in
# docs/results/, then rebuilds docs/results.md (tools/results-table.js).
#   bash tools/reproduce.sh [exp01 exp02 ...]   (default: exp01..exp13)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/results
exps=("$@")
[ ${#exps[@]} -gt 0 ] || exps=(exp01 exp02 exp03 exp04 exp05 exp06 exp07 exp08 exp09 exp10 exp11 exp12 exp13)
for e in "${exps[@]}"; do
  echo "== $e ($(date +%H:%M:%S))"
  start=$(date +%s)
  node tools/train.js "$e" --json ${TRAIN_ARGS:-} > "docs/results/$e.jsonl.tmp"
  mv "docs/results/$e.jsonl.tmp" "docs/results/$e.jsonl"
  echo "   $(( $(date +%s) - start )) s"
done
node tools/results-table.js
