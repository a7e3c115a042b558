//! Lucet 0.6.1 (lucetc + lucet-runtime, archived in 2020), built for ahead-of-time
//! compilation. It does not build with current Rust, so it lives in `lucet/` on its own
//! toolchain (Rust 1.79) as `libwrb_lucet.so`, a small C ABI that this adapter opens at
//! run time with RTLD_GLOBAL (the modules lucet-runtime loads resolve `lucet_vmctx_*`
//! from it). Without the library, every step skips Lucet and says why.
//!
//! - compile: lucetc compiles the wasm to a shared object, which it can only write to a
//!   file (in a fresh private directory, mode 0700, removed with the module), for a
//!   Sandybridge CPU (Lucet's own CPU detection panics on current CPUs).
//! - load, on the first instantiation: dlopen of the shared object and a memory region
//!   of 16 instance slots. It is part of JIT and AOT execute, not of instantiate.
//! - instantiate: a new instance in the loaded module's region.
//! - AOT: the artifact is the shared object (with this suite's seal at its end on disk);
//!   lucet-runtime dlopens the private copy of the checked bytes that the artifact store
//!   hands over.
//! - calls: the arguments and the result tagged with their types across the C ABI.
//! - WASI (feature `wasi`): lucet-wasi 0.6.1 implements preview 0 (`wasi_unstable`); the
//!   library binds every `wasi_snapshot_preview1` import to it, translating the calls
//!   whose layouts differ (`fd_seek`'s whence, `filestat`, `poll_oneoff`), with a read-only
//!   preopened directory and stdout/stderr in memory (`lucet/src/wasi.rs`).

use crate::proposal::Proposal;
use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, ValType, Value, check_args};
use anyhow::{Context, Result, anyhow, bail};
use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
use std::cell::OnceCell;
use std::ffi::{CStr, CString, c_char, c_void};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;

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
    compile_stubbed: unsafe extern "C" fn(*const u8, usize, *const c_char, *const c_char, u32) -> Error,
    load: unsafe extern "C" fn(*const c_char, *mut *mut c_void) -> Error,
    check_export: unsafe extern "C" fn(*mut c_void, *const c_char, *const u32, usize, u32) -> Error,
    instantiate: unsafe extern "C" fn(*mut c_void, *mut *mut c_void) -> Error,
    call: unsafe extern "C" fn(*mut c_void, *const c_char, *const WrbValue, usize, u32, *mut WrbValue) -> Error,
    noop: unsafe extern "C" fn(*mut c_void) -> u32,
    free_instance: unsafe extern "C" fn(*mut c_void),
    free_module: unsafe extern "C" fn(*mut c_void),
    free_error: unsafe extern "C" fn(Error),
    wasi: WasiApi,
    _library: Library,
}

/// The library's WASI entry points (`lucet/src/wasi.rs`).
#[cfg_attr(not(feature = "wasi"), allow(dead_code))]
struct WasiApi {
    compile: unsafe extern "C" fn(*const u8, usize, *const c_char, u32) -> Error,
    start: unsafe extern "C" fn(*mut c_void, *const *const c_char, usize, *const c_char, *const c_char, *mut *mut c_void) -> Error,
    set_bench_hooks: unsafe extern "C" fn(*mut c_void, Option<Hook>, Option<Hook>, *mut c_void) -> Error,
    run: unsafe extern "C" fn(*mut c_void, *mut i32) -> Error,
    output: unsafe extern "C" fn(*mut c_void, *mut *mut u8, *mut usize, *mut *mut u8, *mut usize) -> Error,
    free_bytes: unsafe extern "C" fn(*mut u8, usize),
}

type Hook = unsafe extern "C" fn(*mut c_void);

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
            compile_stubbed: symbol!(b"wrb_lucet_compile_stubbed"),
            load: symbol!(b"wrb_lucet_load"),
            check_export: symbol!(b"wrb_lucet_check_export_n"),
            instantiate: symbol!(b"wrb_lucet_instantiate"),
            call: symbol!(b"wrb_lucet_call_n"),
            noop: symbol!(b"wrb_lucet_noop"),
            free_instance: symbol!(b"wrb_lucet_free_instance"),
            free_module: symbol!(b"wrb_lucet_free_module"),
            free_error: symbol!(b"wrb_lucet_free_error"),
            wasi: WasiApi {
                compile: symbol!(b"wrb_lucet_compile_wasi"),
                start: symbol!(b"wrb_lucet_wasi_start"),
                set_bench_hooks: symbol!(b"wrb_lucet_wasi_set_bench_hooks"),
                run: symbol!(b"wrb_lucet_wasi_run"),
                output: symbol!(b"wrb_lucet_wasi_output"),
                free_bytes: symbol!(b"wrb_lucet_free_bytes"),
            },
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

    fn uncountable(&self) -> Option<String> {
        Some("its region reserves 16 instance slots of 8 GiB of address space (lucet/src/lib.rs), more than Valgrind gives the program it runs (`creating region failed`)".to_string())
    }

    fn unsupported(&self, _step: Step) -> Option<String> {
        api().err().map(str::to_string)
    }

    /// lucetc 0.6.1: "Wasm validation: bulk memory support is not enabled".
    fn missing_proposals(&self) -> &'static [Proposal] {
        &[Proposal::BulkMemory, Proposal::ReferenceTypes]
    }

    /// lucetc takes tens of seconds on the large modules (26 s on mruby-script here).
    fn slow_compile(&self) -> bool {
        true
    }

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new(Lucet))
    }

    /// The region of a loaded module has 16 instance slots (`lucet/src/lib.rs`).
    fn instance_limit(&self) -> Option<usize> {
        Some(16)
    }

    /// lucetc needs a binding for everything a module imports: a WASI command is compiled
    /// with the library's WASI bindings (as `compile_wasi` does), and imports the suite does
    /// not provide are bound to a stub (such a module is only compiled: instantiating it is
    /// refused, naming them).
    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let api = api().map_err(|reason| anyhow!(reason))?;
        let object = SharedObject::private()?;
        let path = c_path(&object.path)?;
        let provided = |module: &str| module == "wasi_snapshot_preview1" || module == "bench";
        let wasi = sample.imports.iter().any(|(module, _)| provided(module));
        let mut stubs: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
        for (module, name) in sample.imports.iter().filter(|(module, _)| !provided(module)) {
            stubs.entry(module).or_default().push(name);
        }
        let (wasm, len) = (sample.wasm.as_ptr(), sample.wasm.len());
        api.check(unsafe {
            match (stubs.is_empty(), wasi) {
                (true, false) => (api.compile)(wasm, len, path.as_ptr()),
                (true, true) => (api.wasi.compile)(wasm, len, path.as_ptr(), 0),
                (false, _) => {
                    let stubs = CString::new(serde_json::to_string(&stubs)?)?;
                    (api.compile_stubbed)(wasm, len, path.as_ptr(), stubs.as_ptr(), if wasi { WASI_FLAG } else { 0 })
                }
            }
        })?;
        let stubbed = stubs.iter().flat_map(|(module, names)| names.iter().map(move |name| format!("{module}.{name}"))).collect();
        Ok(Box::new(LucetModule { api, object, loaded: OnceCell::new(), stubbed }))
    }

    unsafe fn deserialize(&self, artifact: Vec<u8>) -> Result<Box<dyn Module>> {
        let api = api().map_err(|reason| anyhow!(reason))?;
        let object = SharedObject::private()?;
        std::fs::write(&object.path, &artifact)?;
        Ok(Box::new(LucetModule { api, object, loaded: OnceCell::new(), stubbed: Vec::new() }))
    }

    /// lucetc with bindings for every `wasi_snapshot_preview1` function (lucet-wasi 0.6.1,
    /// which implements preview 0, behind the library's preview-1 translations) and for
    /// `bench.start` / `bench.end`.
    #[cfg(feature = "wasi")]
    fn compile_wasi(&self, sample: &crate::wasi::WasiSample) -> Result<Box<dyn crate::wasi::WasiModule>> {
        let api = api().map_err(|reason| anyhow!(reason))?;
        let object = SharedObject::private()?;
        let path = c_path(&object.path)?;
        api.check(unsafe { (api.wasi.compile)(sample.wasm.as_ptr(), sample.wasm.len(), path.as_ptr(), 0) })?;
        Ok(Box::new(wasi::LucetWasi(LucetModule { api, object, loaded: OnceCell::new(), stubbed: Vec::new() })))
    }

    /// lucet-runtime opens the (private, checked) file itself.
    unsafe fn load_artifact(&self, path: &Path) -> Result<Box<dyn Module>> {
        let api = api().map_err(|reason| anyhow!(reason))?;
        let object = SharedObject { path: path.to_owned(), _dir: None };
        let module = LucetModule { api, object, loaded: OnceCell::new(), stubbed: Vec::new() };
        module.loaded()?;
        Ok(Box::new(module))
    }
}

/// A shared object on disk, in a private directory of its own when this suite made it.
struct SharedObject {
    path: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl SharedObject {
    /// A path in a fresh directory that only this user can enter (mode 0700, made with
    /// `mkdtemp`), so no one else can place or swap the file lucetc writes and dlopen reads.
    fn private() -> Result<SharedObject> {
        let dir = tempfile::Builder::new().prefix("wrb-lucet-").tempdir().context("making a private directory for lucetc's output")?;
        Ok(SharedObject { path: dir.path().join("module.so"), _dir: Some(dir) })
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
    /// Imports bound to the library's stub, which ends the process if called.
    stubbed: Vec<String>,
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

/// The result tag of an export that returns nothing, and the most arguments a call passes.
const NONE: u32 = 0xffff_ffff;
/// `wrb_lucet_compile_stubbed`'s flag for a module that imports WASI too.
const WASI_FLAG: u32 = 2;
const MAX_ARGS: usize = 16;

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
        anyhow::ensure!(self.stubbed.is_empty(), "the module imports {}, which the suite does not provide", self.stubbed.join(", "));
        let module = Rc::clone(self.loaded()?);
        let name = CString::new(export.name.as_str())?;
        let api = self.api;
        let params: Vec<u32> = export.params.iter().map(|p| tag(*p)).collect();
        let result = export.result.map_or(NONE, tag);
        api.check(unsafe { (api.check_export)(module.handle, name.as_ptr(), params.as_ptr(), params.len(), result) })?;
        let mut handle = std::ptr::null_mut();
        api.check(unsafe { (api.instantiate)(module.handle, &mut handle) })?;
        Ok(Box::new(LucetInstance { api, _module: module, handle, name, export: export.clone() }))
    }

    fn serialize(&self) -> Result<Vec<u8>> {
        std::fs::read(&self.object.path).with_context(|| format!("reading the shared object {}", self.object.path.display()))
    }
}

struct LucetInstance {
    api: &'static Api,
    _module: Rc<Loaded>,
    handle: *mut c_void,
    name: CString,
    export: Export,
}

impl Drop for LucetInstance {
    fn drop(&mut self) {
        unsafe { (self.api.free_instance)(self.handle) }
    }
}

impl Instance for LucetInstance {
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        check_args(&self.export, args)?;
        // On the stack, as a C caller passes them: no allocation per call.
        let mut values = [WrbValue { tag: 0, bits: 0 }; MAX_ARGS];
        anyhow::ensure!(args.len() <= MAX_ARGS, "the Lucet adapter passes at most {MAX_ARGS} arguments");
        for (slot, arg) in values.iter_mut().zip(args) {
            *slot = WrbValue { tag: tag(arg.ty()), bits: arg.bits() };
        }
        let result = self.export.result.map_or(NONE, tag);
        let mut out = WrbValue { tag: 0, bits: 0 };
        self.api.check(unsafe { (self.api.call)(self.handle, self.name.as_ptr(), values.as_ptr(), args.len(), result, &mut out) })?;
        Ok(self.export.result.map(|ty| Value::from_bits(ty, out.bits)))
    }
}

#[cfg(feature = "wasi")]
mod wasi {
    use super::{LucetModule, c_path};
    use crate::wasi::{Markers, WasiCommand, WasiInstance, WasiModule, WasiRan};
    use anyhow::{Context, Result};
    use std::ffi::{CString, c_char, c_void};
    use std::sync::Arc;

    /// A WASI command compiled by lucetc; each run is a new instance in the module's region.
    pub struct LucetWasi(pub LucetModule);

    unsafe extern "C" fn start(data: *mut c_void) {
        // SAFETY: `data` is the run's `Markers`, alive until the instance is freed.
        unsafe { &*data.cast::<Markers>() }.start();
    }

    unsafe extern "C" fn end(data: *mut c_void) {
        // SAFETY: as in `start`.
        unsafe { &*data.cast::<Markers>() }.end();
    }

    impl WasiModule for LucetWasi {
        /// The guest's directory is read-only: the library takes every right that changes
        /// the file system off the preopened directory.
        fn instantiate(&self, command: &WasiCommand) -> Result<Box<dyn WasiInstance>> {
            let module = self.0.loaded()?.clone();
            let api = self.0.api;
            let argv: Vec<CString> = command.argv().into_iter().map(CString::new).collect::<Result<_, _>>().context("an argument with a NUL byte")?;
            let pointers: Vec<*const c_char> = argv.iter().map(|a| a.as_ptr()).collect();
            let (preopen, guest) = (c_path(command.preopen)?, CString::new(command.guest_dir)?);
            let mut handle = std::ptr::null_mut();
            api.check(unsafe { (api.wasi.start)(module.handle, pointers.as_ptr(), pointers.len(), preopen.as_ptr(), guest.as_ptr(), &mut handle) })?;
            // From here on the instance is freed (with the markers it points to) on drop.
            let instance = LucetWasiInstance { api, handle, markers: Arc::into_raw(command.markers.clone()), _module: module };
            api.check(unsafe { (api.wasi.set_bench_hooks)(instance.handle, Some(start), Some(end), instance.markers as *mut c_void) })?;
            Ok(Box::new(instance))
        }
    }

    /// An instance of the loaded module in its region, with its WASI context.
    struct LucetWasiInstance {
        api: &'static super::Api,
        handle: *mut c_void,
        markers: *const Markers,
        _module: std::rc::Rc<super::Loaded>,
    }

    impl Drop for LucetWasiInstance {
        fn drop(&mut self) {
            unsafe {
                (self.api.free_instance)(self.handle);
                drop(Arc::from_raw(self.markers));
            }
        }
    }

    impl WasiInstance for LucetWasiInstance {
        fn start(self: Box<Self>) -> Result<WasiRan> {
            let api = self.api;
            let mut exit_code = 0;
            api.check(unsafe { (api.wasi.run)(self.handle, &mut exit_code) })?;
            Ok(WasiRan::new(exit_code, move || {
                let (mut out, mut out_len, mut err, mut err_len) = (std::ptr::null_mut(), 0, std::ptr::null_mut(), 0);
                let read = api.check(unsafe { (api.wasi.output)(self.handle, &mut out, &mut out_len, &mut err, &mut err_len) });
                let take = |ptr: *mut u8, len: usize| {
                    if ptr.is_null() {
                        return Vec::new();
                    }
                    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec();
                    unsafe { (api.wasi.free_bytes)(ptr, len) };
                    bytes
                };
                let output = match read {
                    Ok(()) => (take(out, out_len), take(err, err_len)),
                    Err(e) => (Vec::new(), format!("(the suite could not read the guest's output: {e:#})").into_bytes()),
                };
                drop(self);
                output
            }))
        }
    }
}
