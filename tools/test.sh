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

echo "== Fuzz smoke run of the dataset parsers (20 s; longer runs: see README)"
CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Release -DENGINE_FUZZ=ON >/dev/null
cmake --build build/fuzz -j2 --target fuzz_dataset >/dev/null
mkdir -p build/fuzz/corpus && cp tests/fuzz/corpus/* build/fuzz/corpus/
if ! ./build/fuzz/fuzz_dataset build/fuzz/corpus -max_total_time=20 -max_len=8192 -print_final_stats=1 \
     -artifact_prefix=build/fuzz/ > build/fuzz/log.txt 2>&1; then
  tail -40 build/fuzz/log.txt
  echo "fuzz: the dataset parser fuzzer found a crash (input saved in build/fuzz/)"
  exit 1
fi
grep -E "stat::number_of_executed_units" build/fuzz/log.txt

echo "== Node tests (WASM build)"
node --test --test-concurrency=1 tests/node/

if [ -d tests/browser ] && ls tests/browser/*.test.js >/dev/null 2>&1; then
  echo "== Browser tests (headless Chromium)"
  node --test --test-concurrency=1 tests/browser/
fi
