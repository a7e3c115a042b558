//! `wrb_lucet`: a small C ABI around Lucet 0.6.1 (`lucetc` + `lucet-runtime`).
//!
//! Built as a `cdylib` with its own pinned toolchain (Rust 1.79.0, see
//! `rust-toolchain.toml`) because Lucet's dependency tree (cranelift 0.51,
//! wabt 0.9) no longer builds with current Rust. The benchmark host loads
//! `libwrb_lucet.so` with `dlopen(RTLD_NOW | RTLD_GLOBAL)`: the `lucet_vmctx_*`
//! symbols that compiled Lucet modules import are exported by this library and
//! must be globally visible when lucet-runtime dlopens a module `.so`.
//!
//! Conventions:
//! * every fallible function returns `*mut c_char`: null on success, otherwise
//!   an owned error message to be released with [`wrb_lucet_free_error`];
//! * no panic unwinds across the boundary: every entry point runs inside
//!   `catch_unwind` and turns a panic into an error message.

use std::any::Any;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use lucet_runtime::{DlModule, InstanceHandle, Limits, MmapRegion, Region, RunResult, Val};
use lucet_runtime_internals::module::ModuleInternal;
use lucetc::{CpuFeatures, Lucetc, LucetcOpts, TargetCpu};

/// Tag values of [`WrbValue::tag`].
pub const WRB_I32: u32 = 0;
pub const WRB_I64: u32 = 1;
pub const WRB_F32: u32 = 2;
pub const WRB_F64: u32 = 3;

/// A WebAssembly value crossing the C ABI.
///
/// `tag`: 0 = i32, 1 = i64, 2 = f32, 3 = f64. `bits`: the value's bit pattern
/// in the low bits (i32 as u32 zero-extended, f32/f64 via `to_bits`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WrbValue {
    pub tag: u32,
    pub bits: u64,
}

impl WrbValue {
    pub fn i32(v: i32) -> Self {
        WrbValue { tag: WRB_I32, bits: v as u32 as u64 }
    }
    pub fn i64(v: i64) -> Self {
        WrbValue { tag: WRB_I64, bits: v as u64 }
    }
    pub fn f32(v: f32) -> Self {
        WrbValue { tag: WRB_F32, bits: v.to_bits() as u64 }
    }
    pub fn f64(v: f64) -> Self {
        WrbValue { tag: WRB_F64, bits: v.to_bits() }
    }
}

/// Number of instance slots of the region owned by each loaded module.
pub const INSTANCE_SLOTS: usize = 16;

/// Limits of every instance slot. Lucet's defaults allow only 1 MiB of linear
/// memory (16 pages), a 128 KiB guest stack and a SIGSTKSZ (8 KiB) signal
/// stack; these are more generous and cost only address space: linear memory
/// may grow to the full 4 GiB of wasm32 (within Lucet's default 8 GiB
/// reservation + guard), 1 MiB guest stack, 64 KiB signal stack (large CPU
/// state such as AVX-512 makes signal frames big).
pub const LIMITS: Limits = Limits {
    heap_memory_size: 0x1_0000_0000,
    heap_address_space_size: 0x2_0000_0000,
    stack_size: 1024 * 1024,
    globals_size: 4096,
    signal_stack_size: 64 * 1024,
};

/// Target CPU used for code generation. The default (`Native`) detects host
/// features with raw-cpuid, which panics (`assertion failed: res.eax == 0`) on
/// current CPUs, both in lucetc and in lucet-runtime's loader when the module
/// was compiled for BMI. Sandybridge: SSE3..SSE4.2, POPCNT, AVX, no BMI.
const TARGET_CPU: TargetCpu = TargetCpu::Sandybridge;

static VERSION: &[u8] = b"lucetc 0.6.1, lucet-runtime 0.6.1, target Sandybridge\0";

/// A loaded module plus the region its instances live in.
pub struct WrbModule {
    // Field order matters for drop order only loosely: instances hold their
    // own `Arc`s to both region and module.
    region: Arc<MmapRegion>,
    module: Arc<DlModule>,
}

/// An instance handle (returned to the region's free list on drop).
pub struct WrbInstance {
    handle: InstanceHandle,
}

// ---------------------------------------------------------------------------
// helpers

fn error_ptr(msg: impl Into<String>) -> *mut c_char {
    let msg: String = msg.into();
    // Interior NULs would make CString::new fail: replace them.
    let msg = msg.replace('\0', "\\0");
    match CString::new(msg) {
        Ok(s) => s.into_raw(),
        Err(_) => CString::new("wrb_lucet: unrepresentable error message")
            .unwrap()
            .into_raw(),
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("wrb_lucet: panic: {}", s)
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("wrb_lucet: panic: {}", s)
    } else {
        "wrb_lucet: panic (non-string payload)".to_string()
    }
}

/// Run `f`, converting `Err` and panics into an owned C error message.
fn guard<F>(f: F) -> *mut c_char
where
    F: FnOnce() -> Result<(), String>,
{
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => std::ptr::null_mut(),
        Ok(Err(msg)) => error_ptr(msg),
        Err(payload) => error_ptr(panic_message(payload)),
    }
}

unsafe fn cstr_arg<'a>(p: *const c_char, what: &str) -> Result<&'a str, String> {
    if p.is_null() {
        return Err(format!("wrb_lucet: {} is a null pointer", what));
    }
    CStr::from_ptr(p)
        .to_str()
        .map_err(|e| format!("wrb_lucet: {} is not valid UTF-8: {}", what, e))
}

fn ensure_linked() {
    // Keeps the lucet_vmctx_* hostcalls (imported by every compiled module)
    // linked into this cdylib.
    lucet_runtime::lucet_internal_ensure_linked();
}

fn to_val(v: WrbValue) -> Result<Val, String> {
    Ok(match v.tag {
        WRB_I32 => Val::I32(v.bits as u32 as i32),
        WRB_I64 => Val::I64(v.bits as i64),
        WRB_F32 => Val::F32(f32::from_bits(v.bits as u32)),
        WRB_F64 => Val::F64(f64::from_bits(v.bits)),
        t => return Err(format!("wrb_lucet: invalid argument tag {}", t)),
    })
}

// ---------------------------------------------------------------------------
// Rust-level API (also used by the extern "C" functions)

/// Compile wasm (binary, or wat text: lucetc accepts both) to a shared object.
pub fn compile_to_file(wasm: &[u8], so_path: &str) -> Result<(), String> {
    ensure_linked();
    let compiler = Lucetc::try_from_bytes(wasm)
        .map_err(|e| format!("lucetc: invalid input: {}", e))?
        .with_cpu_features(CpuFeatures::new(TARGET_CPU, Default::default()));
    compiler
        .shared_object_file(so_path)
        .map_err(|e| format!("lucetc: compilation of {} failed: {}", so_path, e))
}

pub fn load_module(so_path: &str) -> Result<WrbModule, String> {
    ensure_linked();
    let module = DlModule::load(so_path)
        .map_err(|e| format!("lucet-runtime: loading {} failed: {}", so_path, e))?;
    let region = MmapRegion::create(INSTANCE_SLOTS, &LIMITS)
        .map_err(|e| format!("lucet-runtime: creating region failed: {}", e))?;
    Ok(WrbModule { region, module })
}

impl WrbModule {
    /// Checks that `export` is a function taking one `param_tag` and returning one `result_tag`.
    pub fn check_export(&self, export: &str, param_tag: u32, result_tag: u32) -> Result<(), String> {
        let func = self
            .module
            .get_export_func(export)
            .map_err(|e| format!("lucet-runtime: export `{}` not found: {}", export, e))?;
        let signature = self.module.get_signature(func.id);
        let name = |tag: u32| ["I32", "I64", "F32", "F64"].get(tag as usize).copied().unwrap_or("?");
        let params: Vec<String> = signature.params.iter().map(|p| format!("{:?}", p)).collect();
        let result = signature.ret_ty.as_ref().map(|r| format!("{:?}", r));
        if params != [name(param_tag)] || result.as_deref() != Some(name(result_tag)) {
            return Err(format!(
                "lucet-runtime: export `{}` has signature ({}) -> {}",
                export,
                params.join(", "),
                result.unwrap_or_else(|| "()".into())
            ));
        }
        Ok(())
    }

    pub fn instantiate(&self) -> Result<WrbInstance, String> {
        ensure_linked();
        let handle = self
            .region
            .new_instance(self.module.clone())
            .map_err(|e| format!("lucet-runtime: instantiation failed: {}", e))?;
        Ok(WrbInstance { handle })
    }
}

impl WrbInstance {
    pub fn call(&mut self, export: &str, arg: WrbValue, result_tag: u32) -> Result<WrbValue, String> {
        let arg = to_val(arg)?;
        if result_tag > WRB_F64 {
            return Err(format!("wrb_lucet: invalid result tag {}", result_tag));
        }
        let res = self.handle.run(export, &[arg]);
        let rv = match res {
            Ok(RunResult::Returned(rv)) => rv,
            Ok(RunResult::Yielded(_)) => {
                let _ = self.handle.reset();
                return Err(format!("lucet-runtime: `{}` yielded instead of returning", export));
            }
            Err(lucet_runtime::Error::SymbolNotFound(name)) => {
                return Err(format!("lucet-runtime: export `{}` not found (symbol {})", export, name));
            }
            Err(e) => {
                // A trap / fault leaves the instance in a faulted state:
                // reset it so it can be run again.
                let detail = match &e {
                    lucet_runtime::Error::RuntimeFault(details) => format!("{}", details),
                    other => format!("{}", other),
                };
                let reset = match self.handle.reset() {
                    Ok(()) => String::new(),
                    Err(re) => format!(" (and reset failed: {})", re),
                };
                return Err(format!(
                    "lucet-runtime: calling `{}` failed: {}{}",
                    export, detail, reset
                ));
            }
        };
        Ok(match result_tag {
            WRB_I32 => WrbValue::i32(rv.as_i32()),
            WRB_I64 => WrbValue::i64(rv.as_i64()),
            WRB_F32 => WrbValue::f32(rv.as_f32()),
            _ => WrbValue::f64(rv.as_f64()),
        })
    }
}

// ---------------------------------------------------------------------------
// C ABI

/// Static, NUL-terminated version string.
#[no_mangle]
pub extern "C" fn wrb_lucet_version() -> *const c_char {
    VERSION.as_ptr() as *const c_char
}

/// lucetc: wasm bytes -> shared object at `so_path`.
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_compile(
    wasm: *const u8,
    len: usize,
    so_path: *const c_char,
) -> *mut c_char {
    guard(|| {
        if wasm.is_null() && len != 0 {
            return Err("wrb_lucet: wasm is a null pointer".into());
        }
        let bytes: &[u8] = if len == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(wasm, len)
        };
        let so_path = cstr_arg(so_path, "so_path")?;
        compile_to_file(bytes, so_path)
    })
}

/// DlModule::load + a 16-slot MmapRegion, owned by the returned handle.
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_load(
    so_path: *const c_char,
    module_out: *mut *mut c_void,
) -> *mut c_char {
    guard(|| {
        if module_out.is_null() {
            return Err("wrb_lucet: module_out is a null pointer".into());
        }
        *module_out = std::ptr::null_mut();
        let so_path = cstr_arg(so_path, "so_path")?;
        let m = load_module(so_path)?;
        *module_out = Box::into_raw(Box::new(m)) as *mut c_void;
        Ok(())
    })
}

/// region.new_instance(module), boxed behind the returned pointer.
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_instantiate(
    module: *mut c_void,
    instance_out: *mut *mut c_void,
) -> *mut c_char {
    guard(|| {
        if instance_out.is_null() {
            return Err("wrb_lucet: instance_out is a null pointer".into());
        }
        *instance_out = std::ptr::null_mut();
        if module.is_null() {
            return Err("wrb_lucet: module is a null pointer".into());
        }
        let m = &*(module as *const WrbModule);
        let inst = m.instantiate()?;
        *instance_out = Box::into_raw(Box::new(inst)) as *mut c_void;
        Ok(())
    })
}

/// Checks that the loaded module exports `export_name` with the signature (param_tag) -> result_tag.
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_check_export(
    module: *mut c_void,
    export_name: *const c_char,
    param_tag: u32,
    result_tag: u32,
) -> *mut c_char {
    guard(|| {
        if module.is_null() {
            return Err("wrb_lucet: module is a null pointer".into());
        }
        let export = cstr_arg(export_name, "export_name")?;
        (*(module as *const WrbModule)).check_export(export, param_tag, result_tag)
    })
}

/// instance.run(export_name, &[arg]); the untyped result is read per `result_tag`.
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_call(
    instance: *mut c_void,
    export_name: *const c_char,
    arg: WrbValue,
    result_tag: u32,
    out: *mut WrbValue,
) -> *mut c_char {
    guard(|| {
        if instance.is_null() {
            return Err("wrb_lucet: instance is a null pointer".into());
        }
        if out.is_null() {
            return Err("wrb_lucet: out is a null pointer".into());
        }
        let export = cstr_arg(export_name, "export_name")?;
        let inst = &mut *(instance as *mut WrbInstance);
        let v = inst.call(export, arg, result_tag)?;
        *out = v;
        Ok(())
    })
}

/// Does nothing: measures the cost of crossing the FFI boundary.
#[no_mangle]
pub extern "C" fn wrb_lucet_noop(_instance: *mut c_void) -> u32 {
    0
}

#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_free_instance(instance: *mut c_void) {
    if instance.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        drop(Box::from_raw(instance as *mut WrbInstance));
    }));
}

/// Drops the region and the module (instances still alive keep them alive
/// through their own references).
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_free_module(module: *mut c_void) {
    if module.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        drop(Box::from_raw(module as *mut WrbModule));
    }));
}

#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_free_error(message: *mut c_char) {
    if message.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        drop(CString::from_raw(message));
    }));
}
