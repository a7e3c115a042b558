/* setjmp and longjmp for mruby on Binaryen Asyncify, the scheme of ruby.wasm's
   wasm/setjmp.c: a setjmp unwinds the stack into its jmp_buf and rewinds at once; a
   longjmp unwinds and rewinds that saved stack, so setjmp returns a second time. */
#include <setjmp.h>   /* include/setjmp.h */
#include <stddef.h>
#define IMP(n) __attribute__((import_module("asyncify"), import_name(n)))
IMP("start_unwind") void asyncify_start_unwind(void *buf);
IMP("stop_unwind")  void asyncify_stop_unwind(void);
IMP("start_rewind") void asyncify_start_rewind(void *buf);
IMP("stop_rewind")  void asyncify_stop_rewind(void);
unsigned long wrb_get_sp(void);
void wrb_set_sp(unsigned long);

enum { ST_INIT = 0, ST_CAPTURING, ST_CAPTURED, ST_RETURNING };
static struct wrb_jmp_buf *active;
static char scratch[256 * 1024];            /* longjmp unwind data, discarded */
static struct wrb_async_buf scratch_buf;

int wrb_setjmp_internal(struct wrb_jmp_buf *env) {
  switch (env->state) {
  case ST_INIT:
    env->state = ST_CAPTURING; env->payload = 0;
    env->sp = wrb_get_sp();
    env->setjmp_buf.top = env->data; env->setjmp_buf.end = env->data + sizeof env->data;
    active = env;
    asyncify_start_unwind(&env->setjmp_buf);
    return 0;                                 /* unwinding: ignored */
  case ST_CAPTURING:                          /* re-entered on rewind after capture */
    asyncify_stop_rewind(); env->state = ST_CAPTURED; active = NULL; return 0;
  case ST_RETURNING:                          /* re-entered on rewind after longjmp */
    asyncify_stop_rewind(); env->state = ST_CAPTURED; active = NULL;
    wrb_set_sp(env->sp); return env->payload;
  default: __builtin_trap();
  }
}
int (*volatile wrb_setjmp_fp)(struct wrb_jmp_buf *) = wrb_setjmp_internal;

void wrb_longjmp(struct wrb_jmp_buf *env, int val) {
  env->state = ST_RETURNING; env->payload = val ? val : 1;
  active = env;
  scratch_buf.top = scratch; scratch_buf.end = scratch + sizeof scratch;
  asyncify_start_unwind(&scratch_buf);
}

/* Called (un-instrumented) after the entry function returned. Returns the
 * buffer to rewind with, or NULL if the entry function really returned. */
void *wrb_sjlj_after_call(void) {
  struct wrb_jmp_buf *env = active;
  if (!env) return NULL;
  asyncify_stop_unwind();
  if (env->state == ST_CAPTURING) {
    env->dst_top = (unsigned long)env->setjmp_buf.top;
  } else if (env->state == ST_RETURNING) {
    env->setjmp_buf.top = (void *)env->dst_top;
  } else __builtin_trap();
  asyncify_start_rewind(&env->setjmp_buf);
  return env;
}
