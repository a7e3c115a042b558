//! The `native` runtime: each sample's own source compiled for the host, the same program
//! built the same way as its wasm: the crates of `wasm-sample/` (and mruby-script's C, by
//! clang-22) linked into one shared library with the samples' own profile (fat LTO, one
//! codegen unit, panic = abort), for the x86-64 baseline CPU (`wasm-sample/native-twins`,
//! built by `./suite setup`). Called through a function pointer; for the WASI samples, the
//! command's library called in-process with the host's file system.

use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, ValType, Value};
use anyhow::{Context, Result, anyhow, bail};
use libloading::Library;
use std::path::PathBuf;
use std::sync::OnceLock;

/// A twin's entry point with the signature of the sample's export.
#[derive(Clone, Copy)]
pub enum Twin {
    I32ToI32(extern "C" fn(i32) -> i32),
    I32ToF64(extern "C" fn(i32) -> f64),
}

impl Twin {
    pub fn export(self, name: &str) -> Export {
        let result = match self {
            Twin::I32ToI32(_) => ValType::I32,
            Twin::I32ToF64(_) => ValType::F64,
        };
        Export { name: name.to_string(), params: vec![ValType::I32], result: Some(result) }
    }

    #[inline]
    pub fn call(self, args: &[Value]) -> Result<Option<Value>> {
        match (self, args) {
            (Twin::I32ToI32(f), [Value::I32(a)]) => Ok(Some(Value::I32(f(*a)))),
            (Twin::I32ToF64(f), [Value::I32(a)]) => Ok(Some(Value::F64(f(*a)))),
            _ => bail!("the native twin takes one i32, got {args:?}"),
        }
    }
}

/// `$WRB_NATIVE_LIB`, else what `./suite setup` builds.
pub fn library_path() -> PathBuf {
    std::env::var_os("WRB_NATIVE_LIB")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::artifact::target_dir().join("native-twins/wasm-sample/libnative_twins.so"))
}

fn library() -> Result<&'static Library> {
    static LIBRARY: OnceLock<std::result::Result<Library, String>> = OnceLock::new();
    LIBRARY
        .get_or_init(|| {
            let path = library_path();
            // SAFETY: the project's own library of plain functions; no initializers but Rust's.
            unsafe { Library::new(&path) }
                .map_err(|e| format!("the native twins are not built ({}: {e}); `./suite setup` builds them", path.display()))
        })
        .as_ref()
        .map_err(|e| anyhow!("{e}"))
}

/// The native twin of each sample, by sample name.
pub fn twin(sample: &str) -> Result<Twin> {
    let library = library()?;
    let symbol = format!("wrb_native_{}", sample.replace('-', "_"));
    let float = sample == "nbody";
    // SAFETY: the library exports each twin with the signature its sample's export has
    // (wasm-sample/native-twins/src/lib.rs); `nbody` is the one returning f64.
    unsafe {
        Ok(if float {
            Twin::I32ToF64(*library.get::<extern "C" fn(i32) -> f64>(symbol.as_bytes()).with_context(|| format!("sample `{sample}` has no native twin"))?)
        } else {
            Twin::I32ToI32(*library.get::<extern "C" fn(i32) -> i32>(symbol.as_bytes()).with_context(|| format!("sample `{sample}` has no native twin"))?)
        })
    }
}

pub struct Native;

struct NativeModule(Twin);

impl Runtime for Native {
    fn name(&self) -> &'static str {
        "native"
    }

    fn version(&self) -> String {
        format!("native {} (x86-64 baseline, the samples' profile)", env!("CARGO_PKG_VERSION"))
    }

    fn unsupported(&self, step: Step) -> Option<String> {
        if let Err(e) = library() {
            return Some(e.to_string());
        }
        match step {
            Step::Execute | Step::WasiRun => None,
            Step::Wasi => Some("native code is compiled ahead of time by cargo; only the run is comparable (wasi_run)".into()),
            _ => Some("native code is compiled ahead of time by cargo; only execution is comparable".into()),
        }
    }

    /// Only the committed samples have twins.
    fn cannot_run(&self, sample: &str, _proposals: &[crate::proposal::Proposal]) -> Option<String> {
        twin(sample).err().map(|_| format!("sample `{sample}` has no native twin (only the committed samples do)"))
    }

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new(Native))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        Ok(Box::new(NativeModule(twin(&sample.name)?)))
    }

    #[cfg(feature = "wasi")]
    fn compile_wasi(&self, sample: &crate::wasi::WasiSample) -> Result<Box<dyn crate::wasi::WasiModule>> {
        wasi::compile(sample)
    }
}

impl Module for NativeModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let own = self.0.export(&export.name);
        anyhow::ensure!(own.params == export.params && own.result == export.result, "export {export}: the native twin is {own}");
        Ok(Box::new(NativeModule(self.0)))
    }
}

impl Instance for NativeModule {
    #[inline]
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        self.0.call(args)
    }
}

#[cfg(feature = "wasi")]
mod wasi {
    use super::library;
    use crate::wasi::{WasiCommand, WasiInstance, WasiModule, WasiRan, WasiSample};
    use anyhow::{Context, Result, bail};
    use std::ffi::{CString, c_char};

    #[repr(C)]
    struct Bytes {
        ptr: *mut u8,
        len: usize,
    }

    type Command = unsafe extern "C" fn(usize, *const *const c_char, *mut Bytes, *mut Bytes) -> i32;
    type Free = unsafe extern "C" fn(Bytes);

    pub fn compile(sample: &WasiSample) -> Result<Box<dyn WasiModule>> {
        let library = library()?;
        if sample.name != "wordfreq" {
            bail!("WASI sample `{}` has no native twin", sample.name);
        }
        // SAFETY: signatures as wasm-sample/native-twins/src/lib.rs defines them.
        let (run, free) = unsafe { (*library.get::<Command>(b"wrb_native_wordfreq")?, *library.get::<Free>(b"wrb_native_free")?) };
        Ok(Box::new(NativeWasi { run, free }))
    }

    struct NativeWasi {
        run: Command,
        free: Free,
    }

    impl WasiModule for NativeWasi {
        /// Paths under the guest directory in the arguments become the host paths of the
        /// preopened directory; native code has no sandbox, so the guest's view is not enforced.
        fn instantiate(&self, command: &WasiCommand) -> Result<Box<dyn WasiInstance>> {
            let guest_dir = format!("{}/", command.guest_dir.trim_end_matches('/'));
            let argv: Vec<CString> = command
                .argv()
                .into_iter()
                .map(|arg| match arg.strip_prefix(&guest_dir) {
                    Some(path) => command.preopen.join(path).to_string_lossy().into_owned(),
                    None => arg,
                })
                .map(|arg| CString::new(arg).context("an argument with a NUL byte"))
                .collect::<Result<_>>()?;
            Ok(Box::new(NativeWasiInstance { run: self.run, free: self.free, argv }))
        }
    }

    struct NativeWasiInstance {
        run: Command,
        free: Free,
        argv: Vec<CString>,
    }

    impl WasiInstance for NativeWasiInstance {
        fn start(self: Box<Self>) -> Result<WasiRan> {
            let pointers: Vec<*const c_char> = self.argv.iter().map(|a| a.as_ptr()).collect();
            let (mut out, mut err) = (Bytes { ptr: std::ptr::null_mut(), len: 0 }, Bytes { ptr: std::ptr::null_mut(), len: 0 });
            // SAFETY: argv holds NUL-terminated strings that outlive the call.
            let code = unsafe { (self.run)(pointers.len(), pointers.as_ptr(), &mut out, &mut err) };
            let free = self.free;
            Ok(WasiRan::new(code, move || {
                let take = |bytes: Bytes| {
                    let copy = if bytes.ptr.is_null() { Vec::new() } else { unsafe { std::slice::from_raw_parts(bytes.ptr, bytes.len) }.to_vec() };
                    unsafe { free(bytes) };
                    copy
                };
                (take(out), take(err))
            }))
        }
    }
}
