//! sort-indirect: a merge sort whose every comparison goes through a function pointer
//! picked at run time, so the wasm makes one `call_indirect` per comparison.
//! `run(n)` sorts `n` pseudo-random numbers and returns a checksum of the sorted order.

use std::cmp::Ordering;

type Compare = fn(&u32, &u32) -> Ordering;

/// The comparators `run` picks from; which one depends on `n`, so no compiler can inline it.
static COMPARATORS: [Compare; 4] = [
    |a, b| a.cmp(b),
    |a, b| b.cmp(a),
    |a, b| (a % 1000).cmp(&(b % 1000)).then(a.cmp(b)),
    |a, b| a.count_ones().cmp(&b.count_ones()).then(a.cmp(b)),
];

fn merge_sort(items: &mut [u32], scratch: &mut [u32], compare: Compare) {
    let len = items.len();
    if len < 2 {
        return;
    }
    let mid = len / 2;
    merge_sort(&mut items[..mid], &mut scratch[..mid], compare);
    merge_sort(&mut items[mid..], &mut scratch[mid..], compare);
    let (mut left, mut right) = (0, mid);
    for slot in scratch[..len].iter_mut() {
        let take_left = right == len || (left < mid && compare(&items[left], &items[right]) != Ordering::Greater);
        if take_left {
            *slot = items[left];
            left += 1;
        } else {
            *slot = items[right];
            right += 1;
        }
    }
    items.copy_from_slice(&scratch[..len]);
}

pub fn sort_checksum(n: i32) -> i32 {
    let n = n.max(0) as usize;
    let mut state = 0x9e37_79b9_u32;
    let mut items: Vec<u32> = (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        })
        .collect();
    let mut scratch = vec![0; n];
    merge_sort(&mut items, &mut scratch, COMPARATORS[n % COMPARATORS.len()]);
    items.iter().enumerate().fold(0u32, |sum, (i, &v)| sum.wrapping_mul(31).wrapping_add(v ^ i as u32)) as i32
}

#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn run(n: i32) -> i32 {
    sort_checksum(n)
}
