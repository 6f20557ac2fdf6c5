#!/usr/bin/env bash
# test.sh: builds what is missing, then runs every test suite: the C tests
# natively and under AddressSanitizer + UndefinedBehaviorSanitizer (ctest), the
# Node tests over the real WASM builds, and the browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh

echo "== C tests (native, release)"
(cd build/native && ctest --output-on-failure)

echo "== C tests (ASan + UBSan)"
CC=clang cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DENGINE_SANITIZE=ON >/dev/null
cmake --build build/asan -j2 >/dev/null
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure)

echo "== Fuzz smoke runs of every reader (20 s each; longer runs: see README)"
CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Release -DENGINE_FUZZ=ON >/dev/null
cmake --build build/fuzz -j2 --target fuzz_dataset fuzz_model >/dev/null
# fuzz TARGET SEED_DIR MAX_LEN WHAT: new inputs go to build/fuzz/corpus-TARGET; the seeds stay as committed.
fuzz() {
  mkdir -p "build/fuzz/corpus-$1"
  if ! "./build/fuzz/$1" "build/fuzz/corpus-$1" "$2" -max_total_time=20 -max_len="$3" -print_final_stats=1 \
       -artifact_prefix="build/fuzz/$1-" > "build/fuzz/$1.log" 2>&1; then
    tail -40 "build/fuzz/$1.log"
    echo "fuzz: the $4 fuzzer found a crash (input saved as build/fuzz/$1-*)"
    exit 1
  fi
  echo "$1: $(grep -E "stat::number_of_executed_units" "build/fuzz/$1.log")"
}
fuzz fuzz_dataset tests/fuzz/corpus 8192 "dataset parser"
fuzz fuzz_model tests/fuzz/corpus_model 4096 "model file reader"

echo "== Node tests (WASM build)"
node --test --test-concurrency=1 tests/node/

if [ -d tests/browser ] && ls tests/browser/*.test.js >/dev/null 2>&1; then
  echo "== Browser tests (headless Chromium)"
  node --test --test-concurrency=1 tests/browser/
fi
