//! V8, the engine of Node.js (the `node` on the PATH; `./suite setup` installs Debian's if
//! there is none), in three configurations, each its own node process running
//! `src/runtimes/v8/harness.mjs`, started once and kept, driven over stdin/stdout one JSON
//! line each way (protocol and the facts behind the flags: `src/runtimes/v8/PROTOCOL.md`):
//! - `v8.liftoff`: the baseline compiler only (`--liftoff-only`);
//! - `v8.turbofan`: the optimizing compiler only (`--no-liftoff`);
//! - `v8.default`: V8's defaults, lazy compilation and dynamic tier-up: only `jit` and the
//!   WASI end-to-end run, where it means what Node's users see (its `compile` only
//!   validates, and its `execute` mixes tiers while TurboFan code keeps arriving).
//!
//! The fixed tiers compile every function inside `new WebAssembly.Module`
//! (`--no-wasm-lazy-compilation`) on one thread at a time (`--wasm-num-compilation-tasks=0`),
//! never from V8's cache of modules it has seen (`--no-wasm-native-module-cache-enabled`).
//! V8's time is measured inside node (`process.hrtime.bigint()`) around exactly the step,
//! for K iterations at a time: Criterion gets those durations (`SelfTimed`), never a pipe's
//! round trip. Every iteration's outcome is checked in node. A node process that dies or
//! hangs fails the benchmark with the reason; the next request starts a new one.
//! AOT: Node 20 has no public API to store a compiled module (only V8's test-only intrinsics).

use crate::runtime::{Instance, Module, Runtime, SelfTimed, Timed};
use crate::sample::{Expect, Sample};
use crate::step::Step;
use crate::value::{Export, ValType, Value};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value as Json, json};
use std::cell::RefCell;
use std::rc::Rc;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

/// Every configuration's flags: one compilation thread, no module cache, and no fast API
/// calls (with them, Node 20 crashes after a few hundred node:wasi runs).
const COMMON: [&str; 2] = ["--no-wasm-native-module-cache-enabled", "--no-turbo-fast-api-calls"];
const FIXED_TIER: [&str; 2] = ["--no-wasm-lazy-compilation", "--wasm-num-compilation-tasks=0"];

pub fn harness_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/runtimes/v8/harness.mjs")
}

/// A configuration and its node process; modules and instances share it.
#[derive(Clone)]
pub struct V8(Rc<Inner>);

/// A configuration's name, flags and node process.
pub struct Inner {
    name: &'static str,
    flags: Vec<&'static str>,
    node: RefCell<Option<Node>>,
    version: String,
}

impl std::ops::Deref for V8 {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl V8 {
    fn new(name: &'static str, tier: &[&'static str]) -> Result<V8> {
        let flags: Vec<&'static str> = tier.iter().chain(&COMMON).copied().collect();
        let mut node = Node::start(&flags)?;
        let hello = node.request(json!({"op": "hello"}), Duration::from_secs(30)).map_err(|e| anyhow!("{}", e.text()))?;
        let version = format!(
            "node {}, V8 {}, {}",
            hello["node"].as_str().unwrap_or("?"),
            hello["v8"].as_str().unwrap_or("?"),
            flags.join(" ")
        );
        Ok(V8(Rc::new(Inner { name, flags, node: RefCell::new(Some(node)), version })))
    }

    pub fn liftoff() -> Result<V8> {
        V8::new("v8.liftoff", &["--liftoff-only", FIXED_TIER[0], FIXED_TIER[1]])
    }

    pub fn turbofan() -> Result<V8> {
        V8::new("v8.turbofan", &["--no-liftoff", FIXED_TIER[0], FIXED_TIER[1]])
    }

    pub fn default_tiers() -> Result<V8> {
        V8::new("v8.default", &[])
    }

    /// The harness's empty step, `iters` times: what its own loop adds.
    pub fn noop(&self, iters: u64) -> Result<std::time::Duration> {
        let response = self.request(json!({"op": "noop", "iters": iters}), Duration::from_secs(60))?;
        nanos(&response)
    }

    /// The module id of `sample`'s bytes in the node process (loaded once).
    fn module(&self, wasm: &[u8], file: Option<&Path>) -> Result<u64> {
        let hash = blake3::hash(wasm);
        let known = self.node.borrow().as_ref().and_then(|n| n.modules.get(&hash).copied());
        if let Some(id) = known {
            return Ok(id);
        }
        // The harness reads a file: the sample's own, or a private copy of the bytes.
        let private;
        let path = match file {
            Some(file) if std::fs::read(file).is_ok_and(|bytes| bytes == wasm) => file.to_path_buf(),
            _ => {
                private = tempfile::Builder::new().prefix("wrb-v8-").suffix(".wasm").tempfile()?;
                std::fs::write(private.path(), wasm)?;
                private.path().to_path_buf()
            }
        };
        let id = self.node.borrow().as_ref().map_or(1, |n| n.modules.len() as u64 + 1);
        self.request(json!({"op": "load", "module": id, "path": path}), Duration::from_secs(60))?;
        if let Some(node) = self.node.borrow_mut().as_mut() {
            node.modules.insert(hash, id);
        }
        Ok(id)
    }
}

impl Inner {
    /// One request to this configuration's node process, started anew if it is gone.
    /// A process that died or did not answer within `limit` is dropped, with the reason.
    fn request(&self, request: Json, limit: Duration) -> Result<Json> {
        let mut slot = self.node.borrow_mut();
        if slot.is_none() {
            *slot = Some(Node::start(&self.flags)?);
        }
        let node = slot.as_mut().expect("started above");
        match node.request(request, limit) {
            Ok(response) => Ok(response),
            Err(NodeError::Refused(message)) => Err(anyhow!(message)),
            Err(NodeError::Lost(reason)) => {
                *slot = None;
                Err(anyhow!(reason))
            }
        }
    }
}

impl Runtime for V8 {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> String {
        self.version.clone()
    }

    fn unsupported(&self, step: Step) -> Option<String> {
        match step {
            _ if step.is_aot() => Some("Node 20 has no public API to store a compiled module and load it in a later process (only V8's test-only %SerializeWasmModule)".into()),
            Step::Compile | Step::Instantiate | Step::Execute | Step::WasiRun if self.name == "v8.default" => Some(
                "V8's defaults compile lazily and tier up in the background: its compile only validates and its execute mixes tiers; v8.default takes part in jit and the WASI end-to-end run".into(),
            ),
            _ => None,
        }
    }

    /// The same node process: V8 times its own steps, each compile from the bytes.
    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new(self.clone()))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let id = self.module(&sample.wasm, sample.file.as_deref())?;
        self.request(json!({"op": "compile", "module": id, "iters": 1}), compile_limit())?;
        Ok(Box::new(V8Module { v8: self.clone(), id, wasm: sample.wasm.clone() }))
    }

    fn self_timed(&self) -> Option<&dyn SelfTimed> {
        Some(self)
    }

    #[cfg(feature = "wasi")]
    fn compile_wasi(&self, _sample: &crate::wasi::WasiSample) -> Result<Box<dyn crate::wasi::WasiModule>> {
        bail!("{} runs WASI commands only through its own clock (`SelfTimed`)", self.name)
    }
}

fn compile_limit() -> Duration {
    crate::harness::watchdog::compile_limit()
}

fn call_limit() -> Duration {
    crate::harness::watchdog::call_limit()
}

fn type_name(ty: ValType) -> &'static str {
    match ty {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
    }
}

/// A value as the harness writes it: exact bits for floats, decimal for i64.
fn encode(value: Value) -> Json {
    match value {
        Value::I32(v) => json!({"i32": v}),
        Value::I64(v) => json!({"i64": v.to_string()}),
        Value::F32(v) => json!({"f32": format!("{:08x}", v.to_bits())}),
        Value::F64(v) => json!({"f64": format!("{:016x}", v.to_bits())}),
    }
}

fn decode(json: &Json) -> Result<Value> {
    let object = json.as_object().context("a value is an object")?;
    let (ty, value) = object.iter().next().context("an empty value")?;
    let bits = |text: &Json| u64::from_str_radix(text.as_str().unwrap_or_default(), 16).context("hex bits");
    Ok(match ty.as_str() {
        "i32" => Value::I32(value.as_i64().context("an i32")? as i32),
        "i64" => Value::I64(value.as_str().context("an i64")?.parse()?),
        "f32" => Value::from_bits(ValType::F32, bits(value)?),
        "f64" => Value::from_bits(ValType::F64, bits(value)?),
        other => bail!("value type {other}"),
    })
}

/// The fields of a call: export, arguments, expected result and result types.
fn call_fields(sample: &Sample) -> Json {
    let expected = match sample.expected {
        Expect::Exactly(Some(value)) => encode(value),
        Expect::Exactly(None) => json!([]),
        Expect::NoTrap => Json::Null,
    };
    json!({
        "export": sample.export.name,
        "params": sample.export.params.iter().map(|p| type_name(*p)).collect::<Vec<_>>(),
        "results": sample.export.result.iter().map(|r| type_name(*r)).collect::<Vec<_>>(),
        "args": sample.args.iter().map(|a| encode(*a)).collect::<Vec<_>>(),
        "expected": expected,
    })
}

fn nanos(response: &Json) -> Result<std::time::Duration> {
    let ns: u64 = response["ns"].as_str().context("the harness's time")?.parse()?;
    Ok(std::time::Duration::from_nanos(ns))
}

impl SelfTimed for V8 {
    fn time(&self, step: Step, what: Timed<'_>, iters: u64) -> Result<std::time::Duration> {
        let limit = crate::harness::limit(step).saturating_mul(u32::try_from(iters).unwrap_or(u32::MAX).max(1));
        let request = match (step, what) {
            (Step::Compile | Step::Instantiate | Step::Execute | Step::Jit, Timed::Sample(sample)) => {
                if step != Step::Compile {
                    check_signature(&sample.wasm, &sample.export)?;
                }
                let module = self.module(&sample.wasm, sample.file.as_deref())?;
                let mut request = call_fields(sample);
                request["op"] = json!(step.id());
                request["module"] = json!(module);
                request["iters"] = json!(iters);
                request
            }
            #[cfg(feature = "wasi")]
            (Step::Wasi | Step::WasiRun | Step::Instantiate | Step::Execute, Timed::Wasi(sample)) => {
                let module = self.module(&sample.wasm, sample.file.as_deref())?;
                let command = sample.command();
                let expected = match &sample.expected_stdout {
                    Some(stdout) => {
                        let file = tempfile::Builder::new().prefix("wrb-v8-stdout-").tempfile()?;
                        std::fs::write(file.path(), stdout)?;
                        Some(file)
                    }
                    None => None,
                };
                let response = self.request(
                    json!({
                        "op": "wasi",
                        "module": module,
                        "args": command.argv(),
                        "preopen": sample.preopen,
                        "guest": sample.guest_dir,
                        "expected_stdout_path": expected.as_ref().map(|f| f.path()),
                        "mode": match step { Step::Wasi => "end_to_end", Step::Instantiate => "instantiate", _ => "run" },
                        "iters": iters,
                    }),
                    limit,
                )?;
                // `execute` of a command is the time between its bench.start and bench.end.
                if step == Step::Execute {
                    let ns: u64 = response["bench_ns"].as_str().context("the command did not mark its work with bench.start and bench.end")?.parse()?;
                    return Ok(std::time::Duration::from_nanos(ns));
                }
                return nanos(&response);
            }
            (step, _) => bail!("{} does not time {step} of this kind of sample", self.name),
        };
        let response = self.request(request, limit)?;
        nanos(&response)
    }
}

struct V8Module {
    v8: V8,
    id: u64,
    wasm: Vec<u8>,
}

/// JavaScript sees neither a wasm function's parameter types nor its result type: the
/// export's signature is read from the module's bytes (outside any timing).
fn check_signature(wasm: &[u8], export: &Export) -> Result<()> {
    if let Some(own) = crate::sample::export_signature(wasm, &export.name) {
        anyhow::ensure!(own == *export, "export {export} has type {own}");
    }
    Ok(())
}

impl Module for V8Module {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        check_signature(&self.wasm, export)?;
        // Checked by an instantiation in node; calls go through the harness one at a time.
        let request = json!({
            "op": "instantiate",
            "module": self.id,
            "export": export.name,
            "params": export.params.iter().map(|p| type_name(*p)).collect::<Vec<_>>(),
            "results": export.result.iter().map(|r| type_name(*r)).collect::<Vec<_>>(),
            "iters": 1,
        });
        self.v8.request(request, call_limit())?;
        Ok(Box::new(V8Instance { v8: self.v8.clone(), id: self.id, export: export.clone() }))
    }
}

/// An instance the tests can call (one request per call); benchmarks time V8 in node.
struct V8Instance {
    v8: V8,
    id: u64,
    export: Export,
}

impl Instance for V8Instance {
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        crate::value::check_args(&self.export, args)?;
        let request = json!({
            "op": "execute",
            "module": self.id,
            "export": self.export.name,
            "args": args.iter().map(|a| encode(*a)).collect::<Vec<_>>(),
            "results": self.export.result.iter().map(|r| type_name(*r)).collect::<Vec<_>>(),
            "expected": Json::Null,
            "iters": 1,
        });
        let response = self.v8.request(request, call_limit())?;
        match &response["result"] {
            Json::Null => Ok(None),
            Json::Array(values) if values.is_empty() => Ok(None),
            Json::Array(values) => Ok(Some(decode(&values[0])?)),
            value => Ok(Some(decode(value)?)),
        }
    }
}

enum NodeError {
    /// The harness answered with an error: the step failed.
    Refused(String),
    /// The process is gone or stuck: it is dropped.
    Lost(String),
}

impl From<anyhow::Error> for NodeError {
    fn from(e: anyhow::Error) -> Self {
        NodeError::Lost(format!("{e:#}"))
    }
}

impl NodeError {
    fn text(&self) -> &str {
        match self {
            NodeError::Refused(text) | NodeError::Lost(text) => text,
        }
    }
}

/// One node process running the harness.
struct Node {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
    modules: HashMap<blake3::Hash, u64>,
}

impl Node {
    fn start(flags: &[&str]) -> Result<Node> {
        let mut command = Command::new("node");
        command.args(flags).arg(harness_path()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        // Node dies with the thread that started it: a bench process that the watchdog
        // ends must not leave a node behind, still running a runaway guest.
        unsafe {
            use std::os::unix::process::CommandExt;
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command.spawn().context("starting node (`./suite setup` installs Node.js if it is missing)")?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        // A thread reads the responses, so that a request can give up after its limit.
        let (send, lines) = channel();
        std::thread::Builder::new()
            .name("wrb-node-reader".into())
            .spawn(move || {
                for line in stdout.lines() {
                    if send.send(line).is_err() {
                        break;
                    }
                }
            })
            .context("starting the reader of node's output")?;
        Ok(Node { child, stdin, lines, modules: HashMap::new() })
    }

    fn request(&mut self, request: Json, limit: Duration) -> Result<Json, NodeError> {
        let mut line = serde_json::to_vec(&request).map_err(anyhow::Error::from)?;
        line.push(b'\n');
        if self.stdin.write_all(&line).and_then(|()| self.stdin.flush()).is_err() {
            return Err(NodeError::Lost(self.ended("it stopped reading requests")));
        }
        let line = match self.lines.recv_timeout(limit) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => return Err(NodeError::Lost(self.ended(&format!("reading its answer failed: {e}")))),
            Err(RecvTimeoutError::Disconnected) => return Err(NodeError::Lost(self.ended("it closed its output"))),
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                return Err(NodeError::Lost(format!("did not finish within {} s (node was killed)", limit.as_secs_f64())));
            }
        };
        let response: Json = serde_json::from_str(&line).map_err(|e| NodeError::Lost(format!("node answered `{line}`: {e}")))?;
        if response["ok"] == json!(true) {
            Ok(response)
        } else {
            Err(NodeError::Refused(response["error"].as_str().unwrap_or("the harness failed without a message").to_string()))
        }
    }

    /// Why the process is gone, with its exit status if it has one.
    fn ended(&mut self, what: &str) -> String {
        let _ = self.child.kill();
        match self.child.wait() {
            Ok(status) => format!("node ended ({}): {what}", crate::harness::supervise::describe(status)),
            Err(_) => format!("node ended: {what}"),
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.stdin.write_all(b"{\"op\":\"exit\"}\n");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

