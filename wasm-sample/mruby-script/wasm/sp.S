# The stack pointer for sjlj.c: saved at setjmp, restored when longjmp returns there.
.globaltype __stack_pointer, i32
.globl wrb_get_sp
.type wrb_get_sp,@function
wrb_get_sp:
  .functype wrb_get_sp () -> (i32)
  global.get __stack_pointer
  end_function
.globl wrb_set_sp
.type wrb_set_sp,@function
wrb_set_sp:
  .functype wrb_set_sp (i32) -> ()
  local.get 0
  global.set __stack_pointer
  end_function
