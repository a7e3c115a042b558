/* The mruby-script driver, the same for the wasm module and the native twin:
   a new interpreter runs `script` (which defines bench(n)), then bench(n). */
#include <mruby.h>
#include <mruby/compile.h>

/* bench(n), or -1: no interpreter, -2: the script raised, -3: bench raised or
   returned no Integer. */
int mruby_script_run(const char *script, int n)
{
  mrb_state *mrb = mrb_open();
  if (!mrb) return -1;
  mrb_load_string(mrb, script);
  if (mrb->exc) { mrb_close(mrb); return -2; }
  mrb_value result = mrb_funcall(mrb, mrb_top_self(mrb), "bench", 1, mrb_int_value(mrb, n));
  int out = (mrb->exc || !mrb_integer_p(result)) ? -3 : (int)mrb_integer(result);
  mrb_close(mrb);
  return out;
}
