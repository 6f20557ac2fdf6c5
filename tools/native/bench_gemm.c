/* bench_gemm.c: GFLOP/s of the engine's GEMM natively at the W1 shapes, 1 and N threads. */
#include "testlib.h"

#include <string.h>

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1, iterations = argc > 2 ? atoi(argv[2]) : 200;
  eng_set_threads(threads);
  static const int shapes[][4] = {{32, 300, 784, 0}, {784, 300, 32, 1}, {32, 784, 300, 0}, {32, 200, 300, 0}, {300, 200, 32, 1}};
  printf("{\"threads\":%d,\"shapes\":[", eng_get_threads());
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    printf("%s{\"M\":%d,\"N\":%d,\"K\":%d,\"layout\":%d,\"gflops\":%.2f}", i ? "," : "", shapes[i][0], shapes[i][1],
           shapes[i][2], shapes[i][3], eng_bench_gemm(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], iterations));
  printf("]}\n");
  eng_pool_stop();
  return 0;
}
