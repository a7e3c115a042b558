//! The values a sample's export takes and returns, and their wasm types.

use serde::Deserialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
}

/// A wasm value as the manifest writes it: `{ i32 = 20 }`, `{ f64 = -0.16907 }`.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
}

impl Value {
    pub fn ty(self) -> ValType {
        match self {
            Value::I32(_) => ValType::I32,
            Value::I64(_) => ValType::I64,
            Value::F32(_) => ValType::F32,
            Value::F64(_) => ValType::F64,
        }
    }
}

/// Bit-for-bit equality: wasm floats are deterministic, so every correct runtime
/// returns exactly the bits native code does.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (*self, *other) {
            (Value::I32(a), Value::I32(b)) => a == b,
            (Value::I64(a), Value::I64(b)) => a == b,
            (Value::F32(a), Value::F32(b)) => a.to_bits() == b.to_bits(),
            (Value::F64(a), Value::F64(b)) => a.to_bits() == b.to_bits(),
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::I32(v) => write!(f, "{v}_i32"),
            Value::I64(v) => write!(f, "{v}_i64"),
            Value::F32(v) => write!(f, "{v:?}_f32"),
            Value::F64(v) => write!(f, "{v:?}_f64"),
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
        })
    }
}

/// A Rust type that stands for one wasm value type; adapters use it to call
/// typed functions without boxing.
pub trait WasmValue: Copy + 'static {
    const TYPE: ValType;
    fn from_value(value: Value) -> Option<Self>;
    fn into_value(self) -> Value;
}

macro_rules! wasm_value {
    ($($rust:ty => $variant:ident),*) => {$(
        impl WasmValue for $rust {
            const TYPE: ValType = ValType::$variant;
            #[inline]
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => Some(v),
                    _ => None,
                }
            }
            #[inline]
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
        }
    )*};
}
wasm_value!(i32 => I32, i64 => I64, f32 => F32, f64 => F64);

/// What a sample calls: an export taking one value and returning one.
#[derive(Clone, Debug)]
pub struct Export {
    pub name: String,
    pub param: ValType,
    pub result: ValType,
}

impl fmt::Display for Export {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` ({}) -> {}", self.name, self.param, self.result)
    }
}

/// Runs `$bind::<P, R>($args)`, or the macro `$callback!(P, R)`, with `P` and `R` the Rust
/// types of `$export`'s parameter and result. Adapters bind typed functions this way (no
/// boxed values per call) with one generic function instead of a case per signature.
#[macro_export]
macro_rules! with_signature {
    ($export:expr, $bind:ident ( $($arg:expr),* $(,)? )) => {{
        macro_rules! typed_bind {
            ($p:ty, $r:ty) => { $bind::<$p, $r>($($arg),*) };
        }
        $crate::with_signature!($export, typed_bind!)
    }};
    ($export:expr, $callback:ident !) => {{
        use $crate::value::ValType::*;
        match ($export.param, $export.result) {
            (I32, I32) => $callback!(i32, i32),
            (I32, I64) => $callback!(i32, i64),
            (I32, F32) => $callback!(i32, f32),
            (I32, F64) => $callback!(i32, f64),
            (I64, I32) => $callback!(i64, i32),
            (I64, I64) => $callback!(i64, i64),
            (I64, F32) => $callback!(i64, f32),
            (I64, F64) => $callback!(i64, f64),
            (F32, I32) => $callback!(f32, i32),
            (F32, I64) => $callback!(f32, i64),
            (F32, F32) => $callback!(f32, f32),
            (F32, F64) => $callback!(f32, f64),
            (F64, I32) => $callback!(f64, i32),
            (F64, I64) => $callback!(f64, i64),
            (F64, F32) => $callback!(f64, f32),
            (F64, F64) => $callback!(f64, f64),
        }
    }};
}

/// The argument as the Rust type `P` stands for, or an error naming both types.
#[inline]
pub fn arg_as<P: WasmValue>(arg: Value) -> anyhow::Result<P> {
    P::from_value(arg).ok_or_else(|| anyhow::anyhow!("argument {arg} is not a {}", P::TYPE))
}
