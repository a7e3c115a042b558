//! The post-MVP WebAssembly proposals a module needs, found by validating it without
//! each one, so that a runtime without a proposal skips the modules that need it.

use std::fmt;
use wasmparser::{Validator, WasmFeatures};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proposal {
    SignExtension,
    SaturatingFloatToInt,
    MultiValue,
    /// Includes the DataCount section and LLVM's `memory.copy` and `memory.fill`.
    BulkMemory,
    /// Includes `call_indirect` with a table index that is not the one byte 0x00 (LLVM
    /// writes it as a 5-byte LEB when reference types are on, as Rust's default does).
    ReferenceTypes,
    Simd,
}

impl Proposal {
    pub const ALL: [Proposal; 6] = [
        Proposal::SignExtension,
        Proposal::SaturatingFloatToInt,
        Proposal::MultiValue,
        Proposal::BulkMemory,
        Proposal::ReferenceTypes,
        Proposal::Simd,
    ];

    fn features(self) -> WasmFeatures {
        match self {
            Proposal::SignExtension => WasmFeatures::SIGN_EXTENSION,
            Proposal::SaturatingFloatToInt => WasmFeatures::SATURATING_FLOAT_TO_INT,
            Proposal::MultiValue => WasmFeatures::MULTI_VALUE,
            Proposal::BulkMemory => WasmFeatures::BULK_MEMORY,
            Proposal::ReferenceTypes => WasmFeatures::REFERENCE_TYPES,
            Proposal::Simd => WasmFeatures::SIMD,
        }
    }

    /// The proposals `wasm` cannot validate without (none if it does not validate at all:
    /// that is for the runtimes to report).
    pub fn needed_by(wasm: &[u8]) -> Vec<Proposal> {
        let valid = |features| Validator::new_with_features(features).validate_all(wasm).is_ok();
        if !valid(WasmFeatures::WASM2) {
            return Vec::new();
        }
        Proposal::ALL.into_iter().filter(|p| !valid(WasmFeatures::WASM2.difference(p.features()))).collect()
    }
}

impl fmt::Display for Proposal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proposal::SignExtension => "sign-extension",
            Proposal::SaturatingFloatToInt => "non-trapping float-to-int",
            Proposal::MultiValue => "multi-value",
            Proposal::BulkMemory => "bulk memory",
            Proposal::ReferenceTypes => "reference types",
            Proposal::Simd => "SIMD",
        })
    }
}

/// The (module, name) pairs `wasm` imports; empty if it does not parse.
pub fn imports(wasm: &[u8]) -> Vec<(String, String)> {
    use wasmparser::{Parser, Payload};
    let mut imports = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload {
            Ok(Payload::ImportSection(reader)) => {
                for import in reader.into_imports().flatten() {
                    imports.push((import.module.to_string(), import.name.to_string()));
                }
            }
            Ok(_) => {}
            Err(_) => return Vec::new(),
        }
    }
    imports
}
