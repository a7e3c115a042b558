//! sieve: the sieve of Eratosthenes over a byte per number, `run(n)` counts the primes
//! below `n`. Memory-bound: it sweeps an `n`-byte table again and again (1 MB for n = 10^6).

pub fn count_primes(n: i32) -> i32 {
    let n = n.max(0) as usize;
    if n < 3 {
        return 0;
    }
    let mut composite = vec![false; n];
    let mut count = 1; // 2
    let mut i = 3;
    while i < n {
        if !composite[i] {
            count += 1;
            // i * i < n, without overflowing a 32-bit usize.
            if i <= (n - 1) / i {
                let mut multiple = i * i;
                while multiple < n {
                    composite[multiple] = true;
                    multiple += 2 * i;
                }
            }
        }
        i += 2;
    }
    count
}

#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn run(n: i32) -> i32 {
    count_primes(n)
}
