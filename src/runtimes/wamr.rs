//! WAMR (WebAssembly Micro Runtime, iwasm, mid-2020 sources) through the raw bindings of
//! `wamr-sys` 0.1.1, configured as that crate builds it: fast interpreter
//! (`WASM_ENABLE_FAST_INTERP=1`), AOT loader present but unused, no JIT, no bulk memory,
//! the system allocator. The runtime is initialized once per process and never destroyed.
//! It links statically (`libvmlib.a`), so nothing is looked up at run time.
//! WAMR's AOT needs its separate `wamrc` compiler (LLVM), which wamr-sys does not build,
//! so WAMR stays out of the AOT steps.
//!
//! The steps:
//! - `compile`: `wasm_runtime_load` on a copy of the bytes the module keeps (WAMR points
//!   into them): parse, validate, and the fast interpreter's translation of every
//!   function body into its own code.
//! - `instantiate`: `wasm_runtime_instantiate` (memory, globals, tables, data and element
//!   segments; no app heap), an execution environment with a 64 KiB wasm stack given this
//!   thread's handle and native stack bound, looking up the export and checking its type.
//!   This WAMR has no public call to read a function's type: the adapter reads it from
//!   WAMR's `WASMFunctionInstance` and `WASMType` structs, mirrored below for this pinned
//!   version and build configuration.
//! - `execute`: the arguments and result in a cell array on the Rust stack, no allocation.
//!
//! Per thread, once: this WAMR finds the calling thread's stack bound anew for every call
//! (`wasm_runtime_call_wasm` calls `wasm_exec_env_set_thread_info`, whose
//! `pthread_getattr_np` reads /proc/self/maps on a process's main thread: 35 µs per call
//! of `add-one` here, more as the process maps more). Later WAMR versions keep the bound
//! in a thread-local; the adapter does the same: `Wamr::new` asks WAMR once per thread
//! (outside any timed step), and each new execution environment gets the thread's handle
//! and bound written in; calls go to `wasm_call_function` directly. A trap is an exception
//! on the instance, which the adapter reports and clears, so the instance can be called again.

use crate::proposal::Proposal;
use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, ValType, Value, check_args};
use anyhow::{Result, bail, ensure};
use std::ffi::{CStr, CString, c_char};
use std::rc::Rc;
use std::sync::OnceLock;
use wamr_sys::*;

/// The wasm stack (WAMR's frames and operands) of every execution environment.
const STACK_BYTES: u32 = 64 * 1024;

// wamr-sys links `libiwasm.so` and `libvmlib.a` built from the same sources. Naming the
// static library here bundles it ahead of the shared one, so every WAMR symbol resolves
// from it and the shared library (which would have to be found at run time, and which
// misses `-lm`) is dropped by the linker's `--as-needed`.
#[link(name = "vmlib", kind = "static")]
unsafe extern "C" {
    // What `wasm_runtime_call_wasm` does for a bytecode module (wasm_runtime_common.c),
    // exported by WAMR but missing from its header.
    fn wasm_exec_env_set_thread_info(exec_env: wasm_exec_env_t);
    fn wasm_call_function(exec_env: wasm_exec_env_t, function: wasm_function_inst_t, argc: u32, argv: *mut u32) -> bool;
}

fn init() -> Result<()> {
    static INIT: OnceLock<bool> = OnceLock::new();
    // SAFETY: called once per process, before any other WAMR call.
    ensure!(*INIT.get_or_init(|| unsafe { wasm_runtime_init() }), "wasm_runtime_init failed");
    Ok(())
}

/// The text WAMR wrote into an error buffer.
fn message(buf: &[c_char]) -> String {
    unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
}

pub struct Wamr;

impl Wamr {
    /// WAMR, initialized for the process, with this thread's stack bound known.
    pub fn new() -> Result<Wamr> {
        init()?;
        thread_info()?;
        Ok(Wamr)
    }
}

/// The first fields of WAMR's `WASMExecEnv` (core/iwasm/common/wasm_exec_env.h) as this
/// build lays it out: AOT support on (`argv_buf`), no thread manager.
#[repr(C)]
struct ExecEnvHead {
    next: *mut std::ffi::c_void,
    prev: *mut std::ffi::c_void,
    module_inst: *mut std::ffi::c_void,
    argv_buf: *mut u32,
    native_stack_boundary: *mut u8,
    aux_stack_boundary: u32,
    attachment: *mut std::ffi::c_void,
    user_data: *mut std::ffi::c_void,
    cur_frame: *mut std::ffi::c_void,
    handle: libc::pthread_t,
}

/// This thread's handle and native stack bound as WAMR computes them, asked once per
/// thread (on an execution environment of an empty module) and checked against the mirror.
fn thread_info() -> Result<(libc::pthread_t, *mut u8)> {
    thread_local! {
        static INFO: std::cell::OnceCell<(libc::pthread_t, usize)> = const { std::cell::OnceCell::new() };
    }
    let ask = || -> Result<(libc::pthread_t, usize)> {
        let empty = *b"\0asm\x01\0\0\0";
        let mut error = [0 as c_char; 128];
        // SAFETY: `empty` outlives the module, which is unloaded below; every handle is freed.
        unsafe {
            let module = wasm_runtime_load(empty.as_ptr(), empty.len() as u32, error.as_mut_ptr(), error.len() as u32);
            ensure!(!module.is_null(), "loading an empty module: {}", message(&error));
            let inst = wasm_runtime_instantiate(module, STACK_BYTES, 0, error.as_mut_ptr(), error.len() as u32);
            let env = if inst.is_null() { std::ptr::null_mut() } else { wasm_runtime_create_exec_env(inst, STACK_BYTES) };
            let info = if env.is_null() {
                None
            } else {
                wasm_exec_env_set_thread_info(env);
                let head = &*env.cast::<ExecEnvHead>();
                Some((head.handle, head.native_stack_boundary as usize, head.module_inst == inst.cast()))
            };
            if !env.is_null() {
                wasm_runtime_destroy_exec_env(env);
            }
            if !inst.is_null() {
                wasm_runtime_deinstantiate(inst);
            }
            wasm_runtime_unload(module);
            let (handle, bound, same) = info.ok_or_else(|| anyhow::anyhow!("an execution environment for an empty module: {}", message(&error)))?;
            ensure!(
                same && handle == libc::pthread_self() && bound != 0,
                "WAMR's execution environment is not laid out as this adapter was written for"
            );
            Ok((handle, bound))
        }
    };
    INFO.with(|info| {
        if info.get().is_none() {
            let asked = ask()?;
            let _ = info.set(asked);
        }
        let (handle, bound) = *info.get().expect("set above");
        Ok((handle, bound as *mut u8))
    })
}

impl Runtime for Wamr {
    fn name(&self) -> &'static str {
        "wamr"
    }

    fn version(&self) -> String {
        "wamr (wamr-sys 0.1.1), fast interpreter".into()
    }

    fn unsupported(&self, step: Step) -> Option<String> {
        match step {
            _ if step.is_aot() => Some("wamr runs here as its fast interpreter: its AOT needs wamrc, which wamr-sys does not build".into()),
            Step::Wasi | Step::WasiRun => Some(
                "the 2020 WAMR of wamr-sys 0.1.1 has WASI (libc-wasi), but its guests write to the process's own stdout: no way to capture it (wasm_runtime_set_wasi_args_ex came later)".into(),
            ),
            _ => None,
        }
    }

    /// "unsupported opcode fc 0b" and "zero flag expected" on Rust 1.95's default output.
    fn missing_proposals(&self) -> &'static [Proposal] {
        &[Proposal::BulkMemory, Proposal::ReferenceTypes]
    }

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new(Wamr::new()?))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        init()?;
        let wasm: Box<[u8]> = sample.wasm.as_slice().into();
        let mut error = [0 as c_char; 128];
        // SAFETY: `wasm` outlives the module: `LoadedModule` unloads before dropping it.
        let raw = unsafe { wasm_runtime_load(wasm.as_ptr(), wasm.len().try_into()?, error.as_mut_ptr(), error.len() as u32) };
        ensure!(!raw.is_null(), "{}", message(&error));
        Ok(Box::new(WamrModule(Rc::new(LoadedModule { raw, _wasm: wasm }))))
    }
}

/// A loaded module and the bytes it points into; instances hold it, so it outlives them.
struct LoadedModule {
    raw: wasm_module_t,
    _wasm: Box<[u8]>,
}

impl Drop for LoadedModule {
    fn drop(&mut self) {
        unsafe { wasm_runtime_unload(self.raw) };
    }
}

struct WamrModule(Rc<LoadedModule>);

impl Module for WamrModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let mut error = [0 as c_char; 128];
        let raw = unsafe { wasm_runtime_instantiate(self.0.raw, STACK_BYTES, 0, error.as_mut_ptr(), error.len() as u32) };
        ensure!(!raw.is_null(), "{}", message(&error));
        // From here on, dropping `instance` deinstantiates.
        let mut instance = Live { inst: raw, exec_env: std::ptr::null_mut(), _module: self.0.clone() };
        instance.exec_env = unsafe { wasm_runtime_create_exec_env(raw, STACK_BYTES) };
        ensure!(!instance.exec_env.is_null(), "wasm_runtime_create_exec_env failed");
        // This thread's handle and stack bound (`Live` is not `Send`), as WAMR gave them.
        let (handle, bound) = thread_info()?;
        // SAFETY: the mirror's layout was checked on this thread's first environment.
        unsafe {
            let head = &mut *instance.exec_env.cast::<ExecEnvHead>();
            head.handle = handle;
            head.native_stack_boundary = bound;
        }
        let name = CString::new(export.name.as_str())?;
        let function = unsafe { wasm_runtime_lookup_function(raw, name.as_ptr(), std::ptr::null()) };
        ensure!(!function.is_null(), "export {export} not found");
        let (params, results) = unsafe { signature(function) }?;
        ensure!(
            params == export.params && results.as_slice() == export.result.as_slice(),
            "export {export} has type {params:?} -> {results:?}"
        );
        let cells: usize = params.iter().map(|p| cells(*p)).sum();
        ensure!(cells <= MAX_CELLS && results.len() <= 1, "export {export}: the WAMR adapter passes at most {MAX_CELLS} cells");
        Ok(Box::new(WamrInstance { live: instance, function, export: export.clone(), cells: cells as u32 }))
    }
}

/// The first fields of WAMR's `WASMFunctionInstance` (core/iwasm/interpreter/wasm_runtime.h)
/// as this build lays it out: fast interpreter, no multi-module.
#[repr(C)]
struct FunctionInstance {
    is_import_func: bool,
    param_count: u16,
    local_count: u16,
    param_cell_num: u16,
    ret_cell_num: u16,
    local_cell_num: u16,
    const_cell_num: u16,
    local_offsets: *const u16,
    param_types: *const u8,
    local_types: *const u8,
    /// `u.func`: a `WASMFunction`, whose first field (no custom name section) is its type.
    func: *const *const FuncType,
}

/// WAMR's `WASMType` (core/iwasm/interpreter/wasm.h): counts, then the parameter and
/// result types as wasm encodes them.
#[repr(C)]
struct FuncType {
    param_count: u16,
    result_count: u16,
    param_cell_num: u16,
    ret_cell_num: u16,
    types: [u8; 0],
}

/// The parameter and result types of an exported function of a bytecode module instance.
///
/// # Safety
/// `function` must be what `wasm_runtime_lookup_function` returned for a bytecode module.
unsafe fn signature(function: wasm_function_inst_t) -> Result<(Vec<ValType>, Vec<ValType>)> {
    let function = unsafe { &*function.cast::<FunctionInstance>() };
    ensure!(!function.is_import_func, "re-exported imports are not supported");
    let ty = unsafe { &**function.func };
    // The same counts are kept in both structs: a mismatch would mean the mirror is wrong.
    ensure!(
        ty.param_count == function.param_count
            && ty.param_cell_num == function.param_cell_num
            && ty.ret_cell_num == function.ret_cell_num,
        "WAMR's function layout is not the one this adapter was written for"
    );
    let count = usize::from(ty.param_count) + usize::from(ty.result_count);
    let types = unsafe { std::slice::from_raw_parts(ty.types.as_ptr(), count) };
    let val_type = |code: &u8| match code {
        0x7f => Ok(ValType::I32),
        0x7e => Ok(ValType::I64),
        0x7d => Ok(ValType::F32),
        0x7c => Ok(ValType::F64),
        other => bail!("value type 0x{other:x}"),
    };
    let (params, results) = types.split_at(ty.param_count.into());
    Ok((params.iter().map(val_type).collect::<Result<_>>()?, results.iter().map(val_type).collect::<Result<_>>()?))
}

/// The 32-bit cells a value takes in WAMR's argument array (low half first).
fn cells(ty: ValType) -> usize {
    match ty {
        ValType::I32 | ValType::F32 => 1,
        ValType::I64 | ValType::F64 => 2,
    }
}

/// The cells a call passes, on the stack.
const MAX_CELLS: usize = 32;

/// An instance and its execution environment, destroyed together.
struct Live {
    inst: wasm_module_inst_t,
    exec_env: wasm_exec_env_t,
    _module: Rc<LoadedModule>,
}

impl Drop for Live {
    fn drop(&mut self) {
        unsafe {
            if !self.exec_env.is_null() {
                wasm_runtime_destroy_exec_env(self.exec_env);
            }
            wasm_runtime_deinstantiate(self.inst);
        }
    }
}

struct WamrInstance {
    live: Live,
    function: wasm_function_inst_t,
    export: Export,
    cells: u32,
}

impl Instance for WamrInstance {
    #[inline]
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        check_args(&self.export, args)?;
        let mut argv = [0u32; MAX_CELLS];
        let mut at = 0;
        for arg in args {
            let bits = arg.bits();
            argv[at] = bits as u32;
            if cells(arg.ty()) == 2 {
                argv[at + 1] = (bits >> 32) as u32;
            }
            at += cells(arg.ty());
        }
        // SAFETY: the function belongs to this instance and its type was checked: it takes
        // `self.cells` cells and returns at most two. The execution environment is valid and
        // has its thread's information: this is the thread that made it.
        if unsafe { wasm_call_function(self.live.exec_env, self.function, self.cells, argv.as_mut_ptr()) } {
            Ok(self.export.result.map(|ty| Value::from_bits(ty, u64::from(argv[0]) | u64::from(argv[1]) << 32)))
        } else {
            let exception = unsafe { wasm_runtime_get_exception(self.live.inst) };
            let message = if exception.is_null() {
                "call failed".into()
            } else {
                unsafe { CStr::from_ptr(exception) }.to_string_lossy().into_owned()
            };
            unsafe { wasm_runtime_clear_exception(self.live.inst) };
            bail!("{message}")
        }
    }
}
