//! Harness cost: add-one called on a live Wasmer instance through the suite's adapter
//! (`overhead/add-one/<runtime>/adapter`) and directly through Wasmer's own typed
//! function (`.../direct`). The difference is what the adapter adds to `execute`.

mod common;

use std::hint::black_box;
use wasm_runtime_bench::runtime::Runtime;
use wasm_runtime_bench::runtimes::wasmer::Wasmer;
use wasm_runtime_bench::step::{Run, Step};
use wasm_runtime_bench::value::Value;
use wasmer::{Imports, Instance, Module, Store};

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Adapter,
    Direct,
}

fn main() {
    let compilers = [
        #[cfg(feature = "wasmer-singlepass")]
        Wasmer::singlepass(),
        #[cfg(feature = "wasmer-cranelift")]
        Wasmer::cranelift(),
        #[cfg(feature = "wasmer-llvm")]
        Wasmer::llvm(),
    ];
    let ways: Vec<(&Wasmer, Way)> =
        compilers.iter().flat_map(|wasmer| [(wasmer, Way::Adapter), (wasmer, Way::Direct)]).collect();
    let id = |(wasmer, way): &(&Wasmer, Way)| {
        format!("{}/{}", wasmer.name(), if *way == Way::Adapter { "adapter" } else { "direct" })
    };
    let add_one: Vec<_> = common::samples().into_iter().filter(|s| s.name == "add-one").collect();
    common::bench_each("overhead", &add_one, &ways, id, |_| false, |&(wasmer, way), sample| {
        let run = Run::new(wasmer, sample);
        if way == Way::Adapter {
            let mut instance = run.instantiate(&*run.compile()?)?;
            run.check(Step::Execute, run.call(&mut *instance)?)?;
            let arg = sample.arg;
            return Ok(Box::new(move |b| b.iter(|| instance.call(black_box(arg)))));
        }
        let direct = || -> anyhow::Result<_> {
            let Value::I32(arg) = sample.arg else { anyhow::bail!("add-one takes an i32") };
            let module = Module::new(wasmer.engine(), &sample.wasm)?;
            let mut store = Store::new(wasmer.engine().clone());
            let instance = Instance::new(&mut store, &module, &Imports::new())?;
            let add_one = instance.exports.get_typed_function::<i32, i32>(&store, &sample.export.name)?;
            let value = add_one.call(&mut store, arg)?;
            Ok((store, add_one, arg, value))
        };
        let (mut store, add_one, arg, value) = direct().map_err(|e| run.fail(Step::Execute, e))?;
        run.check(Step::Execute, Value::I32(value))?;
        Ok(Box::new(move |b| b.iter(|| add_one.call(&mut store, black_box(arg)))))
    });
}
