//! WASI preview 1 on Lucet through the C ABI (`wrb_lucet_compile_wasi`,
//! `wrb_lucet_wasi_start` / `_run` / `_output`, the bench hooks) and the bulk-memory
//! lowering. Tests take a lock so that they run one at a time (one counts open fds).

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use wrb_lucet::*;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn take_err(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    unsafe { wrb_lucet_free_error(p) };
    Some(s)
}

fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = std::env::temp_dir().join(format!(
        "wrb_lucet_wasi_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst),
        name
    ));
    let _ = std::fs::remove_dir_all(&p);
    p
}

fn compile_wasi(wasm: &[u8], flags: u32) -> Result<PathBuf, String> {
    let so = scratch("module.so");
    let so_c = CString::new(so.to_str().unwrap()).unwrap();
    match take_err(unsafe { wrb_lucet_compile_wasi(wasm.as_ptr(), wasm.len(), so_c.as_ptr(), flags) }) {
        None => Ok(so),
        Some(e) => Err(e),
    }
}

struct Module(*mut c_void);

impl Module {
    fn load(so: &Path) -> Module {
        let so_c = CString::new(so.to_str().unwrap()).unwrap();
        let mut m = ptr::null_mut();
        assert_eq!(take_err(unsafe { wrb_lucet_load(so_c.as_ptr(), &mut m) }), None);
        Module(m)
    }

    fn compile(wasm: &[u8], flags: u32) -> Module {
        let so = compile_wasi(wasm, flags).unwrap_or_else(|e| panic!("{}", e));
        let m = Module::load(&so);
        let _ = std::fs::remove_file(&so);
        m
    }

    fn start(&self, argv: &[&str], preopen: Option<(&Path, &str)>) -> Instance {
        let args: Vec<CString> = argv.iter().map(|a| CString::new(*a).unwrap()).collect();
        let ptrs: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
        let host = preopen.map(|(h, _)| CString::new(h.to_str().unwrap()).unwrap());
        let guest = preopen.map(|(_, g)| CString::new(g).unwrap());
        let mut inst = ptr::null_mut();
        let err = take_err(unsafe {
            wrb_lucet_wasi_start(
                self.0,
                ptrs.as_ptr(),
                ptrs.len(),
                host.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                guest.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                &mut inst,
            )
        });
        assert_eq!(err, None);
        assert!(!inst.is_null());
        Instance(inst)
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        unsafe { wrb_lucet_free_module(self.0) }
    }
}

struct Instance(*mut c_void);

#[derive(Debug, PartialEq)]
struct Output {
    exit_code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Instance {
    fn run(&self) -> Result<i32, String> {
        let mut code = -99;
        match take_err(unsafe { wrb_lucet_wasi_run(self.0, &mut code) }) {
            None => Ok(code),
            Some(e) => Err(e),
        }
    }

    fn output(&self) -> (Vec<u8>, Vec<u8>) {
        let (mut op, mut ol, mut ep, mut el) = (ptr::null_mut(), 99usize, ptr::null_mut(), 99usize);
        assert_eq!(take_err(unsafe { wrb_lucet_wasi_output(self.0, &mut op, &mut ol, &mut ep, &mut el) }), None);
        let copy = |p: *mut u8, l: usize| {
            let v = if l == 0 {
                assert!(p.is_null());
                Vec::new()
            } else {
                unsafe { std::slice::from_raw_parts(p, l) }.to_vec()
            };
            unsafe { wrb_lucet_free_bytes(p, l) };
            v
        };
        (copy(op, ol), copy(ep, el))
    }

    fn run_to_end(&self) -> Output {
        let exit_code = self.run().unwrap_or_else(|e| panic!("{}", e));
        let (stdout, stderr) = self.output();
        Output { exit_code, stdout, stderr }
    }

    fn heap(&self) -> &[u8] {
        unsafe { &*(self.0 as *const WrbInstance) }.heap()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        unsafe { wrb_lucet_free_instance(self.0) }
    }
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples/wasi")
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

// ---------------------------------------------------------------------------
// the suite's WASI sample

#[test]
fn wordfreq() {
    let _turn = serial();
    let wasm = std::fs::read(samples().join("wordfreq.wasm")).unwrap();
    let expected = std::fs::read(samples().join("wordfreq.stdout")).unwrap();
    let input = samples().join("wordfreq");

    // As it is, lucetc 0.6.1 rejects it: Rust 1.95 writes memory.copy / memory.fill.
    let e = compile_wasi(&wasm, 0).expect_err("lucetc 0.6.1 has no bulk memory");
    println!("without lowering: {}", e);
    assert!(e.contains("bulk memory support is not enabled"), "{}", e);

    let (_, lowered) = lower::lower_bulk_memory(&wasm).unwrap();
    println!("lowered: {:?}", lowered);
    assert!(lowered.memory_copy > 0 && lowered.memory_fill > 0);

    let t = Instant::now();
    let module = Module::compile(&wasm, WRB_LUCET_LOWER_BULK_MEMORY);
    println!("compile + load: {:?}", t.elapsed());

    let fds = open_fds();
    for round in 0..3 {
        let t = Instant::now();
        let inst = module.start(&["wordfreq", "/input/licenses.txt"], Some((&input, "/input")));
        let t_start = t.elapsed();
        let t = Instant::now();
        let code = inst.run();
        let t_run = t.elapsed();
        let (stdout, stderr) = inst.output();
        println!("round {}: start {:?}, run {:?}", round, t_start, t_run);
        assert_eq!(code, Ok(0), "stderr: {}", String::from_utf8_lossy(&stderr));
        assert_eq!(String::from_utf8_lossy(&stderr), "");
        assert!(stdout == expected, "stdout:\n{}", String::from_utf8_lossy(&stdout));
        // a second run of the same instance is refused
        let again = inst.run().expect_err("runs once");
        assert!(again.contains("already run"), "{}", again);
    }
    assert_eq!(open_fds(), fds, "every instance closes its files");

    // no environment (the test process has one)
    assert!(std::env::var_os("PATH").is_some());
    let out = module.start(&["wordfreq", "--environment"], Some((&input, "/input"))).run_to_end();
    assert_eq!(out, Output { exit_code: 0, stdout: vec![], stderr: vec![] });

    // nothing outside the preopened directory (these exist on the host)
    assert!(input.join("../wordfreq.stdout").exists());
    for path in ["/etc/hostname", "../wordfreq.stdout", "/input/../wordfreq.stdout"].iter() {
        let out = module.start(&["wordfreq", path], Some((&input, "/input"))).run_to_end();
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!("{}: exit {}, stderr {:?}", path, out.exit_code, stderr);
        assert_eq!(out.exit_code, 1, "{}", path);
        assert!(out.stdout.is_empty(), "{}", path);
        assert!(stderr.contains(&format!("cannot read {}", path)), "{}", stderr);
    }

    // usage error: exit code 2
    let out = module.start(&["wordfreq"], Some((&input, "/input"))).run_to_end();
    assert_eq!(out.exit_code, 2);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("usage: wordfreq"));

    // without a preopened directory nothing is readable
    let out = module.start(&["wordfreq", "/input/licenses.txt"], None).run_to_end();
    assert_eq!(out.exit_code, 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /input/licenses.txt"));
}

// ---------------------------------------------------------------------------
// every translated call, from a hand-written preview-1 guest

const P1_WAT: &str = r#"
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "data.txt")
  (data (i32.const 16) "sub")
  (data (i32.const 32) "newdir")
  (data (i32.const 48) "../x")
  (data (i32.const 64) "/etc/hostname")
  (data (i32.const 80) "newfile")
  (data (i32.const 96) "hello stdout\n")
  (data (i32.const 112) "hello stderr\n")
  ;; markers right after each filestat buffer: must survive
  (data (i32.const 0x2140) "\ff\ff\ff\ff\ff\ff\ff\ff")
  (data (i32.const 0x2240) "\ff\ff\ff\ff\ff\ff\ff\ff")
  (data (i32.const 0x2340) "\ff\ff\ff\ff\ff\ff\ff\ff")

  (func $check (param $slot i32) (param $errno i32)
    (i32.store (i32.add (i32.const 0x1000) (i32.mul (local.get $slot) (i32.const 4))) (local.get $errno)))

  (func (export "_start")
    (local $fd i32)
    ;; 0: open data.txt for reading (fd_read | fd_seek | fd_tell | fd_filestat_get)
    (call $check (i32.const 0) (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8)
      (i32.const 0) (i64.const 2097190) (i64.const 0) (i32.const 0) (i32.const 0x2000)))
    (local.set $fd (i32.load (i32.const 0x2000)))
    ;; 1..4: fd_seek SET 10, CUR +5, END -4, whence 3; 5: fd_tell
    (call $check (i32.const 1) (call $fd_seek (local.get $fd) (i64.const 10) (i32.const 0) (i32.const 0x2008)))
    (call $check (i32.const 2) (call $fd_seek (local.get $fd) (i64.const 5) (i32.const 1) (i32.const 0x2010)))
    (call $check (i32.const 3) (call $fd_seek (local.get $fd) (i64.const -4) (i32.const 2) (i32.const 0x2018)))
    (call $check (i32.const 4) (call $fd_seek (local.get $fd) (i64.const 0) (i32.const 3) (i32.const 0x2020)))
    (call $check (i32.const 5) (call $fd_tell (local.get $fd) (i32.const 0x2028)))
    ;; 6: fd_filestat_get -> 0x2100; 7: path_filestat_get data.txt -> 0x2200; 8: sub -> 0x2300
    (call $check (i32.const 6) (call $fd_filestat_get (local.get $fd) (i32.const 0x2100)))
    (call $check (i32.const 7) (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 0x2200)))
    (call $check (i32.const 8) (call $path_filestat_get (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 3) (i32.const 0x2300)))
    ;; 9: poll: clock (monotonic, 10 s) userdata 0x1111 + fd_write on stdout userdata 0x2222
    (i64.store (i32.const 0x3000) (i64.const 0x1111))
    (i32.store8 (i32.const 0x3008) (i32.const 0))
    (i32.store (i32.const 0x3010) (i32.const 1))
    (i64.store (i32.const 0x3018) (i64.const 10000000000))
    (i64.store (i32.const 0x3020) (i64.const 0))
    (i32.store16 (i32.const 0x3028) (i32.const 0))
    (i64.store (i32.const 0x3030) (i64.const 0x2222))
    (i32.store8 (i32.const 0x3038) (i32.const 2))
    (i32.store (i32.const 0x3040) (i32.const 1))
    (call $check (i32.const 9) (call $poll_oneoff (i32.const 0x3000) (i32.const 0x3100) (i32.const 2) (i32.const 0x3200)))
    ;; 10: poll: clock only, relative 30 ms, userdata 0x3333
    (i64.store (i32.const 0x3300) (i64.const 0x3333))
    (i32.store8 (i32.const 0x3308) (i32.const 0))
    (i32.store (i32.const 0x3310) (i32.const 1))
    (i64.store (i32.const 0x3318) (i64.const 30000000))
    (call $check (i32.const 10) (call $poll_oneoff (i32.const 0x3300) (i32.const 0x3400) (i32.const 1) (i32.const 0x3480)))
    ;; 11: unknown event type 7; 12: no subscriptions
    (i32.store8 (i32.const 0x3308) (i32.const 7))
    (call $check (i32.const 11) (call $poll_oneoff (i32.const 0x3300) (i32.const 0x3400) (i32.const 1) (i32.const 0x3480)))
    (call $check (i32.const 12) (call $poll_oneoff (i32.const 0x3300) (i32.const 0x3400) (i32.const 0) (i32.const 0x3480)))
    ;; 13, 14: write to stdout and stderr
    (i32.store (i32.const 0x500) (i32.const 96))
    (i32.store (i32.const 0x504) (i32.const 13))
    (call $check (i32.const 13) (call $fd_write (i32.const 1) (i32.const 0x500) (i32.const 1) (i32.const 0x510)))
    (i32.store (i32.const 0x520) (i32.const 112))
    (i32.store (i32.const 0x524) (i32.const 13))
    (call $check (i32.const 14) (call $fd_write (i32.const 2) (i32.const 0x520) (i32.const 1) (i32.const 0x530)))
    ;; 15: read stdin (empty)
    (i32.store (i32.const 0x540) (i32.const 0x600))
    (i32.store (i32.const 0x544) (i32.const 16))
    (i32.store (i32.const 0x550) (i32.const 77))
    (call $check (i32.const 15) (call $fd_read (i32.const 0) (i32.const 0x540) (i32.const 1) (i32.const 0x550)))
    ;; 16: environment sizes; 17: args sizes; 18: args
    (i32.store (i32.const 0x560) (i32.const 77))
    (i32.store (i32.const 0x564) (i32.const 77))
    (call $check (i32.const 16) (call $environ_sizes_get (i32.const 0x560) (i32.const 0x564)))
    (call $check (i32.const 17) (call $args_sizes_get (i32.const 0x570) (i32.const 0x574)))
    (call $check (i32.const 18) (call $args_get (i32.const 0x700) (i32.const 0x800)))
    ;; 19, 20: the preopened directory's name
    (call $check (i32.const 19) (call $fd_prestat_get (i32.const 3) (i32.const 0x580)))
    (call $check (i32.const 20) (call $fd_prestat_dir_name (i32.const 3) (i32.const 0x590) (i32.const 6)))
    ;; 21: fd 99 is not open
    (call $check (i32.const 21) (call $fd_prestat_get (i32.const 99) (i32.const 0x5a0)))
    ;; read-only: 22 mkdir, 23 unlink, 24 open O_CREAT, 25 open with fd_write, 26 open O_TRUNC
    (call $check (i32.const 22) (call $mkdir (i32.const 3) (i32.const 32) (i32.const 6)))
    (call $check (i32.const 23) (call $unlink (i32.const 3) (i32.const 0) (i32.const 8)))
    (call $check (i32.const 24) (call $path_open (i32.const 3) (i32.const 0) (i32.const 80) (i32.const 7)
      (i32.const 1) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x2030)))
    (call $check (i32.const 25) (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8)
      (i32.const 0) (i64.const 66) (i64.const 0) (i32.const 0) (i32.const 0x2034)))
    (call $check (i32.const 26) (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8)
      (i32.const 8) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x2038)))
    ;; 27: open for reading with the rights Rust's std asks for (more than a read-only dir gives)
    (call $check (i32.const 27) (call $path_open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8)
      (i32.const 0) (i64.const 264240830) (i64.const 264240830) (i32.const 0) (i32.const 0x203c)))
    ;; 28: ../x, 29: /etc/hostname (relative to the preopened directory)
    (call $check (i32.const 28) (call $path_open (i32.const 3) (i32.const 0) (i32.const 48) (i32.const 4)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x2040)))
    (call $check (i32.const 29) (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 13)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0x2044)))
    ;; 30: sockets are not implemented
    (call $check (i32.const 30) (call $sock_accept (i32.const 3) (i32.const 0) (i32.const 0x2048)))
    ;; 31: a filestat buffer that does not fit in memory
    (call $check (i32.const 31) (call $fd_filestat_get (local.get $fd) (i32.const 65500)))
    (call $proc_exit (i32.const 42))
    unreachable)
)
"#;

fn u32_at(heap: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([heap[at], heap[at + 1], heap[at + 2], heap[at + 3]])
}

fn u64_at(heap: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&heap[at..at + 8]);
    u64::from_le_bytes(b)
}

fn errno(heap: &[u8], slot: usize) -> u32 {
    u32_at(heap, 0x1000 + 4 * slot)
}

const EINVAL: u32 = 28;
const EFAULT: u32 = 21;
const EBADF: u32 = 8;
const ENOSYS: u32 = 52;
const ENOTCAPABLE: u32 = 76;

#[test]
fn preview1_calls_are_translated() {
    use std::os::unix::fs::MetadataExt;
    let _turn = serial();
    let dir = scratch("p1");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let data: Vec<u8> = (0..1000u32).map(|i| b'0' + (i % 10) as u8).collect();
    std::fs::write(dir.join("data.txt"), &data).unwrap();
    let meta = std::fs::metadata(dir.join("data.txt")).unwrap();

    let wasm = wabt::wat2wasm(P1_WAT).expect("wat2wasm");
    let module = Module::compile(&wasm, 0);
    let inst = module.start(&["p1", "arg1"], Some((&dir, "/input")));
    let t = Instant::now();
    let code = inst.run();
    let elapsed = t.elapsed();
    let (stdout, stderr) = inst.output();
    assert_eq!(code, Ok(42));
    let heap = inst.heap();
    let errnos: Vec<u32> = (0..32).map(|k| errno(heap, k)).collect();
    println!("errnos: {:?}", errnos);

    // open + fd_seek with preview-1 whence
    assert_eq!(errno(heap, 0), 0);
    assert!(u32_at(heap, 0x2000) > 3);
    assert_eq!(errnos[1..4], [0, 0, 0]);
    assert_eq!(u64_at(heap, 0x2008), 10, "SET");
    assert_eq!(u64_at(heap, 0x2010), 15, "CUR");
    assert_eq!(u64_at(heap, 0x2018), 996, "END");
    assert_eq!(errno(heap, 4), EINVAL, "whence 3");
    assert_eq!((errno(heap, 5), u64_at(heap, 0x2028)), (0, 996), "fd_tell");

    // filestat, preview-1 layout
    for (slot, at, what) in [(6, 0x2100, "fd_filestat_get"), (7, 0x2200, "path_filestat_get")].iter() {
        let (slot, at) = (*slot, *at);
        assert_eq!(errno(heap, slot), 0, "{}", what);
        assert_eq!(u64_at(heap, at), meta.dev(), "{} dev", what);
        assert_eq!(u64_at(heap, at + 8), meta.ino(), "{} ino", what);
        assert_eq!(heap[at + 16], 4, "{} filetype regular_file", what);
        assert_eq!(&heap[at + 17..at + 24], &[0u8; 7], "{} padding", what);
        assert_eq!(u64_at(heap, at + 24), 1, "{} nlink (u64)", what);
        assert_eq!(u64_at(heap, at + 32), 1000, "{} size", what);
        let ns = |s: i64, n: i64| (s as u64) * 1_000_000_000 + n as u64;
        assert_eq!(u64_at(heap, at + 40), ns(meta.atime(), meta.atime_nsec()), "{} atim", what);
        assert_eq!(u64_at(heap, at + 48), ns(meta.mtime(), meta.mtime_nsec()), "{} mtim", what);
        // (wasi-common's fd_filestat_get has ctime in whole seconds only)
        let ctim = if slot == 6 { ns(meta.ctime(), 0) } else { ns(meta.ctime(), meta.ctime_nsec()) };
        assert_eq!(u64_at(heap, at + 56), ctim, "{} ctim", what);
        assert_eq!(&heap[at + 64..at + 72], &[0xffu8; 8], "{} wrote past 64 bytes", what);
    }
    assert_eq!((errno(heap, 8), heap[0x2300 + 16]), (0, 3), "sub is a directory");
    assert_eq!(u64_at(heap, 0x2300 + 8), std::fs::metadata(dir.join("sub")).unwrap().ino());
    assert_eq!(u64_at(heap, 0x2300 + 24), 2, "nlink of an empty directory");
    assert_eq!(errno(heap, 31), EFAULT, "filestat buffer out of bounds");

    // poll_oneoff, preview-1 subscriptions
    assert_eq!(errno(heap, 9), 0);
    assert_eq!(u32_at(heap, 0x3200), 1, "nevents");
    assert_eq!(u64_at(heap, 0x3100), 0x2222, "event userdata");
    assert_eq!(u16::from_le_bytes([heap[0x3108], heap[0x3109]]), 0, "event error");
    assert_eq!(heap[0x310a], 2, "event type fd_write");
    assert_eq!(errno(heap, 10), 0);
    assert_eq!(u32_at(heap, 0x3480), 1, "nevents");
    assert_eq!((u64_at(heap, 0x3400), heap[0x340a]), (0x3333, 0), "clock event");
    assert!(elapsed >= Duration::from_millis(30), "the 30 ms timeout was honoured: {:?}", elapsed);
    assert!(elapsed < Duration::from_secs(5), "the 10 s timeout did not apply: {:?}", elapsed);
    assert_eq!((errno(heap, 11), errno(heap, 12)), (EINVAL, EINVAL));

    // stdio
    assert_eq!((errno(heap, 13), u32_at(heap, 0x510)), (0, 13));
    assert_eq!((errno(heap, 14), u32_at(heap, 0x530)), (0, 13));
    assert_eq!(stdout, b"hello stdout\n");
    assert_eq!(stderr, b"hello stderr\n");
    assert_eq!((errno(heap, 15), u32_at(heap, 0x550)), (0, 0), "stdin is empty");

    // environment, args, preopen
    assert_eq!((errno(heap, 16), u32_at(heap, 0x560), u32_at(heap, 0x564)), (0, 0, 0));
    assert_eq!((errno(heap, 17), u32_at(heap, 0x570), u32_at(heap, 0x574)), (0, 2, 8));
    assert_eq!(errno(heap, 18), 0);
    assert_eq!(&heap[0x800..0x808], b"p1\0arg1\0");
    assert_eq!((u32_at(heap, 0x700), u32_at(heap, 0x704)), (0x800, 0x803));
    assert_eq!((errno(heap, 19), heap[0x580], u32_at(heap, 0x584)), (0, 0, 6));
    assert_eq!((errno(heap, 20), &heap[0x590..0x596]), (0, &b"/input"[..]));
    assert_eq!(errno(heap, 21), EBADF);

    // read-only
    assert_eq!(errnos[22..27], [ENOTCAPABLE; 5], "mkdir, unlink, O_CREAT, fd_write, O_TRUNC");
    assert!(!dir.join("newdir").exists() && !dir.join("newfile").exists());
    assert_eq!(std::fs::read(dir.join("data.txt")).unwrap(), data);
    assert_eq!(errno(heap, 27), 0, "open with Rust's rights");
    // outside
    assert_eq!(errno(heap, 28), ENOTCAPABLE, "../x");
    assert_ne!(errno(heap, 29), 0, "/etc/hostname");
    assert_eq!(errno(heap, 30), ENOSYS, "sock_accept");

    drop(inst);
    drop(module);
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---------------------------------------------------------------------------
// exits, traps, bench hooks

#[test]
fn exit_codes_and_traps() {
    let _turn = serial();
    let run = |wat: &str| -> Result<Output, String> {
        let module = Module::compile(&wabt::wat2wasm(wat).unwrap(), 0);
        let inst = module.start(&["t"], None);
        let code = inst.run()?;
        let (stdout, stderr) = inst.output();
        Ok(Output { exit_code: code, stdout, stderr })
    };
    let exit3 = r#"(module
        (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
        (memory (export "memory") 1)
        (func (export "_start") (call $exit (i32.const 3)) unreachable))"#;
    assert_eq!(run(exit3).unwrap().exit_code, 3);
    let returns = r#"(module (memory (export "memory") 1) (func (export "_start")))"#;
    assert_eq!(run(returns).unwrap(), Output { exit_code: 0, stdout: vec![], stderr: vec![] });
    let traps = r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#;
    let e = run(traps).unwrap_err();
    println!("trap: {}", e);
    assert!(e.contains("Unreachable"), "{}", e);
    let oob = r#"(module (memory (export "memory") 1)
        (func (export "_start") (drop (i32.load (i32.const 0x7ffffff0)))))"#;
    let e = run(oob).unwrap_err();
    println!("oob: {}", e);
    assert!(e.contains("HeapOutOfBounds"), "{}", e);
    let no_start = r#"(module (memory (export "memory") 1) (func (export "main")))"#;
    let e = run(no_start).unwrap_err();
    println!("no _start: {}", e);
    assert!(e.contains("_start"), "{}", e);

    // An instance made by wrb_lucet_instantiate is not a WASI instance.
    let module = Module::compile(&wabt::wat2wasm(exit3).unwrap(), 0);
    let mut plain = ptr::null_mut();
    assert_eq!(take_err(unsafe { wrb_lucet_instantiate(module.0, &mut plain) }), None);
    let plain = Instance(plain);
    let e = plain.run().unwrap_err();
    assert!(e.contains("not a WASI instance"), "{}", e);

    // null arguments
    let mut code = 0;
    assert!(take_err(unsafe { wrb_lucet_wasi_run(ptr::null_mut(), &mut code) }).is_some());
    let mut inst = ptr::null_mut();
    assert!(take_err(unsafe {
        wrb_lucet_wasi_start(ptr::null_mut(), ptr::null(), 0, ptr::null(), ptr::null(), &mut inst)
    })
    .is_some());
    let dir = CString::new("/tmp").unwrap();
    let e = take_err(unsafe { wrb_lucet_wasi_start(module.0, ptr::null(), 0, dir.as_ptr(), ptr::null(), &mut inst) });
    assert!(e.unwrap().contains("both"));
    let missing = CString::new("/does/not/exist").unwrap();
    let guest = CString::new("/input").unwrap();
    let e = take_err(unsafe { wrb_lucet_wasi_start(module.0, ptr::null(), 0, missing.as_ptr(), guest.as_ptr(), &mut inst) });
    println!("missing preopen: {:?}", e);
    assert!(e.unwrap().contains("/does/not/exist"));
    assert!(inst.is_null());
}

struct Hooks {
    calls: Mutex<Vec<&'static str>>,
}

extern "C" fn on_start(data: *mut c_void) {
    unsafe { &*(data as *const Hooks) }.calls.lock().unwrap().push("start");
}

extern "C" fn on_end(data: *mut c_void) {
    unsafe { &*(data as *const Hooks) }.calls.lock().unwrap().push("end");
}

#[test]
fn bench_hooks() {
    let _turn = serial();
    let wat = r#"(module
        (import "bench" "start" (func $start))
        (import "bench" "end" (func $end))
        (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 16) "work\n")
        (func (export "_start")
          (call $start)
          (i32.store (i32.const 0) (i32.const 16))
          (i32.store (i32.const 4) (i32.const 5))
          (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (call $end)))"#;
    let module = Module::compile(&wabt::wat2wasm(wat).unwrap(), 0);

    let hooks = Hooks { calls: Mutex::new(Vec::new()) };
    let data = &hooks as *const Hooks as *mut c_void;
    let inst = module.start(&["b"], None);
    assert_eq!(take_err(unsafe { wrb_lucet_wasi_set_bench_hooks(inst.0, Some(on_start), Some(on_end), data) }), None);
    assert_eq!(inst.run_to_end(), Output { exit_code: 0, stdout: b"work\n".to_vec(), stderr: vec![] });
    assert_eq!(*hooks.calls.lock().unwrap(), ["start", "end"]);

    // hooks are per instance: a new one without hooks runs, and calls nothing
    let inst2 = module.start(&["b"], None);
    assert_eq!(inst2.run_to_end().exit_code, 0);
    // only an end hook
    let inst3 = module.start(&["b"], None);
    assert_eq!(take_err(unsafe { wrb_lucet_wasi_set_bench_hooks(inst3.0, None, Some(on_end), data) }), None);
    assert_eq!(inst3.run_to_end().exit_code, 0);
    assert_eq!(*hooks.calls.lock().unwrap(), ["start", "end", "end"]);
    assert!(take_err(unsafe { wrb_lucet_wasi_set_bench_hooks(ptr::null_mut(), None, None, data) }).is_some());
}

#[test]
fn instances_recycle_region_slots() {
    let _turn = serial();
    let wat = r#"(module (memory (export "memory") 1) (func (export "_start")))"#;
    let module = Module::compile(&wabt::wat2wasm(wat).unwrap(), 0);
    let dir = samples().join("wordfreq");
    let fds = open_fds();
    for _ in 0..(3 * INSTANCE_SLOTS) {
        let inst = module.start(&["x"], Some((&dir, "/input")));
        assert_eq!(inst.run(), Ok(0));
    }
    assert_eq!(open_fds(), fds);
    let all: Vec<Instance> = (0..INSTANCE_SLOTS).map(|_| module.start(&["x"], None)).collect();
    let mut extra = ptr::null_mut();
    let e = take_err(unsafe { wrb_lucet_wasi_start(module.0, ptr::null(), 0, ptr::null(), ptr::null(), &mut extra) });
    println!("region full: {:?}", e);
    assert!(e.is_some() && extra.is_null());
    drop(all);
}

// ---------------------------------------------------------------------------
// the bulk-memory lowering

const BULK_WAT: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2))))"#;

#[test]
fn bulk_memory_lowering() {
    let _turn = serial();
    let mut features = wabt::Features::new();
    features.enable_bulk_memory();
    let wasm = wabt::wat2wasm_with_features(BULK_WAT, features).expect("wat2wasm");
    let e = compile_wasi(&wasm, 0).expect_err("not without lowering");
    println!("without lowering: {}", e);
    assert!(e.contains("bulk memory support is not enabled"), "{}", e);
    let (_, lowered) = lower::lower_bulk_memory(&wasm).unwrap();
    assert_eq!(lowered, lower::Lowered { memory_copy: 1, memory_fill: 1 });
    assert!(compile_wasi(&wasm, 0x80).unwrap_err().contains("unknown flags"));

    let module = Module::compile(&wasm, WRB_LUCET_LOWER_BULK_MEMORY);
    let mut p = ptr::null_mut();
    assert_eq!(take_err(unsafe { wrb_lucet_instantiate(module.0, &mut p) }), None);
    let inst = unsafe { &mut *(p as *mut WrbInstance) };
    const SIZE: usize = 65536;
    let mut model: Vec<u8> = (0..SIZE).map(|i| (i * 7 + i / 256) as u8).collect();
    inst.heap_mut()[..SIZE].copy_from_slice(&model);

    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound as u64) as usize
    };
    let args = |a: usize, b: usize, c: usize| [WrbValue::i32(a as i32), WrbValue::i32(b as i32), WrbValue::i32(c as i32)];
    for round in 0..3000 {
        let n = match round % 4 {
            0 => next(17),
            1 => next(100),
            2 => next(5000),
            _ => next(SIZE - 16),
        };
        let (dst, src) = if round % 3 == 0 {
            // overlapping (or equal), either direction, 0..16 bytes apart
            let base = next(SIZE - n - 16 + 1);
            let d = next(17);
            if round % 2 == 0 { (base, base + d) } else { (base + d, base) }
        } else {
            (next(SIZE - n + 1), next(SIZE - n + 1))
        };
        if round % 5 == 4 {
            let val = next(1 << 16); // only the low byte counts
            inst.run_void("fill", &args(dst, val, n)).unwrap();
            for b in &mut model[dst..dst + n] {
                *b = val as u8;
            }
        } else {
            inst.run_void("copy", &args(dst, src, n)).unwrap();
            model.copy_within(src..src + n, dst);
        }
        assert!(inst.heap()[..SIZE] == model[..], "round {}: dst {} src {} n {}", round, dst, src, n);
    }

    // bounds: end of memory is fine, one past traps without writing anything
    inst.run_void("copy", &args(SIZE - 10, 0, 10)).unwrap();
    model.copy_within(0..10, SIZE - 10);
    inst.run_void("copy", &args(SIZE, 0, 0)).unwrap();
    inst.run_void("fill", &args(SIZE, 1, 0)).unwrap();
    for (export, a, b, n) in [
        ("copy", SIZE - 10, 0, 11),
        ("copy", 0, SIZE - 10, 11),
        ("copy", SIZE + 1, 0, 0),
        ("copy", 0xffff_fff0, 0, 0x20),
        ("copy", 0, 0, 0xffff_ffff),
        ("fill", SIZE - 10, 7, 11),
        ("fill", SIZE + 1, 7, 0),
        ("fill", 0xffff_fff0, 7, 0x20),
    ]
    .iter()
    {
        let e = inst.run_void(export, &args(*a, *b, *n)).expect_err("out of bounds");
        assert!(e.contains("HeapOutOfBounds"), "{} {} {} {}: {}", export, a, b, n, e);
        assert!(inst.heap()[..SIZE] == model[..], "{} {} {} {} wrote", export, a, b, n);
        inst.reset().unwrap();
        inst.heap_mut()[..SIZE].copy_from_slice(&model);
    }
    println!("out-of-bounds error: {}", inst.run_void("copy", &args(0, 0, SIZE + 1)).unwrap_err());
    unsafe { wrb_lucet_free_instance(p) };
}

#[test]
fn lowering_is_identity_without_bulk_memory() {
    let wasm = wabt::wat2wasm(P1_WAT).unwrap();
    assert_eq!(lower::lower_bulk_memory(&wasm).unwrap(), (wasm, lower::Lowered::default()));
    assert!(lower::lower_bulk_memory(b"not wasm").is_err());
}

/// The suite's samples that lucetc rejects for bulk memory (README: "lucet | sieve,
/// sort-indirect, sha256, markdown") compile and give the manifest's results once lowered
/// (args and results copied from samples/manifest.toml).
#[test]
fn lowering_runs_the_suites_bulk_memory_samples() {
    let _turn = serial();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../samples");
    for (name, arg, expected) in [
        ("sieve", 1_000_000, 78498),
        ("sort-indirect", 5001, 254403095),
        ("sha256", 65536, -1958583431),
        ("markdown", 50, -2134456907),
    ]
    .iter()
    {
        let wasm = std::fs::read(dir.join(format!("{}.wasm", name))).unwrap();
        assert!(compile_wasi(&wasm, 0).unwrap_err().contains("bulk memory"), "{}", name);
        let (_, lowered) = lower::lower_bulk_memory(&wasm).unwrap();
        let t = Instant::now();
        let module = Module::compile(&wasm, WRB_LUCET_LOWER_BULK_MEMORY);
        let t_compile = t.elapsed();
        let mut p = ptr::null_mut();
        assert_eq!(take_err(unsafe { wrb_lucet_instantiate(module.0, &mut p) }), None);
        let run = CString::new("run").unwrap();
        let mut out = WrbValue { tag: 9, bits: 0 };
        let t = Instant::now();
        let e = take_err(unsafe { wrb_lucet_call(p, run.as_ptr(), WrbValue::i32(*arg), WRB_I32, &mut out) });
        println!("{}: {:?}, compile {:?}, run {:?}", name, lowered, t_compile, t.elapsed());
        assert_eq!(e, None, "{}", name);
        assert_eq!(out, WrbValue::i32(*expected), "{}", name);
        unsafe { wrb_lucet_free_instance(p) };
    }
}
