/* Definitions of the WASI calls that wasi-libc would otherwise import (reached only
 * from mruby-time and stdio paths), so that the module imports nothing. Deterministic:
 * the clock stands at 2000-01-01T00:00:00Z; I/O fails. */
#include <stdint.h>
#define WASI_ERRNO_BADF 8
#define WASI_ERRNO_NOSYS 52
int32_t __imported_wasi_snapshot_preview1_clock_time_get(int32_t id, int64_t prec, int32_t out) {
  (void)id; (void)prec;
  *(uint64_t *)(uintptr_t)out = 946684800ull * 1000000000ull;
  return 0;
}
int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t n, int32_t nw) {
  (void)fd; (void)iovs; (void)n; *(uint32_t *)(uintptr_t)nw = 0; return WASI_ERRNO_BADF;
}
int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd) { (void)fd; return WASI_ERRNO_BADF; }
int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t off, int32_t wh, int32_t np) {
  (void)fd; (void)off; (void)wh; (void)np; return WASI_ERRNO_BADF;
}
