//! The `native` runtime: each sample's own Rust source (the crates in `wasm-sample/`),
//! compiled for the host by cargo and called through a function pointer; for the WASI
//! samples, the command's library called in-process with the host's file system.

use crate::runtime::{Instance, Module, Runtime, WasiModule};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Value, WasmValue};
use crate::wasi::{GUEST_DIR, WasiCommand, WasiOutput, WasiSample};
use anyhow::{Result, anyhow};

pub type NativeFn = fn(Value) -> Option<Value>;

/// The native twin of each sample, by sample name.
pub fn function(sample: &str) -> Option<NativeFn> {
    Some(match sample {
        "add-one" => |v| Some(add_one::add_one(i32::from_value(v)?).into_value()),
        "fibonacci" => |v| Some(fibonacci::fibonacci(i32::from_value(v)?).into_value()),
        "nbody" => |v| Some(nbody::nbody(i32::from_value(v)?).into_value()),
        "sieve" => |v| Some(sieve::count_primes(i32::from_value(v)?).into_value()),
        "sort-indirect" => |v| Some(sort_indirect::sort_checksum(i32::from_value(v)?).into_value()),
        "sha256" => |v| Some(sha256::hash_prefix(i32::from_value(v)?).into_value()),
        "markdown" => |v| Some(markdown::render_hash(i32::from_value(v)?).into_value()),
        "mruby-script" => |v| Some(mruby_script::run_script(i32::from_value(v)?).into_value()),
        _ => return None,
    })
}

/// A WASI command's native twin: argv, environment, stdout, stderr; returns the exit code.
pub type NativeCommand = fn(&[String], &mut Vec<u8>, &mut Vec<u8>) -> i32;

/// The native twin of each WASI sample, by sample name.
pub fn command(sample: &str) -> Option<NativeCommand> {
    Some(match sample {
        "wordfreq" => |args, out, err| wordfreq::main_with(args, std::iter::empty(), out, err),
        _ => return None,
    })
}

pub struct Native;

struct NativeModule(NativeFn);

impl Runtime for Native {
    fn name(&self) -> &'static str {
        "native"
    }

    fn version(&self) -> String {
        format!("native {}", env!("CARGO_PKG_VERSION"))
    }

    fn unsupported(&self, step: Step) -> Option<&'static str> {
        match step {
            Step::Execute | Step::WasiRun => None,
            Step::Wasi => Some("native code is compiled ahead of time by cargo; only the run is comparable (wasi_run)"),
            _ => Some("native code is compiled ahead of time by cargo; only execution is comparable"),
        }
    }

    fn renew(&self) -> Box<dyn Runtime> {
        Box::new(Native)
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        let run = function(&sample.name).ok_or_else(|| anyhow!("sample `{}` has no native twin", sample.name))?;
        Ok(Box::new(NativeModule(run)))
    }

    fn compile_wasi(&self, sample: &WasiSample) -> Result<Box<dyn WasiModule>> {
        let run = command(&sample.name).ok_or_else(|| anyhow!("WASI sample `{}` has no native twin", sample.name))?;
        Ok(Box::new(NativeWasi(run)))
    }
}

struct NativeWasi(NativeCommand);

impl WasiModule for NativeWasi {
    /// Paths under `GUEST_DIR` in the arguments become the host paths of the preopened
    /// directory; native code has no sandbox, so the guest's view is not enforced.
    fn run(&self, command: &WasiCommand) -> Result<WasiOutput> {
        let guest_dir = format!("{GUEST_DIR}/");
        let argv: Vec<String> = command
            .argv()
            .into_iter()
            .map(|arg| match arg.strip_prefix(&guest_dir) {
                Some(path) => command.preopen.join(path).to_string_lossy().into_owned(),
                None => arg,
            })
            .collect();
        let mut output = WasiOutput::default();
        output.exit_code = (self.0)(&argv, &mut output.stdout, &mut output.stderr);
        Ok(output)
    }
}

impl Module for NativeModule {
    fn instantiate(&self, _export: &Export) -> Result<Box<dyn Instance>> {
        Ok(Box::new(NativeModule(self.0)))
    }
}

impl Instance for NativeModule {
    fn call(&mut self, arg: Value) -> Result<Value> {
        (self.0)(arg).ok_or_else(|| anyhow!("the native twin does not take a {} argument", arg.ty()))
    }
}
