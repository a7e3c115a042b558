/* setjmp/longjmp on top of Binaryen Asyncify (same scheme as ruby.wasm's
 * wasm/setjmp.c): no exception-handling proposal, no imports. wasi-libc has no
 * setjmp.h; this one comes first on the include path. Needs sjlj.c and sp.S linked
 * in, then `wasm-opt --asyncify` with run, wrb_sjlj_after_call and
 * wrb_setjmp_internal left uninstrumented (build-wasm.sh). */
#ifndef WRB_ASYNCIFY_SETJMP_H
#define WRB_ASYNCIFY_SETJMP_H
#ifndef WRB_JB_DATA
#define WRB_JB_DATA 8192
#endif
struct wrb_async_buf { void *top; void *end; };
struct wrb_jmp_buf {
  int state, payload;
  unsigned long sp, dst_top;
  struct wrb_async_buf setjmp_buf;
  char data[WRB_JB_DATA];
};
typedef struct wrb_jmp_buf jmp_buf[1];
int wrb_setjmp_internal(struct wrb_jmp_buf *env);
void wrb_longjmp(struct wrb_jmp_buf *env, int val);
/* called through a function pointer so that asyncify treats every caller as
 * possibly unwinding, while wrb_setjmp_internal itself stays uninstrumented
 * (asyncify-removelist) and acts like an import that is re-entered on rewind */
extern int (*volatile wrb_setjmp_fp)(struct wrb_jmp_buf *);
#define setjmp(env) ((env)->state = 0, wrb_setjmp_fp(env))
#define _setjmp(env) setjmp(env)
#define longjmp(env, val) wrb_longjmp(env, val)
#define _longjmp(env, val) longjmp(env, val)
#endif
