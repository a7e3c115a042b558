//! The samples' native twins behind a C ABI: `wrb_native_<sample>` with the signature of
//! the sample's `run` export, and `wrb_native_wordfreq` for the WASI command's library.

use std::ffi::c_char;

macro_rules! twins {
    ($($symbol:ident: $sample:path, $param:ty => $result:ty;)*) => {$(
        #[unsafe(no_mangle)]
        pub extern "C" fn $symbol(value: $param) -> $result {
            $sample(value)
        }
    )*};
}

twins! {
    wrb_native_add_one: add_one::add_one, i32 => i32;
    wrb_native_fibonacci: fibonacci::fibonacci, i32 => i32;
    wrb_native_nbody: nbody::nbody, i32 => f64;
    wrb_native_sieve: sieve::count_primes, i32 => i32;
    wrb_native_sort_indirect: sort_indirect::sort_checksum, i32 => i32;
    wrb_native_sha256: sha256::hash_prefix, i32 => i32;
    wrb_native_markdown: markdown::render_hash, i32 => i32;
    wrb_native_mruby_script: mruby_script::run_script, i32 => i32;
}

/// Bytes handed to the caller, freed with `wrb_native_free`.
#[repr(C)]
pub struct Bytes {
    pub ptr: *mut u8,
    pub len: usize,
}

impl Bytes {
    fn from(bytes: Vec<u8>) -> Bytes {
        let mut bytes = bytes.into_boxed_slice();
        let (ptr, len) = (bytes.as_mut_ptr(), bytes.len());
        std::mem::forget(bytes);
        Bytes { ptr, len }
    }
}

/// Runs the wordfreq command's library with `argc` arguments (program name first), no
/// environment, writing what it prints into `stdout` and `stderr`; returns its exit code.
///
/// # Safety
/// `argv` holds `argc` NUL-terminated strings; `stdout` and `stderr` are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wrb_native_wordfreq(argc: usize, argv: *const *const c_char, stdout: *mut Bytes, stderr: *mut Bytes) -> i32 {
    let args: Vec<String> = (0..argc)
        .map(|i| unsafe { std::ffi::CStr::from_ptr(*argv.add(i)) }.to_string_lossy().into_owned())
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = wordfreq::main_with(&args, std::iter::empty(), &mut out, &mut err);
    unsafe {
        *stdout = Bytes::from(out);
        *stderr = Bytes::from(err);
    }
    code
}

/// Frees bytes this library handed out.
///
/// # Safety
/// `bytes` came from this library and is freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wrb_native_free(bytes: Bytes) {
    if !bytes.ptr.is_null() {
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(bytes.ptr, bytes.len)) });
    }
}
