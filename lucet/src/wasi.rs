//! WASI preview 1 (`wasi_snapshot_preview1`) on lucet-wasi 0.6.1, which implements
//! preview 0 (`wasi_unstable`) on wasi-common 0.7; plus the Sightglass `bench` imports.
//!
//! [`bindings`] maps every preview-1 import to a host symbol for lucetc:
//! * calls whose ABI is the same in both versions go to lucet-wasi's own hostcalls
//!   (`__wasi_<name>`, see [`FORWARDED`]);
//! * the others go to the shims below (`wrb_lucet_p1_<name>`, see [`SHIMMED`]), which call
//!   wasi-common's preview-0 implementation with translated arguments and translate what
//!   it writes into guest memory:
//!   - `fd_seek`: `whence` is SET=0, CUR=1, END=2 in preview 1 and CUR=0, END=1, SET=2 in
//!     preview 0; any other value is EINVAL;
//!   - `fd_filestat_get`, `path_filestat_get`: preview 1's `filestat` is 64 bytes (`nlink`
//!     is a u64 at offset 24, then size 32, atim 40, mtim 48, ctim 56), preview 0's is 56
//!     (`nlink` a u32 at 20, then size 24, atim 32, mtim 40, ctim 48); wasi-common writes
//!     the preview-0 struct into the guest's 64-byte buffer, which the shim rewrites in
//!     place (after checking that all 64 bytes are in bounds);
//!   - `poll_oneoff`: preview 1's `subscription_clock` lost preview 0's leading
//!     `identifier` (u64), so a subscription is 48 bytes instead of 56; the shim builds
//!     preview-0 subscriptions in a scratch buffer, polls, and copies the events back
//!     (`event` has the same 32-byte layout in both); zero subscriptions or an unknown
//!     event type are EINVAL (wasi-common would wait forever or panic);
//!   - `path_open`: the same ABI, shimmed for the read-only sandbox (see [`path_open`]);
//!   - `proc_exit`: the same ABI, shimmed because lucet-wasi's terminates the instance by
//!     panicking, which makes the default panic hook print a message on the process's
//!     stderr at every exit; the shim terminates without a panic, with the same
//!     `TerminationDetails::Provided(u32)`;
//!   - `proc_raise`, `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`: not in
//!     lucet-wasi; they return ENOSYS.
//!
//! Unchanged between the versions, checked against the witx of both (WebAssembly/WASI
//! `legacy/preview0` and `legacy/preview1`): errno values, `fdstat`, `prestat`, `iovec`,
//! `dirent` (24 bytes: d_next, d_ino, d_namlen, d_type) and so `fd_readdir`, `event`,
//! rights bits (preview 1 only adds `sock_accept`), oflags, fdflags, lookupflags, clock
//! ids, and every other function's parameters.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::os::raw::c_void;
use std::os::unix::fs::FileExt;
use std::os::unix::io::FromRawFd;

use lucet_runtime::vmctx::Vmctx;
use lucet_runtime::{lucet_hostcall, TerminationDetails};
use lucetc::Bindings;
use wasi_common::{hostcalls, wasi, WasiCtx, WasiCtxBuilder};

/// The preview-1 import module.
pub const PREVIEW1: &str = "wasi_snapshot_preview1";

/// Preview-1 functions with the preview-0 ABI: bound to lucet-wasi's `__wasi_<name>`.
pub const FORWARDED: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "clock_res_get",
    "clock_time_get",
    "environ_get",
    "environ_sizes_get",
    "fd_advise",
    "fd_allocate",
    "fd_close",
    "fd_datasync",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_prestat_dir_name",
    "fd_prestat_get",
    "fd_pwrite",
    "fd_read",
    "fd_readdir",
    "fd_renumber",
    "fd_sync",
    "fd_tell",
    "fd_write",
    "path_create_directory",
    "path_filestat_set_times",
    "path_link",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "random_get",
    "sched_yield",
];

/// Preview-1 functions bound to this library's `wrb_lucet_p1_<name>`.
pub const SHIMMED: &[&str] = &[
    "fd_filestat_get",
    "fd_seek",
    "path_filestat_get",
    "path_open",
    "poll_oneoff",
    "proc_exit",
    "proc_raise",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
];

/// lucetc bindings: every preview-1 import, and `bench.start` / `bench.end`.
pub fn bindings() -> Bindings {
    let mut p1: HashMap<String, String> = HashMap::new();
    for name in FORWARDED {
        p1.insert(name.to_string(), format!("__wasi_{}", name));
    }
    for name in SHIMMED {
        p1.insert(name.to_string(), format!("wrb_lucet_p1_{}", name));
    }
    let mut bench = HashMap::new();
    bench.insert("start".to_string(), "wrb_lucet_bench_start".to_string());
    bench.insert("end".to_string(), "wrb_lucet_bench_end".to_string());
    let mut modules = HashMap::new();
    modules.insert(PREVIEW1.to_string(), p1);
    modules.insert("bench".to_string(), bench);
    Bindings::new(modules)
}

/// Keeps every hostcall a compiled module may import linked into the library (and, with
/// `--export-dynamic`, into the test executables).
pub fn ensure_linked() {
    lucet_wasi::export_wasi_funcs();
    let shims: &[*const c_void] = &[
        wrb_lucet_p1_fd_filestat_get as *const c_void,
        wrb_lucet_p1_fd_seek as *const c_void,
        wrb_lucet_p1_path_filestat_get as *const c_void,
        wrb_lucet_p1_path_open as *const c_void,
        wrb_lucet_p1_poll_oneoff as *const c_void,
        wrb_lucet_p1_proc_exit as *const c_void,
        wrb_lucet_p1_proc_raise as *const c_void,
        wrb_lucet_p1_sock_accept as *const c_void,
        wrb_lucet_p1_sock_recv as *const c_void,
        wrb_lucet_p1_sock_send as *const c_void,
        wrb_lucet_p1_sock_shutdown as *const c_void,
        wrb_lucet_bench_start as *const c_void,
        wrb_lucet_bench_end as *const c_void,
    ];
    std::hint::black_box(shims);
}

// ---------------------------------------------------------------------------
// errno values (the same in preview 0 and 1)

const ESUCCESS: u32 = 0;
const EFAULT: u32 = 21;
const EINVAL: u32 = 28;
const ENOSYS: u32 = 52;
const ENOTCAPABLE: u32 = 76;

// ---------------------------------------------------------------------------
// the read-only sandbox

/// Rights that allow changing the file system: removed from the preopened directory
/// (base and inheriting), so no descriptor derived from it can have them.
pub const WRITE_RIGHTS: wasi::__wasi_rights_t = wasi::__WASI_RIGHT_FD_DATASYNC
    | wasi::__WASI_RIGHT_FD_WRITE
    | wasi::__WASI_RIGHT_FD_ALLOCATE
    | wasi::__WASI_RIGHT_FD_FILESTAT_SET_SIZE
    | wasi::__WASI_RIGHT_FD_FILESTAT_SET_TIMES
    | wasi::__WASI_RIGHT_PATH_CREATE_DIRECTORY
    | wasi::__WASI_RIGHT_PATH_CREATE_FILE
    | wasi::__WASI_RIGHT_PATH_LINK_SOURCE
    | wasi::__WASI_RIGHT_PATH_LINK_TARGET
    | wasi::__WASI_RIGHT_PATH_RENAME_SOURCE
    | wasi::__WASI_RIGHT_PATH_RENAME_TARGET
    | wasi::__WASI_RIGHT_PATH_FILESTAT_SET_SIZE
    | wasi::__WASI_RIGHT_PATH_FILESTAT_SET_TIMES
    | wasi::__WASI_RIGHT_PATH_SYMLINK
    | wasi::__WASI_RIGHT_PATH_REMOVE_DIRECTORY
    | wasi::__WASI_RIGHT_PATH_UNLINK_FILE;

/// The rights for which wasi-common opens a file for writing (`O_WRONLY`/`O_RDWR`).
const WRITE_MODE_RIGHTS: wasi::__wasi_rights_t = wasi::__WASI_RIGHT_FD_DATASYNC
    | wasi::__WASI_RIGHT_FD_WRITE
    | wasi::__WASI_RIGHT_FD_ALLOCATE
    | wasi::__WASI_RIGHT_FD_FILESTAT_SET_SIZE;

/// A scratch "guest memory" for wasi-common calls whose results need translating;
/// 8-byte aligned (wasi-common reads structs in place).
struct Scratch(Vec<u64>);

impl Scratch {
    fn new(bytes: usize) -> Self {
        Scratch(vec![0u64; (bytes + 7) / 8])
    }
    fn bytes(&mut self) -> &mut [u8] {
        let len = self.0.len() * 8;
        // SAFETY: a u64 buffer viewed as bytes.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr() as *mut u8, len) }
    }
}

/// (rights_base, rights_inheriting) of a descriptor, or its errno.
fn fd_rights(ctx: &WasiCtx, fd: u32) -> Result<(u64, u64), u32> {
    let mut scratch = Scratch::new(24);
    let mem = scratch.bytes();
    let errno = unsafe { hostcalls::fd_fdstat_get(ctx, mem, fd, 0) };
    if u32::from(errno) != ESUCCESS {
        return Err(u32::from(errno));
    }
    Ok((read_u64(mem, 8), read_u64(mem, 16)))
}

/// The WASI context of one run: argv, no environment, an empty stdin (`/dev/null`),
/// stdout and stderr into the given files, and `preopen` = (host directory, guest path),
/// made read-only, as the only preopened directory (fd 3).
pub fn build_ctx(
    argv: &[String],
    preopen: Option<(&str, &str)>,
    stdout: File,
    stderr: File,
) -> Result<WasiCtx, String> {
    let mut builder = WasiCtxBuilder::new().args(argv).stdout(stdout).stderr(stderr);
    if let Some((host, guest)) = preopen {
        let dir = File::open(host)
            .map_err(|e| format!("wrb_lucet: opening the preopened directory {}: {}", host, e))?;
        if !dir.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(format!("wrb_lucet: the preopened path {} is not a directory", host));
        }
        builder = builder.preopened_dir(dir, guest);
    }
    let mut ctx = builder
        .build()
        .map_err(|e| format!("lucet-wasi: building the WASI context failed: {}", e))?;
    if preopen.is_some() {
        let fd = 3;
        let (base, inheriting) = fd_rights(&ctx, fd)
            .map_err(|errno| format!("lucet-wasi: the preopened directory is not fd 3 (errno {})", errno))?;
        let errno = unsafe {
            hostcalls::fd_fdstat_set_rights(&mut ctx, fd, base & !WRITE_RIGHTS, inheriting & !WRITE_RIGHTS)
        };
        if u32::from(errno) != ESUCCESS {
            return Err(format!("lucet-wasi: making the preopened directory read-only failed (errno {})", errno));
        }
    }
    Ok(ctx)
}

/// An anonymous in-memory file (memfd) for captured output.
pub fn memfd(name: &str) -> Result<File, String> {
    let cname = CString::new(name).map_err(|e| e.to_string())?;
    let fd = unsafe { libc::memfd_create(cname.as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(format!("wrb_lucet: memfd_create failed: {}", std::io::Error::last_os_error()));
    }
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Everything written to a memfd (from offset 0, whatever the file position).
pub fn read_all(file: &File) -> Result<Vec<u8>, String> {
    let len = file
        .metadata()
        .map_err(|e| format!("wrb_lucet: reading captured output: {}", e))?
        .len() as usize;
    let mut buf = vec![0u8; len];
    file.read_exact_at(&mut buf, 0)
        .map_err(|e| format!("wrb_lucet: reading captured output: {}", e))?;
    Ok(buf)
}

// ---------------------------------------------------------------------------
// guest memory helpers (bounds-checked; the shims must not panic)

fn read_u64(mem: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&mem[at..at + 8]);
    u64::from_le_bytes(b)
}

fn in_bounds(mem: &[u8], ptr: u32, len: u64) -> bool {
    u64::from(ptr) + len <= mem.len() as u64
}

// ---------------------------------------------------------------------------
// preview-1 shims

/// preview-1 whence -> preview-0 whence
fn whence_p1_to_p0(whence: u32) -> Option<wasi::__wasi_whence_t> {
    match whence {
        0 => Some(wasi::__WASI_WHENCE_SET),
        1 => Some(wasi::__WASI_WHENCE_CUR),
        2 => Some(wasi::__WASI_WHENCE_END),
        _ => None,
    }
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_fd_seek(
    vmctx: &mut Vmctx,
    fd: u32,
    offset: i64,
    whence: u32,
    newoffset_ptr: u32,
) -> u32 {
    let whence = match whence_p1_to_p0(whence) {
        Some(w) => w,
        None => return EINVAL,
    };
    let wasi_ctx = &mut vmctx.get_embed_ctx_mut::<WasiCtx>();
    let heap = &mut vmctx.heap_mut();
    u32::from(hostcalls::fd_seek(wasi_ctx, heap, fd, offset, whence, newoffset_ptr))
}

/// Rewrites the preview-0 filestat wasi-common wrote at `ptr` as a preview-1 filestat.
fn filestat_p0_to_p1(mem: &mut [u8], ptr: u32) {
    let at = ptr as usize;
    let p0 = &mem[at..at + 56];
    let dev = read_u64(p0, 0);
    let ino = read_u64(p0, 8);
    let filetype = p0[16];
    let nlink = u32::from_le_bytes([p0[20], p0[21], p0[22], p0[23]]);
    let size = read_u64(p0, 24);
    let atim = read_u64(p0, 32);
    let mtim = read_u64(p0, 40);
    let ctim = read_u64(p0, 48);
    let p1 = &mut mem[at..at + 64];
    p1[0..8].copy_from_slice(&dev.to_le_bytes());
    p1[8..16].copy_from_slice(&ino.to_le_bytes());
    p1[16] = filetype;
    for b in &mut p1[17..24] {
        *b = 0;
    }
    p1[24..32].copy_from_slice(&u64::from(nlink).to_le_bytes());
    p1[32..40].copy_from_slice(&size.to_le_bytes());
    p1[40..48].copy_from_slice(&atim.to_le_bytes());
    p1[48..56].copy_from_slice(&mtim.to_le_bytes());
    p1[56..64].copy_from_slice(&ctim.to_le_bytes());
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_fd_filestat_get(vmctx: &mut Vmctx, fd: u32, filestat_ptr: u32) -> u32 {
    let wasi_ctx = &vmctx.get_embed_ctx::<WasiCtx>();
    let heap = &mut vmctx.heap_mut();
    if !in_bounds(heap, filestat_ptr, 64) {
        return EFAULT;
    }
    let errno = u32::from(hostcalls::fd_filestat_get(wasi_ctx, heap, fd, filestat_ptr));
    if errno == ESUCCESS {
        // wasi-common 0.7's fd_filestat_get stores ctim in whole seconds (`ctime()`),
        // unlike its path_filestat_get and unlike atim/mtim: make it nanoseconds (of a
        // whole second; the sub-second part is lost).
        let at = filestat_ptr as usize + 48;
        let secs = read_u64(heap, at);
        heap[at..at + 8].copy_from_slice(&secs.saturating_mul(1_000_000_000).to_le_bytes());
        filestat_p0_to_p1(heap, filestat_ptr);
    }
    errno
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_path_filestat_get(
    vmctx: &mut Vmctx,
    dirfd: u32,
    dirflags: u32,
    path_ptr: u32,
    path_len: u32,
    filestat_ptr: u32,
) -> u32 {
    let wasi_ctx = &vmctx.get_embed_ctx::<WasiCtx>();
    let heap = &mut vmctx.heap_mut();
    if !in_bounds(heap, filestat_ptr, 64) {
        return EFAULT;
    }
    let errno = u32::from(hostcalls::path_filestat_get(
        wasi_ctx,
        heap,
        dirfd,
        dirflags,
        path_ptr,
        path_len,
        filestat_ptr,
    ));
    if errno == ESUCCESS {
        filestat_p0_to_p1(heap, filestat_ptr);
    }
    errno
}

/// `path_open` with the read-only sandbox's rule for rights: a request for a write-mode
/// right (`fd_write`, `fd_datasync`, `fd_allocate`, `fd_filestat_set_size`) that `dirfd`
/// cannot pass on is ENOTCAPABLE; any other requested right `dirfd` cannot pass on is
/// dropped from the request, as wasi-libc does itself and as Rust's std expects ("may
/// give us fewer rights silently"). Without this, wasi-common would refuse Rust's
/// `File::open`, which asks for write rights such as `path_create_file` even to read.
/// O_CREAT and O_TRUNC need `path_create_file` / `path_filestat_set_size` on the
/// directory itself, which the read-only preopen lacks: ENOTCAPABLE (from wasi-common).
#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_path_open(
    vmctx: &mut Vmctx,
    dirfd: u32,
    dirflags: u32,
    path_ptr: u32,
    path_len: u32,
    oflags: u32,
    fs_rights_base: u64,
    fs_rights_inheriting: u64,
    fs_flags: u32,
    fd_out_ptr: u32,
) -> u32 {
    let wasi_ctx = &mut vmctx.get_embed_ctx_mut::<WasiCtx>();
    let heap = &mut vmctx.heap_mut();
    let (mut base, mut inheriting) = (fs_rights_base, fs_rights_inheriting);
    if let Ok((_, dir_inheriting)) = fd_rights(wasi_ctx, dirfd) {
        if base & WRITE_MODE_RIGHTS & !dir_inheriting != 0 {
            return ENOTCAPABLE;
        }
        base &= dir_inheriting;
        inheriting &= dir_inheriting;
    }
    u32::from(hostcalls::path_open(
        wasi_ctx,
        heap,
        dirfd,
        dirflags as wasi::__wasi_lookupflags_t,
        path_ptr,
        path_len,
        oflags as wasi::__wasi_oflags_t,
        base,
        inheriting,
        fs_flags as wasi::__wasi_fdflags_t,
        fd_out_ptr,
    ))
}

const SUBSCRIPTION_P1: usize = 48;
const SUBSCRIPTION_P0: usize = 56;
const EVENT: usize = 32;

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_poll_oneoff(
    vmctx: &mut Vmctx,
    input: u32,
    output: u32,
    nsubscriptions: u32,
    nevents_ptr: u32,
) -> u32 {
    let wasi_ctx = &vmctx.get_embed_ctx::<WasiCtx>();
    let heap = &mut vmctx.heap_mut();
    let n = nsubscriptions as usize;
    if n == 0 {
        return EINVAL;
    }
    if !in_bounds(heap, input, (n * SUBSCRIPTION_P1) as u64)
        || !in_bounds(heap, output, (n * EVENT) as u64)
        || !in_bounds(heap, nevents_ptr, 4)
    {
        return EFAULT;
    }
    // scratch: n preview-0 subscriptions, then n events, then nevents
    let events_at = n * SUBSCRIPTION_P0;
    let nevents_at = events_at + n * EVENT;
    let mut scratch = Scratch::new(nevents_at + 8);
    let mem = scratch.bytes();
    for k in 0..n {
        let p1 = &heap[input as usize + k * SUBSCRIPTION_P1..][..SUBSCRIPTION_P1];
        let p0 = &mut mem[k * SUBSCRIPTION_P0..][..SUBSCRIPTION_P0];
        p0[0..8].copy_from_slice(&p1[0..8]); // userdata
        p0[8] = p1[8]; // tag
        match p1[8] {
            // clock: identifier (= userdata), id, timeout, precision, flags
            0 => {
                p0[16..24].copy_from_slice(&p1[0..8]);
                p0[24..28].copy_from_slice(&p1[16..20]);
                p0[32..40].copy_from_slice(&p1[24..32]);
                p0[40..48].copy_from_slice(&p1[32..40]);
                p0[48..50].copy_from_slice(&p1[40..42]);
            }
            // fd_read, fd_write: file descriptor
            1 | 2 => p0[16..20].copy_from_slice(&p1[16..20]),
            _ => return EINVAL,
        }
    }
    let errno = u32::from(hostcalls::poll_oneoff(
        wasi_ctx,
        mem,
        0,
        events_at as u32,
        nsubscriptions,
        nevents_at as u32,
    ));
    if errno != ESUCCESS {
        return errno;
    }
    let nevents = u32::from_le_bytes([mem[nevents_at], mem[nevents_at + 1], mem[nevents_at + 2], mem[nevents_at + 3]]);
    let nevents = (nevents as usize).min(n);
    let out = output as usize;
    heap[out..out + nevents * EVENT].copy_from_slice(&mem[events_at..events_at + nevents * EVENT]);
    let at = nevents_ptr as usize;
    heap[at..at + 4].copy_from_slice(&(nevents as u32).to_le_bytes());
    ESUCCESS
}

/// Ends the run with exit code `code`: `Error::RuntimeTerminated(Provided(code: u32))`,
/// as lucet-wasi's `__wasi_proc_exit`, without its panic.
#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_proc_exit(vmctx: &mut Vmctx, code: u32) -> () {
    vmctx.terminate_no_unwind(TerminationDetails::provide(code as wasi::__wasi_exitcode_t))
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_proc_raise(_vmctx: &mut Vmctx, _sig: u32) -> u32 {
    ENOSYS
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_sock_accept(_vmctx: &mut Vmctx, _fd: u32, _flags: u32, _fd_out: u32) -> u32 {
    ENOSYS
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_sock_recv(
    _vmctx: &mut Vmctx,
    _fd: u32,
    _ri_data: u32,
    _ri_data_len: u32,
    _ri_flags: u32,
    _ro_datalen: u32,
    _ro_flags: u32,
) -> u32 {
    ENOSYS
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_sock_send(
    _vmctx: &mut Vmctx,
    _fd: u32,
    _si_data: u32,
    _si_data_len: u32,
    _si_flags: u32,
    _so_datalen: u32,
) -> u32 {
    ENOSYS
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_p1_sock_shutdown(_vmctx: &mut Vmctx, _fd: u32, _how: u32) -> u32 {
    ENOSYS
}

// ---------------------------------------------------------------------------
// Sightglass `bench.start` / `bench.end`

/// The hooks of one instance (its embed context), set by `wrb_lucet_wasi_set_bench_hooks`.
#[derive(Clone, Copy)]
pub struct BenchHooks {
    pub start: Option<extern "C" fn(*mut c_void)>,
    pub end: Option<extern "C" fn(*mut c_void)>,
    pub data: *mut c_void,
}

fn bench_hook(vmctx: &Vmctx, start: bool) {
    if !vmctx.contains_embed_ctx::<BenchHooks>() {
        return;
    }
    // Copy out, so no borrow of the embed context is held during the callback.
    let hooks = *vmctx.get_embed_ctx::<BenchHooks>();
    if let Some(f) = if start { hooks.start } else { hooks.end } {
        f(hooks.data);
    }
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_bench_start(vmctx: &mut Vmctx) -> () {
    bench_hook(vmctx, true)
}

#[lucet_hostcall]
#[no_mangle]
pub unsafe fn wrb_lucet_bench_end(vmctx: &mut Vmctx) -> () {
    bench_hook(vmctx, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_cover_preview1() {
        let b = bindings();
        // every function of wasi_snapshot_preview1 (witx, 46 functions)
        let all = [
            "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get",
            "clock_time_get", "fd_advise", "fd_allocate", "fd_close", "fd_datasync",
            "fd_fdstat_get", "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get",
            "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread", "fd_prestat_get",
            "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber",
            "fd_seek", "fd_sync", "fd_tell", "fd_write", "path_create_directory",
            "path_filestat_get", "path_filestat_set_times", "path_link", "path_open",
            "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
            "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield",
            "random_get", "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
        ];
        assert_eq!(all.len(), 46);
        assert_eq!(FORWARDED.len() + SHIMMED.len(), 46);
        for f in all.iter() {
            assert!(b.translate(PREVIEW1, f).is_ok(), "{}", f);
        }
        assert_eq!(b.translate("bench", "start").unwrap(), "wrb_lucet_bench_start");
        // lucet-wasi binds exactly the forwarded names (plus the shimmed ones it has)
        let p0 = lucet_wasi::bindings();
        for f in FORWARDED {
            assert_eq!(p0.translate("wasi_unstable", f).unwrap(), format!("__wasi_{}", f));
        }
        assert_eq!(std::mem::size_of::<wasi::__wasi_filestat_t>(), 56);
        assert_eq!(std::mem::size_of::<wasi::__wasi_subscription_t>(), SUBSCRIPTION_P0);
        assert_eq!(std::mem::size_of::<wasi::__wasi_event_t>(), EVENT);
    }

    #[test]
    fn whence() {
        assert_eq!(whence_p1_to_p0(0), Some(wasi::__WASI_WHENCE_SET));
        assert_eq!(whence_p1_to_p0(1), Some(wasi::__WASI_WHENCE_CUR));
        assert_eq!(whence_p1_to_p0(2), Some(wasi::__WASI_WHENCE_END));
        assert_eq!(wasi::__WASI_WHENCE_SET, 2);
        assert_eq!(whence_p1_to_p0(3), None);
    }
}
