//! Smoke test of the C ABI, calling the `extern "C"` functions directly
//! (through the rlib) exactly as the benchmark host does through dlopen.

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::ptr;
use std::time::Instant;

use wrb_lucet::*;

const WAT: &str = r#"
(module
  (memory 1)
  (func $fib (export "run") (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.lt_s
    if (result i32)
      i32.const 1
    else
      local.get 0
      i32.const 1
      i32.sub
      call $fib
      local.get 0
      i32.const 2
      i32.sub
      call $fib
      i32.add
    end)
  (func (export "trap") (param i32) (result i32)
    unreachable)
  (func (export "div0") (param i32) (result i32)
    local.get 0
    i32.const 0
    i32.div_s)
  (func $deep (export "deep") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add
    call $deep)
  (func (export "oob") (param i32) (result i32)
    i32.const 0x7ffffff0
    i32.load)
  (func (export "mem") (param i32) (result i32)
    i32.const 16
    local.get 0
    i32.store
    i32.const 16
    i32.load
    i32.const 1
    i32.add)
  (func (export "neg64") (param i64) (result i64)
    i64.const 0
    local.get 0
    i64.sub)
  (func (export "half32") (param f32) (result f32)
    local.get 0
    f32.const 0.5
    f32.mul)
  (func (export "half64") (param f64) (result f64)
    local.get 0
    f64.const 0.5
    f64.mul)
)
"#;

/// Takes ownership of an error pointer: None on success.
fn take_err(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    unsafe { wrb_lucet_free_error(p) };
    Some(s)
}

fn compile(wasm: &[u8], so: &str) -> Option<String> {
    let so = CString::new(so).unwrap();
    take_err(unsafe { wrb_lucet_compile(wasm.as_ptr(), wasm.len(), so.as_ptr()) })
}

fn call(inst: *mut c_void, name: &str, arg: WrbValue, tag: u32) -> Result<WrbValue, String> {
    let name = CString::new(name).unwrap();
    let mut out = WrbValue { tag: 99, bits: 0 };
    match take_err(unsafe { wrb_lucet_call(inst, name.as_ptr(), arg, tag, &mut out) }) {
        None => Ok(out),
        Some(e) => Err(e),
    }
}

#[test]
fn abi_smoke() {
    let version = unsafe { CStr::from_ptr(wrb_lucet_version()) }.to_str().unwrap();
    println!("version: {}", version);
    assert!(version.contains("lucetc 0.6.1"));

    let wasm = wabt::wat2wasm(WAT).expect("wat2wasm");
    assert_eq!(&wasm[0..4], b"\0asm");
    let so = format!("/tmp/wrb_lucet_test_fib_{}.so", std::process::id());

    // compile
    let t = Instant::now();
    assert_eq!(compile(&wasm, &so), None);
    println!("compile: {:?}, .so size {} bytes", t.elapsed(), std::fs::metadata(&so).unwrap().len());

    // malformed wasm -> error, no crash
    let bad_so = format!("/tmp/wrb_lucet_test_bad_{}.so", std::process::id());
    let e = compile(b"\0asm\x01\0\0\0\x01\xff\xff", &bad_so).expect("malformed wasm must fail");
    println!("malformed wasm error: {}", e);
    let e = compile(b"this is not wasm", &bad_so).expect("garbage must fail");
    println!("garbage error: {}", e);
    let e = compile(&[], &bad_so).expect("empty must fail");
    println!("empty error: {}", e);
    // truncated valid module
    let e = compile(&wasm[..wasm.len() / 2], &bad_so).expect("truncated must fail");
    println!("truncated error: {}", e);

    // load: missing file -> error
    let mut module: *mut c_void = ptr::null_mut();
    let missing = CString::new("/tmp/does/not/exist.so").unwrap();
    let e = take_err(unsafe { wrb_lucet_load(missing.as_ptr(), &mut module) }).expect("load of missing file");
    println!("missing .so error: {}", e);
    assert!(module.is_null());

    let so_c = CString::new(so.clone()).unwrap();
    let t = Instant::now();
    assert_eq!(take_err(unsafe { wrb_lucet_load(so_c.as_ptr(), &mut module) }), None);
    let t_load = t.elapsed();
    assert!(!module.is_null());

    let mut a: *mut c_void = ptr::null_mut();
    let mut b: *mut c_void = ptr::null_mut();
    let t = Instant::now();
    assert_eq!(take_err(unsafe { wrb_lucet_instantiate(module, &mut a) }), None);
    let t_inst = t.elapsed();
    assert_eq!(take_err(unsafe { wrb_lucet_instantiate(module, &mut b) }), None);
    assert!(!a.is_null() && !b.is_null() && a != b);
    println!("load (dlopen + region): {:?}, instantiate: {:?}", t_load, t_inst);

    let t = Instant::now();
    let r = call(a, "run", WrbValue::i32(20), WRB_I32).unwrap();
    println!("run(20) on a: {:?} in {:?}", r, t.elapsed());
    assert_eq!(r, WrbValue::i32(10946));
    assert_eq!(call(b, "run", WrbValue::i32(20), WRB_I32).unwrap(), WrbValue::i32(10946));
    assert_eq!(call(a, "run", WrbValue::i32(0), WRB_I32).unwrap(), WrbValue::i32(1));
    assert_eq!(call(a, "run", WrbValue::i32(1), WRB_I32).unwrap(), WrbValue::i32(1));

    // traps: error message, then the instance still works
    for (export, expect) in [("trap", "Unreachable"), ("div0", "IntegerDivByZero"), ("deep", "StackOverflow"), ("oob", "HeapOutOfBounds")] {
        let e = call(a, export, WrbValue::i32(7), WRB_I32).expect_err("must trap");
        println!("{} error: {}", export, e);
        assert!(e.contains(expect), "{} should mention {}: {}", export, expect, e);
        assert_eq!(call(a, "run", WrbValue::i32(20), WRB_I32).unwrap(), WrbValue::i32(10946));
    }

    // missing export
    let e = call(a, "no_such_export", WrbValue::i32(1), WRB_I32).expect_err("missing export");
    println!("missing export error: {}", e);
    assert!(e.contains("no_such_export"));
    assert_eq!(call(a, "run", WrbValue::i32(10), WRB_I32).unwrap(), WrbValue::i32(89));

    // bad tags
    assert!(call(a, "run", WrbValue { tag: 9, bits: 0 }, WRB_I32).is_err());
    assert!(call(a, "run", WrbValue::i32(3), 9).is_err());

    // other value types
    assert_eq!(call(a, "mem", WrbValue::i32(-5), WRB_I32).unwrap(), WrbValue::i32(-4));
    assert_eq!(call(a, "neg64", WrbValue::i64(1 << 40), WRB_I64).unwrap(), WrbValue::i64(-(1 << 40)));
    assert_eq!(call(a, "half32", WrbValue::f32(3.0), WRB_F32).unwrap(), WrbValue::f32(1.5));
    assert_eq!(call(a, "half64", WrbValue::f64(-7.0), WRB_F64).unwrap(), WrbValue::f64(-3.5));

    // null pointers -> errors, not crashes
    let mut out = WrbValue { tag: 0, bits: 0 };
    assert!(take_err(unsafe { wrb_lucet_call(ptr::null_mut(), so_c.as_ptr(), WrbValue::i32(1), 0, &mut out) }).is_some());
    assert!(take_err(unsafe { wrb_lucet_instantiate(ptr::null_mut(), &mut out as *mut _ as *mut *mut c_void) }).is_some());

    // noop + a rough per-call cost
    assert_eq!(wrb_lucet_noop(a), 0);
    let n = 100_000;
    let t = Instant::now();
    for _ in 0..n {
        call(a, "run", WrbValue::i32(1), WRB_I32).unwrap();
    }
    println!("run(1) round trip: {:?}/call", t.elapsed() / n);

    // instantiate/free churn: slots are recycled (region has 16)
    let t = Instant::now();
    for _ in 0..100 {
        let mut c: *mut c_void = ptr::null_mut();
        assert_eq!(take_err(unsafe { wrb_lucet_instantiate(module, &mut c) }), None);
        unsafe { wrb_lucet_free_instance(c) };
    }
    println!("instantiate+free: {:?} each", t.elapsed() / 100);

    // region full -> error, not crash
    let mut extra = Vec::new();
    let full = loop {
        let mut c: *mut c_void = ptr::null_mut();
        match take_err(unsafe { wrb_lucet_instantiate(module, &mut c) }) {
            None => extra.push(c),
            Some(e) => break e,
        }
        assert!(extra.len() < 100);
    };
    println!("region full after {} more instances: {}", extra.len(), full);
    assert_eq!(extra.len(), INSTANCE_SLOTS - 2);
    for c in extra {
        unsafe { wrb_lucet_free_instance(c) };
    }

    unsafe {
        wrb_lucet_free_instance(a);
        wrb_lucet_free_instance(b);
        wrb_lucet_free_module(module);
    }
    let _ = std::fs::remove_file(&so);
}
