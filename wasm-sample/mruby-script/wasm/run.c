/* The wasm module's export: run(n) runs the driver on the script built in
   (script.h, made from src/script.rb by build-wasm.sh). */
#include "script.h"

int mruby_script_run(const char *script, int n);
void *wrb_sjlj_after_call(void);

/* No process to leave: exiting is a trap, and there is nothing to destruct. */
_Noreturn void exit(int code) { (void)code; __builtin_trap(); }
_Noreturn void _Exit(int code) { (void)code; __builtin_trap(); }
void __wasm_call_dtors(void) {}

__attribute__((noinline)) int run_inner(int n) { return mruby_script_run(script_rb, n); }

/* Left uninstrumented by Asyncify: each setjmp or longjmp unwinds to here, and the
   call is rewound from where it is to resume (see sjlj.c). */
__attribute__((export_name("run"))) int run(int n)
{
  for (;;) {
    int result = run_inner(n);
    if (!wrb_sjlj_after_call()) return result;
  }
}
