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

echo "== Node tests (WASM build)"
node --test --test-concurrency=1 tests/node/

if [ -d tests/browser ] && ls tests/browser/*.test.js >/dev/null 2>&1; then
  echo "== Browser tests (headless Chromium)"
  node --test --test-concurrency=1 tests/browser/
fi
