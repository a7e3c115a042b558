//! Calls made with the native stack at a chosen offset within its 4 KiB page. Where an
//! interpreter's frames fall within a page changes its speed (4K aliasing with the data
//! it works on): every instance of Fizzy ran nbody in 2.16 ms at 15 of 16 offsets and in
//! 2.86 ms at one, the same one in every process; tinywasm's nbody was up to 2 times
//! slower at some offsets (`examples/placements.rs ... offsets`). Where a process's stack
//! starts follows the length of its environment and arguments (and chance, with
//! address-space randomization), and a call made from the ranking and from Criterion's
//! loop sits at different depths: left alone, the offset is a die thrown for every process
//! and again between ranking an instance and timing it. `execute` gives each placement
//! its own offset and makes all of that placement's calls at it.

/// The page whose offsets matter.
pub const PAGE: usize = 4096;

/// Runs `f` with the stack pointer `offset` bytes (a multiple of 16, below `PAGE`) past a
/// page boundary, at most `PAGE` + 256 bytes below where it is now. A panic in `f` goes on
/// from here.
#[cfg(target_arch = "x86_64")]
pub fn at_offset<F: FnOnce() -> R, R>(offset: usize, f: F) -> R {
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    assert!(offset < PAGE && offset.is_multiple_of(16), "a stack offset is a multiple of 16 below {PAGE}, not {offset}");
    type State<F, R> = (Option<F>, Option<std::thread::Result<R>>);
    extern "C" fn trampoline<F: FnOnce() -> R, R>(state: *mut u8) {
        // SAFETY: `state` is the live `State` that `at_offset` passes, used by nothing else meanwhile.
        let state = unsafe { &mut *(state as *mut State<F, R>) };
        let f = state.0.take().expect("the trampoline runs once");
        state.1 = Some(catch_unwind(AssertUnwindSafe(f)));
    }
    let mut state: State<F, R> = (Some(f), None);
    // SAFETY: the function below keeps the stack 16-byte aligned for the call and restores
    // it; no panic unwinds through it (the trampoline catches it).
    unsafe { wasm_runtime_bench_call_at_stack_offset((&mut state as *mut State<F, R>).cast(), offset, trampoline::<F, R>) };
    match state.1.expect("the trampoline ran") {
        Ok(value) => value,
        Err(payload) => resume_unwind(payload),
    }
}

#[cfg(target_arch = "x86_64")]
unsafe extern "C" {
    /// Calls `f(state)` with the stack pointer moved down (past the red zone) to `offset`
    /// within its page. A frame of its own, with a frame pointer and unwind information, so
    /// that a backtrace taken inside `f` (anyhow takes one) walks through it.
    fn wasm_runtime_bench_call_at_stack_offset(state: *mut u8, offset: usize, f: extern "C" fn(*mut u8));
}

#[cfg(target_arch = "x86_64")]
std::arch::global_asm!(
    ".text",
    ".globl wasm_runtime_bench_call_at_stack_offset",
    ".type wasm_runtime_bench_call_at_stack_offset, @function",
    "wasm_runtime_bench_call_at_stack_offset:",
    ".cfi_startproc",
    "push rbp",
    ".cfi_def_cfa_offset 16",
    ".cfi_offset rbp, -16",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    "lea rax, [rsp - 256]",
    "sub rax, rsi",
    "and rax, 4095",
    "neg rax",
    "lea rsp, [rsp + rax - 256]",
    "call rdx",
    "mov rsp, rbp",
    "pop rbp",
    ".cfi_def_cfa rsp, 8",
    "ret",
    ".cfi_endproc",
    ".size wasm_runtime_bench_call_at_stack_offset, . - wasm_runtime_bench_call_at_stack_offset",
);

/// Elsewhere the stack is left where it is.
#[cfg(not(target_arch = "x86_64"))]
pub fn at_offset<R>(_offset: usize, f: impl FnOnce() -> R) -> R {
    f()
}

/// The offset of placement `index` of `count`: spread evenly over the page.
pub fn spread(index: usize, count: usize) -> usize {
    (index * PAGE / count.max(1)) & !15
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack_address() -> usize {
        let here = 0u8;
        std::hint::black_box(&here) as *const u8 as usize
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn a_call_made_at_an_offset_sits_at_the_same_place_within_the_page_however_deep_it_is_made() {
        #[inline(never)]
        fn deeper(levels: usize, offset: usize) -> usize {
            let pad = [0u8; 72];
            std::hint::black_box(&pad);
            if levels == 0 { at_offset(offset, stack_address) % PAGE } else { deeper(levels - 1, offset) }
        }
        for offset in [0, 1360, 2720, 4080] {
            let places: Vec<usize> = (0..40).map(|levels| deeper(levels, offset)).collect();
            assert!(places.iter().all(|&p| p == places[0]), "offset {offset}: {places:?}");
        }
        assert_ne!(deeper(0, 0), deeper(0, 1360));
    }

    #[test]
    fn a_backtrace_taken_at_an_offset_walks_past_it() {
        let trace = at_offset(2720, std::backtrace::Backtrace::force_capture).to_string();
        assert!(trace.contains("a_backtrace_taken_at_an_offset_walks_past_it"), "{trace}");
    }

    #[test]
    fn a_value_comes_back_and_a_panic_goes_on() {
        assert_eq!(at_offset(64, || 41 + 1), 42);
        let caught = std::panic::catch_unwind(|| at_offset(128, || panic!("inside")));
        assert_eq!(caught.unwrap_err().downcast_ref::<&str>(), Some(&"inside"));
    }

    #[test]
    fn placements_spread_over_the_page() {
        assert_eq!((0..3).map(|i| spread(i, 3)).collect::<Vec<_>>(), [0, 1360, 2720]);
        assert_eq!(spread(0, 1), 0);
    }
}
