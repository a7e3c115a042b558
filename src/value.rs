//! The values an export takes and returns, their wasm types, and an export's signature.

use serde::Deserialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
}

/// A wasm value as a manifest writes it: `{ i32 = 20 }`, `{ f64 = -0.16907 }`.
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

    /// The value's bits, zero-extended: how values cross the C and JSON boundaries exactly.
    pub fn bits(self) -> u64 {
        match self {
            Value::I32(v) => v as u32 as u64,
            Value::I64(v) => v as u64,
            Value::F32(v) => v.to_bits() as u64,
            Value::F64(v) => v.to_bits(),
        }
    }

    pub fn from_bits(ty: ValType, bits: u64) -> Value {
        match ty {
            ValType::I32 => Value::I32(bits as u32 as i32),
            ValType::I64 => Value::I64(bits as i64),
            ValType::F32 => Value::F32(f32::from_bits(bits as u32)),
            ValType::F64 => Value::F64(f64::from_bits(bits)),
        }
    }

    /// `i32:5`, `i64:-1`, `f32:1.5`, `f64:0x3ff0000000000000` (bits): the command line's form.
    pub fn parse(text: &str) -> anyhow::Result<Value> {
        let (ty, number) =
            text.split_once(':').ok_or_else(|| anyhow::anyhow!("`{text}`: write a value as TYPE:NUMBER, e.g. i32:5"))?;
        let bits = |n: &str| u64::from_str_radix(n.trim_start_matches("0x"), 16);
        let parsed = match ty {
            "i32" => number.parse().map(Value::I32).ok(),
            "i64" => number.parse().map(Value::I64).ok(),
            "f32" if number.starts_with("0x") => bits(number).ok().map(|b| Value::from_bits(ValType::F32, b)),
            "f64" if number.starts_with("0x") => bits(number).ok().map(|b| Value::from_bits(ValType::F64, b)),
            "f32" => number.parse().map(Value::F32).ok(),
            "f64" => number.parse().map(Value::F64).ok(),
            _ => anyhow::bail!("`{text}`: the type must be i32, i64, f32 or f64"),
        };
        parsed.ok_or_else(|| anyhow::anyhow!("`{text}`: `{number}` is not a {ty}"))
    }
}

/// Bit-for-bit equality: wasm floats are deterministic, so every correct runtime
/// returns exactly the bits native code does.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.ty() == other.ty() && self.bits() == other.bits()
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

/// What the suite calls: an export taking any number of values and returning one or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub params: Vec<ValType>,
    pub result: Option<ValType>,
}

impl Export {
    /// An export whose signature is that of these arguments and this result.
    pub fn of(name: &str, args: &[Value], result: Option<ValType>) -> Export {
        Export { name: name.to_string(), params: args.iter().map(|a| a.ty()).collect(), result }
    }
}

impl fmt::Display for Export {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<String> = self.params.iter().map(|p| p.to_string()).collect();
        let result = self.result.map_or("()".to_string(), |r| r.to_string());
        write!(f, "`{}` ({}) -> {result}", self.name, params.join(", "))
    }
}

/// The one parameter or result of a typed call, or none: `()`, `i32`, `i64`, `f32`, `f64`.
/// Adapters bind typed functions with it (no boxed values per call) and fall back to
/// their runtime's untyped call for every other signature.
pub trait Typed: Copy + 'static {
    const TYPE: Option<ValType>;
    fn from_args(args: &[Value]) -> anyhow::Result<Self>;
    fn into_result(self) -> Option<Value>;
}

impl Typed for () {
    const TYPE: Option<ValType> = None;
    #[inline]
    fn from_args(args: &[Value]) -> anyhow::Result<()> {
        anyhow::ensure!(args.is_empty(), "the export takes no arguments, got {}", args.len());
        Ok(())
    }
    #[inline]
    fn into_result(self) -> Option<Value> {
        None
    }
}

macro_rules! typed {
    ($($rust:ty => $variant:ident),*) => {$(
        impl Typed for $rust {
            const TYPE: Option<ValType> = Some(ValType::$variant);
            #[inline]
            fn from_args(args: &[Value]) -> anyhow::Result<Self> {
                match args {
                    [Value::$variant(v)] => Ok(*v),
                    _ => anyhow::bail!("the export takes one {}, got {args:?}", ValType::$variant),
                }
            }
            #[inline]
            fn into_result(self) -> Option<Value> {
                Some(Value::$variant(self))
            }
        }
    )*};
}
typed!(i32 => I32, i64 => I64, f32 => F32, f64 => F64);

/// Runs `$bind::<P, R>($args)` with `P` and `R` the `Typed` types of `$export`'s one
/// parameter (or none) and result (or none); for any other signature, evaluates `$untyped`.
#[macro_export]
macro_rules! with_signature {
    (@params $export:expr, $callback:ident, $untyped:expr) => {{
        use $crate::value::ValType::*;
        match $export.params.as_slice() {
            [] => $crate::with_signature!(@result $export, $callback, ()),
            [I32] => $crate::with_signature!(@result $export, $callback, i32),
            [I64] => $crate::with_signature!(@result $export, $callback, i64),
            [F32] => $crate::with_signature!(@result $export, $callback, f32),
            [F64] => $crate::with_signature!(@result $export, $callback, f64),
            _ => $untyped,
        }
    }};
    (@result $export:expr, $callback:ident, $p:ty) => {{
        match $export.result {
            None => $callback!($p, ()),
            Some(I32) => $callback!($p, i32),
            Some(I64) => $callback!($p, i64),
            Some(F32) => $callback!($p, f32),
            Some(F64) => $callback!($p, f64),
        }
    }};
    ($export:expr, $bind:ident ( $($arg:expr),* $(,)? ), $untyped:expr) => {{
        macro_rules! typed_bind {
            ($p:ty, $r:ty) => { $bind::<$p, $r>($($arg),*) };
        }
        $crate::with_signature!(@params $export, typed_bind, $untyped)
    }};
    ($export:expr, $callback:ident !, $untyped:expr) => {{
        $crate::with_signature!(@params $export, $callback, $untyped)
    }};
}

/// Checks untyped arguments against an export's parameters.
#[inline]
pub fn check_args(export: &Export, args: &[Value]) -> anyhow::Result<()> {
    let same = args.len() == export.params.len() && args.iter().zip(&export.params).all(|(a, p)| a.ty() == *p);
    anyhow::ensure!(same, "export {export} called with {args:?}");
    Ok(())
}
