#!/usr/bin/env bash
# build.sh: native engine + C tests, both WASM variants, and the static site.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export NODE_PATH=/usr/share/nodejs   # emcc's JS optimizer needs Debian's acorn
JOBS=2

echo "build: native engine (build/native)"
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/native -j$JOBS >/dev/null

for variant in mt st; do
  threads=ON; [ $variant = st ] && threads=OFF
  echo "build: WASM engine, $([ $variant = mt ] && echo 'SIMD + pthreads' || echo 'SIMD only') (build/wasm-$variant)"
  if [ ! -f build/wasm-$variant/CMakeCache.txt ]; then
    emcmake cmake -S . -B build/wasm-$variant -DCMAKE_BUILD_TYPE=Release -DENGINE_THREADS=$threads \
      -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
  fi
  cmake --build build/wasm-$variant -j$JOBS >/dev/null
done

if [ -f tools/build-site.js ]; then
  echo "build: static site (dist/site)"
  node tools/build-site.js
fi
