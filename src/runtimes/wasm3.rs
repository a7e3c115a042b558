//! wasm3 0.4.7 (crate `wasm3` 0.3.1), an interpreter that compiles each function to its
//! threaded code on the function's first use, with the crate's default features (WASI
//! linkable, 32-bit slots) and a 64 KiB stack per runtime. It has no compiled artifact, so
//! it stays out of the AOT steps.
//!
//! wasm3 loads a parsed module into one runtime, which takes it over (and frees it with
//! itself), so one parsed module cannot be instantiated twice. The steps are therefore:
//! - `compile`: parse (`m3_ParseModule`: sections, types, function bodies located, not yet
//!   compiled or validated); the module keeps the parse for its first instantiation, and
//!   the bytes for later ones. wasm3 0.4.7 does not check that a section's declared length
//!   fits in the bytes (it reads past their end), so the adapter checks the section
//!   framing first. wasm3 validates a function body only when it compiles it (see below):
//!   a malformed body in a function never called is never noticed.
//! - `instantiate`: a new wasm3 runtime (its stack), the module's parse (the kept one the
//!   first time, a new parse of the bytes after that), loading it (memory, globals, data and
//!   element segments), looking up the export, checking its signature and compiling the
//!   export's body. Other functions compile on their first call (in `execute`'s first call
//!   and in `jit`). `jit` parses once.
//! - `execute`: a typed call (`Function::call`), values passed on wasm3's stack, no boxing.
//!   Exports of more than one parameter are not bound by this adapter.

use crate::proposal::Proposal;
use crate::runtime::{Instance, Module, Runtime};
use crate::sample::Sample;
use crate::step::Step;
use crate::value::{Export, Typed, Value};
use std::cell::Cell;
use crate::with_signature;
use anyhow::{Result, anyhow, bail, ensure};
use wasm3::{Environment, Function, ParsedModule, WasmArgs, WasmType};

/// The stack of every wasm3 runtime: its frames and operand slots.
const STACK_BYTES: u32 = 64 * 1024;

pub struct Wasm3 {
    env: Environment,
}

impl Wasm3 {
    pub fn new() -> Result<Wasm3> {
        Ok(Wasm3 { env: Environment::new().map_err(|e| anyhow!("wasm3's environment: {e}"))? })
    }
}

impl Runtime for Wasm3 {
    fn name(&self) -> &'static str {
        "wasm3"
    }

    fn version(&self) -> String {
        "wasm3 0.4.7 (crate wasm3 0.3.1)".into()
    }

    fn unsupported(&self, step: Step) -> Option<String> {
        match step {
            _ if step.is_aot() => Some("wasm3 is an interpreter: it has no compiled artifact to store".into()),
            Step::Wasi | Step::WasiRun => Some(
                "wasm3's WASI (m3_LinkWASI) preopens the host's / and current directory and writes to the process's stdout: it cannot be confined to one directory".into(),
            ),
            _ => None,
        }
    }

    /// wasm3 0.4.7 rejects the DataCount section ("out of order Wasm section") and reads
    /// LLVM's 5-byte table index of `call_indirect` wrongly ("unknown value_type").
    fn missing_proposals(&self) -> &'static [Proposal] {
        &[Proposal::BulkMemory, Proposal::ReferenceTypes]
    }

    fn renew(&self) -> Result<Box<dyn Runtime>> {
        Ok(Box::new(Wasm3::new()?))
    }

    fn compile(&self, sample: &Sample) -> Result<Box<dyn Module>> {
        check_sections(&sample.wasm)?;
        let parsed = self.env.parse_module(sample.wasm.as_slice()).map_err(|e| anyhow!("{e}"))?;
        Ok(Box::new(Wasm3Module { env: self.env.clone(), wasm: sample.wasm.as_slice().into(), parsed: Cell::new(Some(parsed)) }))
    }
}

/// Every section after the header has a known id and ends within `wasm`: what wasm3
/// 0.4.7's parser assumes without checking.
fn check_sections(wasm: &[u8]) -> Result<()> {
    // wasm3 refuses a wrong magic number or version itself.
    let (Some(b"\0asm"), Some(mut rest)) = (wasm.first_chunk::<4>(), wasm.get(8..)) else {
        return Ok(());
    };
    while let [id, after_id @ ..] = rest {
        // 0 custom, 1 to 11 WebAssembly 1.0, 12 DataCount: wasm3 passes over any other.
        ensure!(*id <= 12, "malformed Wasm binary: unknown section id {id}");
        rest = after_id;
        let mut length = 0u64;
        for shift in (0..35).step_by(7) {
            let [byte, after @ ..] = rest else { bail!("malformed Wasm binary: section length runs past the end") };
            rest = after;
            length |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            ensure!(shift < 28, "malformed Wasm binary: section length is not a u32");
        }
        let length = usize::try_from(length)?;
        ensure!(length <= rest.len(), "malformed Wasm binary: section of {length} bytes runs past the end");
        rest = &rest[length..];
    }
    Ok(())
}

struct Wasm3Module {
    env: Environment,
    wasm: Box<[u8]>,
    /// The parse `compile` made, until the first instantiation takes it.
    parsed: Cell<Option<ParsedModule>>,
}

impl Module for Wasm3Module {
    fn instantiate(&self, export: &Export) -> Result<Box<dyn Instance>> {
        let runtime = Box::new(self.env.create_runtime(STACK_BYTES).map_err(|e| anyhow!("{e}"))?);
        let parsed = match self.parsed.take() {
            Some(parsed) => parsed,
            None => self.env.parse_module(&*self.wasm).map_err(|e| anyhow!("{e}"))?,
        };
        runtime.load_module(parsed).map_err(|e| anyhow!("{e}"))?;
        with_signature!(export, bind(runtime, export), Err(anyhow!("export {export}: the wasm3 adapter binds exports of at most one parameter")))
    }
}

fn bind<P: Typed + Wasm3Args, R: Typed + WasmType>(
    runtime: Box<wasm3::Runtime>,
    export: &Export,
) -> Result<Box<dyn Instance>> {
    // The instance owns the runtime through a raw pointer (it does not move) and frees it
    // after the function that borrows it; `Function` has no drop of its own.
    let runtime = Owned(Box::into_raw(runtime));
    // SAFETY: the pointer is valid until `Owned` drops, which the function does not outlive.
    let borrowed: &'static wasm3::Runtime = unsafe { &*runtime.0 };
    // Checks the signature, then compiles the function.
    let run = borrowed.find_function::<P, R>(&export.name).map_err(|e| anyhow!("export {export}: {e}"))?;
    Ok(Box::new(Wasm3Instance { run, _runtime: runtime }))
}

struct Owned(*mut wasm3::Runtime);

impl Drop for Owned {
    fn drop(&mut self) {
        drop(unsafe { Box::from_raw(self.0) });
    }
}

/// Fields drop in order: the function before the runtime it borrows.
struct Wasm3Instance<P, R> {
    run: Function<'static, P, R>,
    _runtime: Owned,
}

impl<P: Typed + Wasm3Args, R: Typed + WasmType> Instance for Wasm3Instance<P, R> {
    #[inline]
    fn call(&mut self, args: &[Value]) -> Result<Option<Value>> {
        Ok(P::call(&self.run, P::from_args(args)?).map_err(|e| anyhow!("{e}"))?.into_result())
    }
}

/// How wasm3's `Function::call` takes `P`: one argument, or none.
trait Wasm3Args: Sized + WasmArgs {
    fn call<R: WasmType>(function: &Function<'static, Self, R>, args: Self) -> wasm3::error::Result<R>;
}

impl Wasm3Args for () {
    #[inline]
    fn call<R: WasmType>(function: &Function<'static, (), R>, (): ()) -> wasm3::error::Result<R> {
        function.call()
    }
}

macro_rules! wasm3_args {
    ($($ty:ty),*) => {$(
        impl Wasm3Args for $ty {
            #[inline]
            fn call<R: WasmType>(function: &Function<'static, $ty, R>, arg: $ty) -> wasm3::error::Result<R> {
                function.call(arg)
            }
        }
    )*};
}
wasm3_args!(i32, i64, f32, f64);
