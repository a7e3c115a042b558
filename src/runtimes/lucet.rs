//! Lucet 0.6.1 (lucetc + lucet-runtime, archived in 2020), built for ahead-of-time
//! compilation. It does not build with current Rust, so it lives in `lucet/` on its own
//! toolchain (Rust 1.79) as `libwrb_lucet.so`, a small C ABI that this adapter opens at
//! run time with RTLD_GLOBAL (the modules lucet-runtime loads resolve `lucet_vmctx_*`
//! from it). Without the library, every step skips Lucet and says why.
//!
//! - compile: lucetc compiles the wasm to a shared object, which it can only write to a
//!   file (a private temporary one here), for a Sandybridge CPU (Lucet's own CPU
//!   detection panics on current CPUs).
//! - load, on the first instantiation: dlopen of the shared object and a memory region
//!   of 16 instance slots. It is part of JIT and AOT execute, not of instantiate.
//! - instantiate: a new instance in the loaded module's region.
//! - AOT: the artifact is the shared object with this suite's seal at its end; once the
//!   seal is checked, lucet-runtime opens the artifact file itself (the dynamic loader
//!   ignores the bytes after the object).

use crate::proposal::Proposal;
use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, ValType, Value};
use anyhow::{Context, Result, anyhow, bail};
use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
use std::cell::OnceCell;
use std::ffi::{CStr, CString, c_char, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

#[repr(C)]
#[derive(Clone, Copy)]
struct WrbValue {
    tag: u32,
    bits: u64,
}

type Error = *mut c_char;

/// The library's entry points (see `lucet/src/lib.rs`).
struct Api {
    version: String,
    compile: unsafe extern "C" fn(*const u8, usize, *const c_char) -> Error,
    load: unsafe extern "C" fn(*const c_char, *mut *mut c_void) -> Error,
    check_export: unsafe extern "C" fn(*mut c_void, *const c_char, u32, u32) -> Error,
    instantiate: unsafe extern "C" fn(*mut c_void, *mut *mut c_void) -> Error,
    call: unsafe extern "C" fn(*mut c_void, *const c_char, WrbValue, u32, *mut WrbValue) -> Error,
    noop: unsafe extern "C" fn(*mut c_void) -> u32,
    free_instance: unsafe extern "C" fn(*mut c_void),
    free_module: unsafe extern "C" fn(*mut c_void),
    free_error: unsafe extern "C" fn(Error),
    _library: Library,
}

/// `$WRB_LUCET_LIB`, else what `lucet/build.sh` builds.
pub fn library_path() -> PathBuf {
    std::env::var_os("WRB_LUCET_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("lucet/target/release/libwrb_lucet.so"))
}

fn open() -> Result<Api> {
    let path = library_path();
    if !path.exists() {
        bail!("{} is not built (lucet/build.sh builds it; ./suite does so on set-up)", path.display());
    }
    // SAFETY: the library is this project's own wrapper; opening it runs no initializers
    // beyond Rust's, and the symbols below have the types `lucet/src/lib.rs` gives them.
    unsafe {
        let library = Library::open(Some(&path), RTLD_NOW | RTLD_GLOBAL)
            .with_context(|| format!("opening {}", path.display()))?;
        macro_rules! symbol {
            ($name:literal) => {
                *library.get($name).with_context(|| {
                    format!("{} lacks {}: rebuild it with lucet/build.sh", path.display(), String::from_utf8_lossy($name))
                })?
            };
        }
        let version: unsafe extern "C" fn() -> *const c_char = symbol!(b"wrb_lucet_version");
        Ok(Api {
            version: CStr::from_ptr(version()).to_string_lossy().into_owned(),
            compile: symbol!(b"wrb_lucet_compile"),
            load: symbol!(b"wrb_lucet_load"),
            check_export: symbol!(b"wrb_lucet_check_export"),
            instantiate: symbol!(b"wrb_lucet_instantiate"),
            call: symbol!(b"wrb_lucet_call"),
            noop: symbol!(b"wrb_lucet_noop"),
            free_instance: symbol!(b"wrb_lucet_free_instance"),
            free_module: symbol!(b"wrb_lucet_free_module"),
            free_error: symbol!(b"wrb_lucet_free_error"),
            _library: library,
        })
    }
}

/// The library, opened once; or why it cannot be.
fn api() -> Result<&'static Api, &'static str> {
    static API: OnceLock<Result<Api, &'static str>> = OnceLock::new();
    API.get_or_init(|| open().map_err(|e| &*Box::leak(format!("Lucet is not available: {e:#}").into_boxed_str())))
        .as_ref()
        .map_err(|reason| *reason)
}

impl Api {
    /// Turns the library's error message, if any, into an error (and frees it).
    fn check(&self, error: Error) -> Result<()> {
        if error.is_null() {
            return Ok(());
        }
        // SAFETY: a non-null error is a NUL-terminated string the library allocated.
        let message = unsafe { CStr::from_ptr(error).to_string_lossy().into_owned() };
        unsafe { (self.free_error)(error) };
        Err(anyhow!(message))
    }
}

fn c_path(path: &Path) -> Result<CString> {
    CString::new(path.as_os_str().as_bytes()).context("path with a NUL byte")
}

pub struct Lucet;

impl Lucet {
    /// One call into the library that does nothing: the boundary's own cost.
    pub fn cross_boundary(&self) -> Result<u32> {
        let api = api().map_err(|reason| anyhow!(reason))?;
        Ok(unsafe { (api.noop)(std::ptr::null_mut()) })
    }
}

impl Runtime for Lucet {
    fn name(&self) -> &'static str {
        "lucet"
    }

    fn version(&self) -> String {
        api().map_or_else(|reason| reason.to_string(), |api| api.version.clone())
    }

    fn unsupported(&self, step: Step) -> Option<&'static str> {
        api().err().or_else(|| {
            step.is_wasi().then_some(
                "lucet-wasi 0.6.1 implements only `wasi_unstable` (WASI preview 0); the WASI samples are wasi_snapshot_preview1 commands, whose seek and file-status layouts differ",
            )
        })
    }

    /// lucetc 0.6.1: "Wasm validation: bulk memory support is not enabled".
    fn missing_proposals(&self) -> &'static [Proposal] {
        &[Proposal::BulkMemory, Proposal::ReferenceTypes]
    }

    fn renew(&self) -> Box<dyn Runtime> {
        Box::new(Lucet)
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let api = api().map_err(|reason| anyhow!(reason))?;
        let object = SharedObject::temporary()?;
        let path = c_path(&object.path)?;
        api.check(unsafe { (api.compile)(sample.wasm.as_ptr(), sample.wasm.len(), path.as_ptr()) })?;
        Ok(Box::new(LucetModule { api, object, loaded: OnceCell::new() }))
    }

    unsafe fn deserialize(&self, artifact: Vec<u8>) -> Result<Box<dyn Module>> {
        let api = api().map_err(|reason| anyhow!(reason))?;
        let object = SharedObject::temporary()?;
        std::fs::write(&object.path, &artifact)?;
        Ok(Box::new(LucetModule { api, object, loaded: OnceCell::new() }))
    }

    unsafe fn load_artifact(&self, path: &Path, module_bytes: Vec<u8>) -> Result<Box<dyn Module>> {
        let api = api().map_err(|reason| anyhow!(reason))?;
        let object = SharedObject { path: path.to_owned(), len: module_bytes.len(), temporary: false };
        let module = LucetModule { api, object, loaded: OnceCell::new() };
        module.loaded()?;
        Ok(Box::new(module))
    }
}

/// A shared object on disk: the first `len` bytes of the file at `path`.
struct SharedObject {
    path: PathBuf,
    len: usize,
    temporary: bool,
}

impl SharedObject {
    fn temporary() -> Result<SharedObject> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join("wasm-runtime-bench-lucet");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let name = format!("{}-{}.so", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        Ok(SharedObject { path: dir.join(name), len: usize::MAX, temporary: true })
    }
}

impl Drop for SharedObject {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A loaded module and its region.
struct Loaded {
    api: &'static Api,
    handle: *mut c_void,
}

impl Drop for Loaded {
    fn drop(&mut self) {
        unsafe { (self.api.free_module)(self.handle) }
    }
}

struct LucetModule {
    api: &'static Api,
    object: SharedObject,
    loaded: OnceCell<Rc<Loaded>>,
}

impl LucetModule {
    fn loaded(&self) -> Result<&Rc<Loaded>> {
        if let Some(loaded) = self.loaded.get() {
            return Ok(loaded);
        }
        let path = c_path(&self.object.path)?;
        let mut handle = std::ptr::null_mut();
        self.api.check(unsafe { (self.api.load)(path.as_ptr(), &mut handle) })?;
        Ok(self.loaded.get_or_init(|| Rc::new(Loaded { api: self.api, handle })))
    }
}

fn tag(ty: ValType) -> u32 {
    match ty {
        ValType::I32 => 0,
        ValType::I64 => 1,
        ValType::F32 => 2,
        ValType::F64 => 3,
    }
}

impl Module for LucetModule {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let module = Rc::clone(self.loaded()?);
        let name = CString::new(export.name.as_str())?;
        let api = self.api;
        api.check(unsafe { (api.check_export)(module.handle, name.as_ptr(), tag(export.param), tag(export.result)) })?;
        let mut handle = std::ptr::null_mut();
        api.check(unsafe { (api.instantiate)(module.handle, &mut handle) })?;
        Ok(Box::new(LucetInstance { api, _module: module, handle, name, result: export.result }))
    }

    fn serialize(&self) -> Result<Vec<u8>> {
        let mut bytes = std::fs::read(&self.object.path)
            .with_context(|| format!("reading the shared object {}", self.object.path.display()))?;
        bytes.truncate(self.object.len);
        Ok(bytes)
    }
}

struct LucetInstance {
    api: &'static Api,
    _module: Rc<Loaded>,
    handle: *mut c_void,
    name: CString,
    result: ValType,
}

impl Drop for LucetInstance {
    fn drop(&mut self) {
        unsafe { (self.api.free_instance)(self.handle) }
    }
}

impl Instance for LucetInstance {
    fn call(&mut self, arg: Value) -> Result<Value> {
        let arg = match arg {
            Value::I32(v) => WrbValue { tag: 0, bits: v as u32 as u64 },
            Value::I64(v) => WrbValue { tag: 1, bits: v as u64 },
            Value::F32(v) => WrbValue { tag: 2, bits: v.to_bits() as u64 },
            Value::F64(v) => WrbValue { tag: 3, bits: v.to_bits() },
        };
        let mut out = WrbValue { tag: 0, bits: 0 };
        self.api.check(unsafe { (self.api.call)(self.handle, self.name.as_ptr(), arg, tag(self.result), &mut out) })?;
        Ok(match self.result {
            ValType::I32 => Value::I32(out.bits as u32 as i32),
            ValType::I64 => Value::I64(out.bits as i64),
            ValType::F32 => Value::F32(f32::from_bits(out.bits as u32)),
            ValType::F64 => Value::F64(f64::from_bits(out.bits)),
        })
    }
}
