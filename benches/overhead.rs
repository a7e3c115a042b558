//! Harness cost. add-one on a live instance through the suite's adapter
//! (`overhead/add-one/<runtime>/adapter`) beside the same call made directly through
//! Wasmer's own typed function (`wasmer.*/direct`): the difference is what the adapter
//! adds to every `execute` number. For Lucet, which the suite reaches through a C ABI,
//! `lucet/boundary` times one call into that library that does nothing.

mod common;

use std::hint::black_box;
use wasm_runtime_bench::runtime::Runtime;
#[cfg(feature = "lucet")]
use wasm_runtime_bench::runtimes::lucet::Lucet;
#[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
use wasm_runtime_bench::runtimes::wasmer::Wasmer;
use wasm_runtime_bench::step::{Run, Step};

enum Way {
    Adapter(Box<dyn Runtime>),
    #[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
    Direct(Wasmer),
    #[cfg(feature = "lucet")]
    Boundary(Lucet),
}

impl Way {
    fn id(&self) -> String {
        match self {
            Way::Adapter(runtime) => format!("{}/adapter", runtime.name()),
            #[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
            Way::Direct(wasmer) => format!("{}/direct", wasmer.name()),
            #[cfg(feature = "lucet")]
            Way::Boundary(lucet) => format!("{}/boundary", lucet.name()),
        }
    }
}

fn main() {
    let mut ways = Vec::new();
    for runtime in wasm_runtime_bench::runtimes::runtimes() {
        let reference = match runtime.name() {
            #[cfg(feature = "wasmer-singlepass")]
            "wasmer.singlepass" => Way::Direct(Wasmer::singlepass()),
            #[cfg(feature = "wasmer-cranelift")]
            "wasmer.cranelift" => Way::Direct(Wasmer::cranelift()),
            #[cfg(feature = "wasmer-llvm")]
            "wasmer.llvm" => Way::Direct(Wasmer::llvm()),
            #[cfg(feature = "lucet")]
            "lucet" => Way::Boundary(Lucet),
            _ => continue,
        };
        if runtime.unsupported(Step::Execute).is_none() {
            ways.extend([Way::Adapter(runtime), reference]);
        }
    }
    let add_one: Vec<_> = common::samples().into_iter().filter(|s| s.name == "add-one").collect();
    let failures = common::bench_each("overhead", &add_one, &ways, Way::id, |_, _| false, |_, _| None, |way, sample| match way {
        Way::Adapter(runtime) => {
            let run = Run::new(&**runtime, sample);
            let mut instance = run.instantiate(&*run.compile()?)?;
            run.check(Step::Execute, run.call(&mut *instance)?)?;
            let arg = sample.arg;
            Ok(Box::new(move |b| b.iter(|| instance.call(black_box(arg)))))
        }
        #[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
        Way::Direct(wasmer) => direct(wasmer, sample),
        #[cfg(feature = "lucet")]
        Way::Boundary(lucet) => {
            lucet.cross_boundary().map_err(|e| Run::new(lucet, sample).fail(Step::Execute, e))?;
            Ok(Box::new(move |b| b.iter(|| lucet.cross_boundary())))
        }
    });
    common::finish("overhead", failures);
}

/// add-one called through Wasmer's own API, as a user of Wasmer would.
#[cfg(any(feature = "wasmer-singlepass", feature = "wasmer-cranelift", feature = "wasmer-llvm"))]
fn direct<'a>(
    wasmer: &'a Wasmer,
    sample: &'a wasm_runtime_bench::sample::Sample,
) -> Result<common::Prepared<'a>, wasm_runtime_bench::step::StepError> {
    use wasm_runtime_bench::value::Value;
    use wasmer::{Imports, Instance, Module, Store};
    let run = Run::new(wasmer, sample);
    let setup = || -> anyhow::Result<_> {
        let Value::I32(arg) = sample.arg else { anyhow::bail!("add-one takes an i32") };
        let module = Module::new(wasmer.engine(), &sample.wasm)?;
        let mut store = Store::new(wasmer.engine().clone());
        let instance = Instance::new(&mut store, &module, &Imports::new())?;
        let add_one = instance.exports.get_typed_function::<i32, i32>(&store, &sample.export.name)?;
        let value = add_one.call(&mut store, arg)?;
        Ok((store, add_one, arg, value))
    };
    let (mut store, add_one, arg, value) = setup().map_err(|e| run.fail(Step::Execute, e))?;
    run.check(Step::Execute, Value::I32(value))?;
    Ok(Box::new(move |b| b.iter(|| add_one.call(&mut store, black_box(arg)))))
}
