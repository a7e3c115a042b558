//! Lowering of `memory.copy` and `memory.fill` (the bulk-memory proposal) to MVP
//! WebAssembly, so that lucetc 0.6.1 can compile modules that use them.
//!
//! lucetc 0.6.1 validates with wasmparser 0.39 (bulk memory off) and cranelift-wasm 0.51
//! does not translate bulk-memory operators, so a module that uses them fails with
//! "Wasm validation: bulk memory support is not enabled". Rust >= 1.87 emits
//! `memory.copy`/`memory.fill` for every `memcpy`/`memmove`/`memset` on wasm32 targets.
//!
//! The pass appends two functions written in MVP instructions,
//! `copy(dst, src, n)` and `fill(dst, val, n)` (type `(i32 i32 i32) -> ()`, appended to
//! the type section), after the module's last function (so no existing function index
//! changes), and replaces every `memory.copy 0 0` with `call copy` and every
//! `memory.fill 0` with `call fill`: the operands are already on the stack in the same
//! order. Their semantics are the proposal's: both bounds are checked before anything is
//! written (an out-of-bounds range traps as a heap out-of-bounds access, by loading the
//! byte at address 0xffff_ffff, with nothing written), overlapping copies behave like
//! `memmove`, and only the low 8 bits of `val` are stored. They move 8 bytes per
//! iteration (`i64.load`/`i64.store`), then single bytes.
//!
//! Everything else is kept byte for byte (including `call_indirect`'s 5-byte table index
//! and the sign-extension operators, which lucetc 0.6.1 accepts). A module without
//! `memory.copy`/`memory.fill` is returned unchanged. Other bulk-memory and
//! reference-type operators (`memory.init`, `data.drop`, `table.*`, `elem.drop`), SIMD,
//! threads, exceptions and tail calls are not lowered: they give an error naming them.

use std::ops::Range;

type Result<T> = std::result::Result<T, String>;

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    fn eof(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or_else(|| "unexpected end of the module".to_string())?;
        self.pos += 1;
        Ok(b)
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| "unexpected end of the module".to_string())?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u32(&mut self) -> Result<u32> {
        let mut result: u64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            result |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 28 {
                return Err("LEB128 integer too long".into());
            }
        }
        if result > u64::from(u32::MAX) {
            return Err("LEB128 integer out of range".into());
        }
        Ok(result as u32)
    }

    /// Skips a LEB128 integer of any width (signed or unsigned, up to 10 bytes).
    fn skip_leb(&mut self) -> Result<()> {
        for _ in 0..10 {
            if self.byte()? & 0x80 == 0 {
                return Ok(());
            }
        }
        Err("LEB128 integer too long".into())
    }

    fn name(&mut self) -> Result<()> {
        let n = self.u32()? as usize;
        self.bytes(n).map(|_| ())
    }

    fn limits(&mut self) -> Result<()> {
        let flags = self.byte()?;
        match flags {
            0x00 => self.skip_leb(),
            0x01 => {
                self.skip_leb()?;
                self.skip_leb()
            }
            f => Err(format!("unsupported limits flags {:#x}", f)),
        }
    }
}

fn write_u32(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn write_i64(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0) {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn write_section(out: &mut Vec<u8>, id: u8, payload: &[u8]) {
    out.push(id);
    write_u32(out, payload.len() as u32);
    out.extend_from_slice(payload);
}

const SECTION_TYPE: u8 = 1;
const SECTION_IMPORT: u8 = 2;
const SECTION_FUNCTION: u8 = 3;
const SECTION_CODE: u8 = 10;

/// What a scan of a function body found.
#[derive(Default)]
struct Found {
    copy_or_fill: bool,
}

/// Walks the instructions of one function body (after its locals), calling `on_bulk`
/// for `memory.copy` (true) and `memory.fill` (false) with the range of the instruction;
/// returns an error for operators this pass cannot keep.
fn walk_body(body: &[u8], mut on_bulk: impl FnMut(bool, Range<usize>)) -> Result<()> {
    let mut r = Reader::new(body);
    let nlocals = r.u32()?;
    for _ in 0..nlocals {
        r.u32()?;
        r.byte()?;
    }
    while !r.eof() {
        let start = r.pos;
        let op = r.byte()?;
        match op {
            // unreachable, nop, else, end, return, drop, select
            0x00 | 0x01 | 0x05 | 0x0b | 0x0f | 0x1a | 0x1b => {}
            // block, loop, if: a block type (0x40, a value type, or an s33 type index)
            0x02 | 0x03 | 0x04 => {
                let bt = r.byte()?;
                if !(bt == 0x40 || (0x7b..=0x7f).contains(&bt) || bt == 0x70 || bt == 0x6f) {
                    r.pos -= 1;
                    r.skip_leb()?;
                }
            }
            // br, br_if, call, local.*, global.*, table.get/set, ref.func
            0x0c | 0x0d | 0x10 | 0x20..=0x26 | 0xd2 => r.skip_leb()?,
            0x0e => {
                let n = r.u32()?;
                for _ in 0..=n {
                    r.skip_leb()?;
                }
            }
            // call_indirect: type index, table index (kept as encoded)
            0x11 => {
                r.skip_leb()?;
                r.skip_leb()?;
            }
            // select with types
            0x1c => {
                let n = r.u32()? as usize;
                r.bytes(n)?;
            }
            // loads and stores: memarg
            0x28..=0x3e => {
                r.skip_leb()?;
                r.skip_leb()?;
            }
            // memory.size, memory.grow: memory index
            0x3f | 0x40 => r.skip_leb()?,
            0x41 | 0x42 => r.skip_leb()?,
            0x43 => {
                r.bytes(4)?;
            }
            0x44 => {
                r.bytes(8)?;
            }
            // numeric operators, sign extension
            0x45..=0xc4 => {}
            // ref.null t, ref.is_null
            0xd0 => {
                r.byte()?;
            }
            0xd1 => {}
            0xfc => {
                let sub = r.u32()?;
                match sub {
                    // saturating truncations
                    0..=7 => {}
                    10 => {
                        let (dst_mem, src_mem) = (r.u32()?, r.u32()?);
                        if dst_mem != 0 || src_mem != 0 {
                            return Err("memory.copy between memories other than 0".into());
                        }
                        on_bulk(true, start..r.pos);
                    }
                    11 => {
                        if r.u32()? != 0 {
                            return Err("memory.fill of a memory other than 0".into());
                        }
                        on_bulk(false, start..r.pos);
                    }
                    8 => return Err("memory.init is not lowered".into()),
                    9 => return Err("data.drop is not lowered".into()),
                    12..=17 => return Err(format!("table operator 0xfc {} is not lowered", sub)),
                    _ => return Err(format!("unknown operator 0xfc {}", sub)),
                }
            }
            0xfd => return Err("SIMD operators are not supported".into()),
            0xfe => return Err("thread (atomic) operators are not supported".into()),
            0x12 | 0x13 => return Err("tail calls are not supported".into()),
            0x06..=0x0a | 0x18 | 0x19 => return Err("exception-handling operators are not supported".into()),
            _ => return Err(format!("unknown operator {:#04x}", op)),
        }
    }
    Ok(())
}

/// Splits a module into (id, payload range) sections.
fn sections(wasm: &[u8]) -> Result<Vec<(u8, Range<usize>)>> {
    if wasm.len() < 8 || &wasm[0..4] != b"\0asm" || wasm[4..8] != [1, 0, 0, 0] {
        return Err("not a WebAssembly 1.0 binary module".into());
    }
    let mut r = Reader::new(wasm);
    r.pos = 8;
    let mut out = Vec::new();
    while !r.eof() {
        let id = r.byte()?;
        let size = r.u32()? as usize;
        let start = r.pos;
        r.bytes(size)?;
        out.push((id, start..r.pos));
    }
    Ok(out)
}

/// Returns the function bodies of a code section payload.
fn code_bodies(payload: &[u8]) -> Result<Vec<&[u8]>> {
    let mut r = Reader::new(payload);
    let n = r.u32()?;
    let mut bodies = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let size = r.u32()? as usize;
        bodies.push(r.bytes(size)?);
    }
    if !r.eof() {
        return Err("trailing bytes in the code section".into());
    }
    Ok(bodies)
}

fn count_imported_functions(payload: &[u8]) -> Result<u32> {
    let mut r = Reader::new(payload);
    let n = r.u32()?;
    let mut funcs = 0;
    for _ in 0..n {
        r.name()?;
        r.name()?;
        match r.byte()? {
            0x00 => {
                r.u32()?;
                funcs += 1;
            }
            0x01 => {
                r.byte()?;
                r.limits()?;
            }
            0x02 => r.limits()?,
            0x03 => {
                r.byte()?;
                r.byte()?;
            }
            k => return Err(format!("unknown import kind {:#x}", k)),
        }
    }
    Ok(funcs)
}

/// Appends `extra` entries (already encoded) to a vector-of-entries section payload.
fn append_entries(payload: &[u8], extra_count: u32, extra: &[u8]) -> Result<Vec<u8>> {
    let mut r = Reader::new(payload);
    let n = r.u32()?;
    let mut out = Vec::with_capacity(payload.len() + extra.len() + 5);
    write_u32(&mut out, n.checked_add(extra_count).ok_or("too many entries")?);
    out.extend_from_slice(&payload[r.pos..]);
    out.extend_from_slice(extra);
    Ok(out)
}

/// A tiny assembler for the two helper bodies.
struct Asm(Vec<u8>);

impl Asm {
    fn op(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn get(&mut self, local: u8) -> &mut Self {
        self.op(&[0x20, local])
    }
    fn set(&mut self, local: u8) -> &mut Self {
        self.op(&[0x21, local])
    }
    fn i32c(&mut self, v: i32) -> &mut Self {
        self.0.push(0x41);
        write_i64(&mut self.0, i64::from(v));
        self
    }
    fn i64c(&mut self, v: i64) -> &mut Self {
        self.0.push(0x42);
        write_i64(&mut self.0, v);
        self
    }
}

const I32_ADD: u8 = 0x6a;
const I32_SUB: u8 = 0x6b;
const I32_AND: u8 = 0x71;
const I32_OR: u8 = 0x72;
const I32_EQZ: u8 = 0x45;
const I32_LT_U: u8 = 0x49;
const I32_LE_U: u8 = 0x4d;
const I32_GE_U: u8 = 0x4f;
const I64_ADD: u8 = 0x7c;
const I64_MUL: u8 = 0x7e;
const I64_SHL: u8 = 0x86;
const I64_GT_U: u8 = 0x56;
const I64_EXTEND_I32_U: u8 = 0xad;
const BLOCK: [u8; 2] = [0x02, 0x40];
const LOOP: [u8; 2] = [0x03, 0x40];
const IF: [u8; 2] = [0x04, 0x40];
const ELSE: u8 = 0x05;
const END: u8 = 0x0b;
const BR: u8 = 0x0c;
const BR_IF: u8 = 0x0d;
const MEMORY_SIZE: [u8; 2] = [0x3f, 0x00];
// memarg: alignment 2^0, offset 0 (the helpers make no alignment promise)
const I64_LOAD: [u8; 3] = [0x29, 0x00, 0x00];
const I64_STORE: [u8; 3] = [0x37, 0x00, 0x00];
const I32_LOAD8_U: [u8; 3] = [0x2d, 0x00, 0x00];
const I32_STORE8: [u8; 3] = [0x3a, 0x00, 0x00];

/// Traps unless `local a` + `local n` (as 64-bit) <= the memory's size in bytes:
/// pushes the "out of bounds" condition.
fn out_of_bounds(a: &mut Asm, addr: u8, n: u8) {
    a.get(addr)
        .op(&[I64_EXTEND_I32_U])
        .get(n)
        .op(&[I64_EXTEND_I32_U, I64_ADD])
        .op(&MEMORY_SIZE)
        .op(&[I64_EXTEND_I32_U])
        .i64c(16)
        .op(&[I64_SHL, I64_GT_U]);
}

/// `if cond { load8 at 0xffff_ffff (a heap out-of-bounds trap); unreachable }`
fn trap_if(a: &mut Asm) {
    a.op(&IF).i32c(-1).op(&I32_LOAD8_U).op(&[0x1a, 0x00, END]);
}

/// copy(dst: 0, src: 1, n: 2), local i: 3
fn copy_body() -> Vec<u8> {
    let (dst, src, n, i) = (0, 1, 2, 3);
    let mut a = Asm(vec![0x01, 0x01, 0x7f]); // locals: 1 x i32
    out_of_bounds(&mut a, dst, n);
    out_of_bounds(&mut a, src, n);
    a.op(&[I32_OR]);
    trap_if(&mut a);
    // forward when dst <= src
    a.get(dst).get(src).op(&[I32_LE_U]).op(&IF);
    {
        // while n - i >= 8 { store64(dst + i, load64(src + i)); i += 8 }
        a.op(&BLOCK).op(&LOOP);
        a.get(n).get(i).op(&[I32_SUB]).i32c(8).op(&[I32_LT_U, BR_IF, 1]);
        a.get(dst).get(i).op(&[I32_ADD]);
        a.get(src).get(i).op(&[I32_ADD]).op(&I64_LOAD);
        a.op(&I64_STORE);
        a.get(i).i32c(8).op(&[I32_ADD]).set(i);
        a.op(&[BR, 0, END, END]);
        // while i < n { store8(dst + i, load8(src + i)); i += 1 }
        a.op(&BLOCK).op(&LOOP);
        a.get(i).get(n).op(&[I32_GE_U, BR_IF, 1]);
        a.get(dst).get(i).op(&[I32_ADD]);
        a.get(src).get(i).op(&[I32_ADD]).op(&I32_LOAD8_U);
        a.op(&I32_STORE8);
        a.get(i).i32c(1).op(&[I32_ADD]).set(i);
        a.op(&[BR, 0, END, END]);
    }
    a.op(&[ELSE]);
    {
        // backward: i = n; while i >= 8 { i -= 8; store64(dst + i, load64(src + i)) }
        a.get(n).set(i);
        a.op(&BLOCK).op(&LOOP);
        a.get(i).i32c(8).op(&[I32_LT_U, BR_IF, 1]);
        a.get(i).i32c(8).op(&[I32_SUB]).set(i);
        a.get(dst).get(i).op(&[I32_ADD]);
        a.get(src).get(i).op(&[I32_ADD]).op(&I64_LOAD);
        a.op(&I64_STORE);
        a.op(&[BR, 0, END, END]);
        // while i != 0 { i -= 1; store8(dst + i, load8(src + i)) }
        a.op(&BLOCK).op(&LOOP);
        a.get(i).op(&[I32_EQZ, BR_IF, 1]);
        a.get(i).i32c(1).op(&[I32_SUB]).set(i);
        a.get(dst).get(i).op(&[I32_ADD]);
        a.get(src).get(i).op(&[I32_ADD]).op(&I32_LOAD8_U);
        a.op(&I32_STORE8);
        a.op(&[BR, 0, END, END]);
    }
    a.op(&[END, END]);
    a.0
}

/// fill(dst: 0, val: 1, n: 2), locals i: 3 (i32), pattern: 4 (i64)
fn fill_body() -> Vec<u8> {
    let (dst, val, n, i, pattern) = (0, 1, 2, 3, 4);
    let mut a = Asm(vec![0x02, 0x01, 0x7f, 0x01, 0x7e]); // locals: 1 x i32, 1 x i64
    out_of_bounds(&mut a, dst, n);
    trap_if(&mut a);
    // pattern = (val & 0xff) * 0x0101010101010101
    a.get(val).i32c(0xff).op(&[I32_AND, I64_EXTEND_I32_U]);
    a.i64c(0x0101_0101_0101_0101).op(&[I64_MUL]).set(pattern);
    // while n - i >= 8 { store64(dst + i, pattern); i += 8 }
    a.op(&BLOCK).op(&LOOP);
    a.get(n).get(i).op(&[I32_SUB]).i32c(8).op(&[I32_LT_U, BR_IF, 1]);
    a.get(dst).get(i).op(&[I32_ADD]).get(pattern).op(&I64_STORE);
    a.get(i).i32c(8).op(&[I32_ADD]).set(i);
    a.op(&[BR, 0, END, END]);
    // while i < n { store8(dst + i, val); i += 1 }
    a.op(&BLOCK).op(&LOOP);
    a.get(i).get(n).op(&[I32_GE_U, BR_IF, 1]);
    a.get(dst).get(i).op(&[I32_ADD]).get(val).op(&I32_STORE8);
    a.get(i).i32c(1).op(&[I32_ADD]).set(i);
    a.op(&[BR, 0, END, END]);
    a.op(&[END]);
    a.0
}

/// Counts of what [`lower_bulk_memory`] replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lowered {
    pub memory_copy: usize,
    pub memory_fill: usize,
}

/// See the module documentation. Returns the module (unchanged when it has neither
/// operator) and what was replaced.
pub fn lower_bulk_memory(wasm: &[u8]) -> Result<(Vec<u8>, Lowered)> {
    lower(wasm).map_err(|e| format!("lowering bulk memory: {}", e))
}

fn lower(wasm: &[u8]) -> Result<(Vec<u8>, Lowered)> {
    let secs = sections(wasm)?;
    let find = |id: u8| secs.iter().find(|(i, _)| *i == id).map(|(_, r)| &wasm[r.clone()]);

    let code = match find(SECTION_CODE) {
        Some(c) => c,
        None => return Ok((wasm.to_vec(), Lowered::default())),
    };
    let bodies = code_bodies(code)?;
    let mut found = Found::default();
    for body in &bodies {
        walk_body(body, |_, _| found.copy_or_fill = true)?;
    }
    if !found.copy_or_fill {
        return Ok((wasm.to_vec(), Lowered::default()));
    }

    let types = find(SECTION_TYPE).ok_or("a module with code but no type section")?;
    let type_count = Reader::new(types).u32()?;
    let funcs = find(SECTION_FUNCTION).ok_or("a module with code but no function section")?;
    let defined = Reader::new(funcs).u32()?;
    if defined as usize != bodies.len() {
        return Err("function and code sections disagree".into());
    }
    let imported = match find(SECTION_IMPORT) {
        Some(p) => count_imported_functions(p)?,
        None => 0,
    };
    let copy_idx = imported
        .checked_add(defined)
        .filter(|i| i.checked_add(1).is_some())
        .ok_or("too many functions")?;
    let fill_idx = copy_idx + 1;

    // (i32 i32 i32) -> ()
    let new_type = [0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00];
    let mut new_funcs = Vec::new();
    write_u32(&mut new_funcs, type_count);
    write_u32(&mut new_funcs, type_count);

    let mut lowered = Lowered::default();
    let mut new_code_entries = Vec::with_capacity(code.len() + 1024);
    for body in &bodies {
        let mut out = Vec::with_capacity(body.len() + 16);
        let mut copied = 0;
        walk_body(body, |is_copy, range| {
            out.extend_from_slice(&body[copied..range.start]);
            out.push(0x10);
            if is_copy {
                lowered.memory_copy += 1;
                write_u32(&mut out, copy_idx);
            } else {
                lowered.memory_fill += 1;
                write_u32(&mut out, fill_idx);
            }
            copied = range.end;
        })?;
        out.extend_from_slice(&body[copied..]);
        write_u32(&mut new_code_entries, out.len() as u32);
        new_code_entries.extend_from_slice(&out);
    }
    for helper in [copy_body(), fill_body()].iter() {
        write_u32(&mut new_code_entries, helper.len() as u32);
        new_code_entries.extend_from_slice(helper);
    }
    let mut new_code = Vec::with_capacity(new_code_entries.len() + 5);
    write_u32(&mut new_code, defined + 2);
    new_code.extend_from_slice(&new_code_entries);

    let mut out = Vec::with_capacity(wasm.len() + 1024);
    out.extend_from_slice(&wasm[..8]);
    for (id, range) in &secs {
        let payload = &wasm[range.clone()];
        match *id {
            SECTION_TYPE => write_section(&mut out, *id, &append_entries(payload, 1, &new_type)?),
            SECTION_FUNCTION => write_section(&mut out, *id, &append_entries(payload, 2, &new_funcs)?),
            SECTION_CODE => write_section(&mut out, *id, &new_code),
            _ => write_section(&mut out, *id, payload),
        }
    }
    Ok((out, lowered))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb_round_trip() {
        for v in [0u32, 1, 127, 128, 300, 16384, u32::MAX] {
            let mut b = Vec::new();
            write_u32(&mut b, v);
            assert_eq!(Reader::new(&b).u32().unwrap(), v);
        }
        let mut b = Vec::new();
        write_i64(&mut b, -1);
        assert_eq!(b, [0x7f]);
        b.clear();
        write_i64(&mut b, 0x0101_0101_0101_0101);
        assert_eq!(b.len(), 9);
    }

    #[test]
    fn module_without_bulk_memory_is_unchanged() {
        let wasm = b"\0asm\x01\0\0\0".to_vec();
        assert_eq!(lower_bulk_memory(&wasm).unwrap(), (wasm, Lowered::default()));
    }
}
