//! add-one: `run(a) = a + 1`. The smallest sample: timing it shows a runtime's call overhead.

pub fn add_one(a: i32) -> i32 {
    a.wrapping_add(1)
}

#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn run(a: i32) -> i32 {
    add_one(a)
}
