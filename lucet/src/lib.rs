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
//!
//! # C ABI
//!
//! ```c
//! typedef char *err_t;                      /* NULL = success; else free with wrb_lucet_free_error */
//! typedef struct { uint32_t tag; uint64_t bits; } WrbValue;   /* tag 0 i32, 1 i64, 2 f32, 3 f64 */
//!
//! const char *wrb_lucet_version(void);
//! err_t wrb_lucet_compile(const uint8_t *wasm, size_t len, const char *so_path);
//! err_t wrb_lucet_load(const char *so_path, void **module);        /* + a 16-slot region */
//! err_t wrb_lucet_check_export(void *module, const char *name, uint32_t param_tag, uint32_t result_tag);
//! err_t wrb_lucet_instantiate(void *module, void **instance);
//! err_t wrb_lucet_call(void *instance, const char *name, WrbValue arg, uint32_t result_tag, WrbValue *out);
//! #define WRB_NONE 0xffffffff   /* the result tag of a function that returns nothing */
//! #define WRB_LUCET_WASI 2      /* compile_stubbed: bind WASI preview 1 and bench too */
//! err_t wrb_lucet_compile_stubbed(const uint8_t *wasm, size_t len, const char *so_path, const char *stubs_json, uint32_t flags);
//!       /* stubs_json: {"module": ["name", ...]}: imports bound to a stub that aborts if called */
//! err_t wrb_lucet_check_export_n(void *module, const char *name, const uint32_t *param_tags, size_t nparams, uint32_t result_tag);
//! err_t wrb_lucet_call_n(void *instance, const char *name, const WrbValue *args, size_t nargs, uint32_t result_tag, WrbValue *out);
//! uint32_t wrb_lucet_noop(void *instance);
//! void wrb_lucet_free_instance(void *instance);
//! void wrb_lucet_free_module(void *module);
//! void wrb_lucet_free_error(char *message);
//!
//! /* WASI commands (wasm32-wasip1: imports from "wasi_snapshot_preview1"), see wasi.rs */
//! #define WRB_LUCET_LOWER_BULK_MEMORY 1
//! err_t wrb_lucet_compile_wasi(const uint8_t *wasm, size_t len, const char *so_path, uint32_t flags);
//! err_t wrb_lucet_wasi_start(void *module, const char *const *argv, size_t argc,
//!                            const char *preopen_host_dir, const char *guest_dir, void **instance);
//! err_t wrb_lucet_wasi_set_bench_hooks(void *instance, void (*start)(void *), void (*end)(void *), void *data);
//! err_t wrb_lucet_wasi_run(void *instance, int32_t *exit_code);
//! err_t wrb_lucet_wasi_output(void *instance, uint8_t **stdout_ptr, size_t *stdout_len,
//!                             uint8_t **stderr_ptr, size_t *stderr_len);
//! void wrb_lucet_free_bytes(uint8_t *ptr, size_t len);
//! ```
//!
//! * `wrb_lucet_compile_wasi`: `wrb_lucet_compile` with lucetc bindings for every
//!   `wasi_snapshot_preview1` function (46) and for `bench.start` / `bench.end` (both
//!   `() -> ()`); a module needs to import none of them. `flags`: 0, or
//!   `WRB_LUCET_LOWER_BULK_MEMORY` to first replace `memory.copy` / `memory.fill` with
//!   calls of MVP functions (`lower.rs`): lucetc 0.6.1 rejects bulk memory, which Rust 1.95
//!   emits ("Wasm validation: bulk memory support is not enabled"). Other bits: an error.
//!   The result is loaded with `wrb_lucet_load` (the same `LIMITS` as every module).
//! * `wrb_lucet_wasi_start`: a new instance (one of the region's 16 slots) with a new WASI
//!   context, not yet run: `argv[0..argc]` as its arguments (the program name first), no
//!   environment variables, an empty stdin (`/dev/null`), stdout and stderr into two
//!   memfds (nothing reaches the process's fds 1 and 2), and the host directory
//!   `preopen_host_dir` as the only preopened directory (fd 3), named `guest_dir`,
//!   read-only (no descriptor derived from it has a right that changes the file system;
//!   see `wasi::WRITE_RIGHTS`). Both NULL: no preopened directory. Paths outside it
//!   (absolute ones, `..` above it, symlinks leading out) are refused by wasi-common.
//! * `wrb_lucet_wasi_set_bench_hooks`: what `bench.start` / `bench.end` of this instance
//!   call (`start(data)`, `end(data)`; either may be NULL); replaces earlier hooks; without
//!   hooks those imports do nothing. The hooks run inside the guest's call, on Lucet's
//!   guest stack (1 MiB), and must not unwind.
//! * `wrb_lucet_wasi_run`: runs `_start` to its end, once per instance. `*exit_code` is 0
//!   when `_start` returns and `n` after `proc_exit(n)` (success, not an error); a trap is
//!   an error naming it (e.g. "fault Unreachable ..."), as is a missing `_start`, a second
//!   run, or an instance from `wrb_lucet_instantiate`. `*exit_code` is only written on
//!   success.
//! * `wrb_lucet_wasi_output`: copies of everything the guest wrote to stdout and stderr
//!   (also after a trap); each buffer belongs to the caller and is released with
//!   `wrb_lucet_free_bytes(ptr, len)`; an empty one is (NULL, 0).
//! * `wrb_lucet_free_instance` also closes the instance's WASI context and memfds.

use std::any::Any;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use std::fs::File;

use lucet_runtime::{DlModule, InstanceHandle, Limits, MmapRegion, Region, RunResult, Val};
use lucet_runtime_internals::module::ModuleInternal;
use lucetc::{CpuFeatures, Lucetc, LucetcOpts, TargetCpu};

pub mod lower;
pub mod wasi;

pub use wasi::BenchHooks;

/// Tag values of [`WrbValue::tag`].
pub const WRB_I32: u32 = 0;
pub const WRB_I64: u32 = 1;
pub const WRB_F32: u32 = 2;
pub const WRB_F64: u32 = 3;
/// The result tag of a function that returns nothing.
pub const WRB_NONE: u32 = 0xffff_ffff;
/// `wrb_lucet_compile_stubbed`'s flag: bind WASI preview 1 and `bench` too.
pub const WRB_LUCET_WASI: u32 = 2;
/// Arguments a call passes, on the stack.
pub const MAX_ARGS: usize = 16;

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
    /// Set for instances made by `wrb_lucet_wasi_start`.
    wasi: Option<WasiIo>,
}

/// The host's side of a WASI instance's stdout and stderr, and whether it ran.
struct WasiIo {
    stdout: File,
    stderr: File,
    ran: bool,
}

/// `flags` bit of [`wrb_lucet_compile_wasi`]: lower `memory.copy` / `memory.fill` to MVP
/// code first (see `lower.rs`); without it lucetc rejects modules that use them.
pub const WRB_LUCET_LOWER_BULK_MEMORY: u32 = 1;

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
    // ... and the WASI hostcalls (lucet-wasi's and this library's shims).
    wasi::ensure_linked();
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

/// [`compile_to_file`] with the WASI preview-1 and `bench` bindings (see `wasi.rs`),
/// after lowering bulk memory if `flags` has [`WRB_LUCET_LOWER_BULK_MEMORY`].
pub fn compile_wasi_to_file(wasm: &[u8], so_path: &str, flags: u32) -> Result<(), String> {
    ensure_linked();
    if flags & !WRB_LUCET_LOWER_BULK_MEMORY != 0 {
        return Err(format!("wrb_lucet: unknown flags {:#x}", flags));
    }
    let lowered;
    // (lucetc also accepts wat text, which is passed on as it is)
    let wasm = if flags & WRB_LUCET_LOWER_BULK_MEMORY != 0 && wasm.starts_with(b"\0asm") {
        lowered = lower::lower_bulk_memory(wasm).map_err(|e| format!("wrb_lucet: {}", e))?.0;
        &lowered[..]
    } else {
        wasm
    };
    let compiler = Lucetc::try_from_bytes(wasm)
        .map_err(|e| format!("lucetc: invalid input: {}", e))?
        .with_cpu_features(CpuFeatures::new(TARGET_CPU, Default::default()))
        .with_bindings(wasi::bindings());
    compiler
        .shared_object_file(so_path)
        .map_err(|e| format!("lucetc: compilation of {} failed: {}", so_path, e))
}

/// [`compile_to_file`] for a module whose imports `stubs_json` lists (`{"module": ["name",
/// ...]}`): each is bound to [`wrb_lucet_unprovided_import`], so that lucetc (which needs a
/// binding for every import) compiles the module; with [`WRB_LUCET_WASI`] in `flags`, the
/// WASI and `bench` bindings too.
pub fn compile_stubbed_to_file(wasm: &[u8], so_path: &str, stubs_json: &str, flags: u32) -> Result<(), String> {
    ensure_linked();
    if flags & !WRB_LUCET_WASI != 0 {
        return Err(format!("wrb_lucet: unknown flags {:#x}", flags));
    }
    let stubs: std::collections::HashMap<String, Vec<String>> =
        serde_json::from_str(stubs_json).map_err(|e| format!("wrb_lucet: the stubs are not {{\"module\": [\"name\"]}}: {}", e))?;
    let mut bindings = if flags & WRB_LUCET_WASI != 0 { wasi::bindings() } else { lucetc::Bindings::empty() };
    let stubbed = stubs
        .into_iter()
        .map(|(module, names)| (module, names.into_iter().map(|n| (n, "wrb_lucet_unprovided_import".to_string())).collect()))
        .collect();
    bindings.extend(&lucetc::Bindings::new(stubbed)).map_err(|e| format!("wrb_lucet: {}", e))?;
    Lucetc::try_from_bytes(wasm)
        .map_err(|e| format!("lucetc: invalid input: {}", e))?
        .with_cpu_features(CpuFeatures::new(TARGET_CPU, Default::default()))
        .with_bindings(bindings)
        .shared_object_file(so_path)
        .map_err(|e| format!("lucetc: compilation of {} failed: {}", so_path, e))
}

/// What an import the suite does not provide is bound to: the suite only compiles such a
/// module, and a call that reaches this ends the process with a message.
#[no_mangle]
pub extern "C" fn wrb_lucet_unprovided_import() {
    eprintln!("wrb_lucet: a module called an import the suite does not provide");
    std::process::abort();
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
        self.check_export_n(export, &[param_tag], result_tag)
    }

    /// Checks that `export` is a function taking `param_tags` and returning `result_tag`
    /// ([`WRB_NONE`]: nothing).
    pub fn check_export_n(&self, export: &str, param_tags: &[u32], result_tag: u32) -> Result<(), String> {
        let func = self
            .module
            .get_export_func(export)
            .map_err(|e| format!("lucet-runtime: export `{}` not found: {}", export, e))?;
        let signature = self.module.get_signature(func.id);
        let name = |tag: u32| ["I32", "I64", "F32", "F64"].get(tag as usize).copied().unwrap_or("?");
        let params: Vec<String> = signature.params.iter().map(|p| format!("{:?}", p)).collect();
        let result = signature.ret_ty.as_ref().map(|r| format!("{:?}", r));
        let wanted: Vec<&str> = param_tags.iter().map(|t| name(*t)).collect();
        let wanted_result = if result_tag == WRB_NONE { None } else { Some(name(result_tag)) };
        if params != wanted || result.as_deref() != wanted_result {
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
        Ok(WrbInstance { handle, wasi: None })
    }

    /// A new instance with a new WASI context (see [`wasi::build_ctx`]), not yet run.
    pub fn wasi_start(&self, argv: &[String], preopen: Option<(&str, &str)>) -> Result<WrbInstance, String> {
        ensure_linked();
        let stdout = wasi::memfd("wrb_lucet_stdout")?;
        let stderr = wasi::memfd("wrb_lucet_stderr")?;
        let dup = |f: &File| f.try_clone().map_err(|e| format!("wrb_lucet: dup of a memfd failed: {}", e));
        let ctx = wasi::build_ctx(argv, preopen, dup(&stdout)?, dup(&stderr)?)?;
        let handle = self
            .region
            .new_instance_builder(self.module.clone())
            .with_embed_ctx(ctx)
            .build()
            .map_err(|e| format!("lucet-runtime: instantiation failed: {}", e))?;
        Ok(WrbInstance { handle, wasi: Some(WasiIo { stdout, stderr, ran: false }) })
    }
}

/// A run's error, with the trap or termination it describes.
fn describe(e: &lucet_runtime::Error) -> String {
    match e {
        lucet_runtime::Error::RuntimeFault(details) => format!("{}", details),
        lucet_runtime::Error::RuntimeTerminated(details) => format!("terminated: {:?}", details),
        other => format!("{}", other),
    }
}

impl WrbInstance {
    pub fn call(&mut self, export: &str, arg: WrbValue, result_tag: u32) -> Result<WrbValue, String> {
        self.call_n(export, &[arg], result_tag)
    }

    /// Calls `export` with `args`; the result as `result_tag` says ([`WRB_NONE`]: none,
    /// returned as a zero i32).
    pub fn call_n(&mut self, export: &str, args: &[WrbValue], result_tag: u32) -> Result<WrbValue, String> {
        let mut vals = [Val::I32(0); MAX_ARGS];
        if args.len() > MAX_ARGS {
            return Err(format!("wrb_lucet: at most {} arguments", MAX_ARGS));
        }
        for (slot, arg) in vals.iter_mut().zip(args) {
            *slot = to_val(*arg)?;
        }
        if result_tag > WRB_F64 && result_tag != WRB_NONE {
            return Err(format!("wrb_lucet: invalid result tag {}", result_tag));
        }
        let res = self.handle.run(export, &vals[..args.len()]);
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
            WRB_F64 => WrbValue::f64(rv.as_f64()),
            _ => WrbValue::i32(0),
        })
    }

    /// Runs `_start` of a WASI instance to its end: `Ok(exit code)` when it returns (0) or
    /// calls `proc_exit(n)` (n), `Err` on a trap or any other termination. Once only.
    pub fn wasi_run(&mut self) -> Result<i32, String> {
        let io = self
            .wasi
            .as_mut()
            .ok_or("wrb_lucet: not a WASI instance (made by wrb_lucet_instantiate, not wrb_lucet_wasi_start)")?;
        if io.ran {
            return Err("wrb_lucet: this WASI instance has already run; start a new one".into());
        }
        io.ran = true;
        match self.handle.run(lucet_wasi::START_SYMBOL, &[]) {
            Ok(RunResult::Returned(_)) => Ok(0),
            Ok(RunResult::Yielded(_)) => Err("lucet-runtime: `_start` yielded instead of returning".into()),
            Err(lucet_runtime::Error::RuntimeTerminated(details)) => {
                match details.provided_details().and_then(|d| d.downcast_ref::<lucet_wasi::__wasi_exitcode_t>()) {
                    Some(code) => Ok(*code as i32),
                    None => Err(format!("lucet-runtime: `_start` terminated: {:?}", details)),
                }
            }
            Err(lucet_runtime::Error::SymbolNotFound(name)) => {
                Err(format!("lucet-runtime: export `_start` not found (symbol {})", name))
            }
            Err(e) => Err(format!("lucet-runtime: `_start` failed: {}", describe(&e))),
        }
    }

    /// Everything the guest wrote to its stdout and stderr so far.
    pub fn wasi_output(&self) -> Result<(Vec<u8>, Vec<u8>), String> {
        let io = self.wasi.as_ref().ok_or("wrb_lucet: not a WASI instance")?;
        Ok((wasi::read_all(&io.stdout)?, wasi::read_all(&io.stderr)?))
    }

    /// Sets (replaces) the hooks `bench.start` / `bench.end` call.
    pub fn set_bench_hooks(&mut self, hooks: BenchHooks) {
        self.handle.insert_embed_ctx(hooks);
    }

    /// Calls `export` with any arguments, ignoring its results (for tests). After an
    /// error the instance is left as it is (its memory can be inspected): [`Self::reset`]
    /// it before running it again.
    pub fn run_void(&mut self, export: &str, args: &[WrbValue]) -> Result<(), String> {
        let args = args.iter().map(|a| to_val(*a)).collect::<Result<Vec<Val>, String>>()?;
        match self.handle.run(export, &args) {
            Ok(RunResult::Returned(_)) => Ok(()),
            Ok(RunResult::Yielded(_)) => Err(format!("lucet-runtime: `{}` yielded", export)),
            Err(e) => Err(format!("lucet-runtime: calling `{}` failed: {}", export, describe(&e))),
        }
    }

    /// Resets the instance (its memory to the module's initial data).
    pub fn reset(&mut self) -> Result<(), String> {
        self.handle.reset().map_err(|e| format!("lucet-runtime: reset failed: {}", e))
    }

    /// The instance's linear memory.
    pub fn heap(&self) -> &[u8] {
        self.handle.heap()
    }

    pub fn heap_mut(&mut self) -> &mut [u8] {
        self.handle.heap_mut()
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

/// lucetc: wasm bytes -> shared object, the imports that `stubs_json` lists bound to a stub
/// (see `compile_stubbed_to_file`).
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_compile_stubbed(
    wasm: *const u8,
    len: usize,
    so_path: *const c_char,
    stubs_json: *const c_char,
    flags: u32,
) -> *mut c_char {
    guard(|| {
        if wasm.is_null() && len != 0 {
            return Err("wrb_lucet: wasm is a null pointer".into());
        }
        let bytes: &[u8] = if len == 0 { &[] } else { std::slice::from_raw_parts(wasm, len) };
        compile_stubbed_to_file(bytes, cstr_arg(so_path, "so_path")?, cstr_arg(stubs_json, "stubs_json")?, flags)
    })
}

/// Like `wrb_lucet_check_export`, for `nparams` parameters (`param_tags`) and a result
/// (`result_tag`, or `WRB_NONE` for none).
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_check_export_n(
    module: *mut c_void,
    export_name: *const c_char,
    param_tags: *const u32,
    nparams: usize,
    result_tag: u32,
) -> *mut c_char {
    guard(|| {
        if module.is_null() || (param_tags.is_null() && nparams != 0) {
            return Err("wrb_lucet: module or param_tags is a null pointer".into());
        }
        let export = cstr_arg(export_name, "export_name")?;
        let tags: &[u32] = if nparams == 0 { &[] } else { std::slice::from_raw_parts(param_tags, nparams) };
        (*(module as *const WrbModule)).check_export_n(export, tags, result_tag)
    })
}

/// Like `wrb_lucet_call`, with `nargs` arguments (`args`) and a result as `result_tag`
/// says (`WRB_NONE`: the function returns nothing; `*out` is then a zero i32).
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_call_n(
    instance: *mut c_void,
    export_name: *const c_char,
    args: *const WrbValue,
    nargs: usize,
    result_tag: u32,
    out: *mut WrbValue,
) -> *mut c_char {
    guard(|| {
        if instance.is_null() || out.is_null() || (args.is_null() && nargs != 0) {
            return Err("wrb_lucet: instance, args or out is a null pointer".into());
        }
        let export = cstr_arg(export_name, "export_name")?;
        let args: &[WrbValue] = if nargs == 0 { &[] } else { std::slice::from_raw_parts(args, nargs) };
        *out = (*(instance as *mut WrbInstance)).call_n(export, args, result_tag)?;
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

// ---------------------------------------------------------------------------
// C ABI: WASI commands (see the top of this file)

unsafe fn bytes_arg<'a>(p: *const u8, len: usize, what: &str) -> Result<&'a [u8], String> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(format!("wrb_lucet: {} is a null pointer", what));
    }
    Ok(std::slice::from_raw_parts(p, len))
}

unsafe fn instance_arg<'a>(instance: *mut c_void) -> Result<&'a mut WrbInstance, String> {
    if instance.is_null() {
        return Err("wrb_lucet: instance is a null pointer".into());
    }
    Ok(&mut *(instance as *mut WrbInstance))
}

/// lucetc with the WASI preview-1 and `bench` bindings: wasm bytes -> shared object at
/// `so_path`. `flags`: 0, or [`WRB_LUCET_LOWER_BULK_MEMORY`].
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_compile_wasi(
    wasm: *const u8,
    len: usize,
    so_path: *const c_char,
    flags: u32,
) -> *mut c_char {
    guard(|| {
        let bytes = bytes_arg(wasm, len, "wasm")?;
        let so_path = cstr_arg(so_path, "so_path")?;
        compile_wasi_to_file(bytes, so_path, flags)
    })
}

/// A new instance of `module` with a new WASI context, not yet run.
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_wasi_start(
    module: *mut c_void,
    argv: *const *const c_char,
    argc: usize,
    preopen_host_dir: *const c_char,
    guest_dir: *const c_char,
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
        if argv.is_null() && argc != 0 {
            return Err("wrb_lucet: argv is a null pointer".into());
        }
        let mut args = Vec::with_capacity(argc);
        for i in 0..argc {
            args.push(cstr_arg(*argv.add(i), "an argv element")?.to_string());
        }
        let preopen = match (preopen_host_dir.is_null(), guest_dir.is_null()) {
            (true, true) => None,
            (false, false) => Some((
                cstr_arg(preopen_host_dir, "preopen_host_dir")?,
                cstr_arg(guest_dir, "guest_dir")?,
            )),
            _ => return Err("wrb_lucet: preopen_host_dir and guest_dir must both be given, or both null".into()),
        };
        let m = &*(module as *const WrbModule);
        let inst = m.wasi_start(&args, preopen)?;
        *instance_out = Box::into_raw(Box::new(inst)) as *mut c_void;
        Ok(())
    })
}

/// Sets the functions `bench.start` and `bench.end` call (either may be null: nothing is
/// called), with `data`, for this instance only; replaces earlier ones.
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_wasi_set_bench_hooks(
    instance: *mut c_void,
    start: Option<extern "C" fn(*mut c_void)>,
    end: Option<extern "C" fn(*mut c_void)>,
    data: *mut c_void,
) -> *mut c_char {
    guard(|| {
        instance_arg(instance)?.set_bench_hooks(BenchHooks { start, end, data });
        Ok(())
    })
}

/// Runs `_start` to its end; `*exit_code` is 0 when it returns, n after `proc_exit(n)`.
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_wasi_run(instance: *mut c_void, exit_code: *mut i32) -> *mut c_char {
    guard(|| {
        if exit_code.is_null() {
            return Err("wrb_lucet: exit_code is a null pointer".into());
        }
        *exit_code = instance_arg(instance)?.wasi_run()?;
        Ok(())
    })
}

/// Copies of what the guest wrote to stdout and stderr; each buffer is owned by the
/// caller (release with [`wrb_lucet_free_bytes`]); an empty one is (null, 0).
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_wasi_output(
    instance: *mut c_void,
    stdout_ptr: *mut *mut u8,
    stdout_len: *mut usize,
    stderr_ptr: *mut *mut u8,
    stderr_len: *mut usize,
) -> *mut c_char {
    guard(|| {
        if stdout_ptr.is_null() || stdout_len.is_null() || stderr_ptr.is_null() || stderr_len.is_null() {
            return Err("wrb_lucet: an output pointer is null".into());
        }
        *stdout_ptr = std::ptr::null_mut();
        *stdout_len = 0;
        *stderr_ptr = std::ptr::null_mut();
        *stderr_len = 0;
        let (out, err) = instance_arg(instance)?.wasi_output()?;
        let give = |v: Vec<u8>, p: *mut *mut u8, l: *mut usize| {
            if !v.is_empty() {
                let len = v.len();
                *p = Box::into_raw(v.into_boxed_slice()) as *mut u8;
                *l = len;
            }
        };
        give(out, stdout_ptr, stdout_len);
        give(err, stderr_ptr, stderr_len);
        Ok(())
    })
}

/// Releases a buffer from [`wrb_lucet_wasi_output`] (null is ignored).
#[no_mangle]
pub unsafe extern "C" fn wrb_lucet_free_bytes(ptr: *mut u8, len: usize) {
    if ptr.is_null() {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(|| {
        drop(Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)));
    }));
}
