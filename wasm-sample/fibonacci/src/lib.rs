//! fibonacci: recursive `run(n)` with `run(0) = run(1) = 1`. Call-heavy.

pub fn fibonacci(n: i32) -> i32 {
    if n < 2 { 1 } else { fibonacci(n - 1).wrapping_add(fibonacci(n - 2)) }
}

#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn run(n: i32) -> i32 {
    fibonacci(n)
}
