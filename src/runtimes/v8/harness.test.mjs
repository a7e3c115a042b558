// Tests of harness.mjs through its stdin/stdout protocol: `node --test harness.test.mjs`.
// By default every op is tested under the three flag sets of PROTOCOL.md (v8.liftoff,
// v8.turbofan, v8.default); HARNESS_FLAGS="--flag --flag" tests one given set instead.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const HARNESS = path.join(HERE, 'harness.mjs');
const SAMPLES = path.resolve(HERE, '../../../samples');
const WASI_DIR = path.join(SAMPLES, 'wasi');

const COMMON = ['--wasm-num-compilation-tasks=0', '--no-wasm-native-module-cache-enabled', '--no-turbo-fast-api-calls'];
const CONFIGS = process.env.HARNESS_FLAGS
  ? { [`HARNESS_FLAGS=${process.env.HARNESS_FLAGS}`]: process.env.HARNESS_FLAGS.split(/\s+/).filter(Boolean) }
  : {
      'v8.liftoff': ['--liftoff-only', '--no-wasm-lazy-compilation', ...COMMON],
      'v8.turbofan': ['--no-liftoff', '--no-wasm-lazy-compilation', ...COMMON],
      'v8.default': ['--no-wasm-native-module-cache-enabled', '--no-turbo-fast-api-calls'],
    };

// ---------------------------------------------------------------------------------------
// The harness as the Rust side sees it: a child process, one JSON line each way.

function startHarness(flags) {
  const child = spawn(process.execPath, [...flags, HARNESS], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  const stray = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  lines.on('line', (line) => {
    let res;
    try {
      res = JSON.parse(line);
    } catch {
      stray.push(line); // anything on stdout that is not a response is a bug
      return;
    }
    const w = waiting.shift();
    if (w) w(res);
    else stray.push(line);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exited.then(({ code, signal }) => {
    while (waiting.length) waiting.shift()({ ok: false, error: `harness exited (${code ?? signal}); stderr: ${stderr}` });
  });
  return {
    child,
    stray,
    exited,
    stderr: () => stderr,
    raw(line) {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(`${line}\n`);
      });
    },
    send(req) {
      return this.raw(JSON.stringify(req));
    },
    async ok(req) {
      const res = await this.send(req);
      assert.equal(res.ok, true, `${JSON.stringify(req).slice(0, 300)} -> ${JSON.stringify(res).slice(0, 2000)}`);
      return res;
    },
    async err(req, pattern) {
      const res = await this.send(req);
      assert.equal(res.ok, false, `${JSON.stringify(req).slice(0, 300)} should fail, got ${JSON.stringify(res).slice(0, 500)}`);
      assert.equal(typeof res.error, 'string');
      assert.ok(!res.error.includes('\n'), `error is one line: ${res.error}`);
      if (pattern) assert.match(res.error, pattern);
      return res;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const r = await this.send({ op: 'exit' });
        assert.deepEqual(r, { ok: true });
      }
      return exited;
    },
  };
}

// ---------------------------------------------------------------------------------------
// A small WebAssembly binary builder for the test modules.

const T = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };
function uleb(n) {
  n = BigInt(n);
  const o = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n) b |= 0x80;
    o.push(b);
  } while (n);
  return o;
}
function sleb(n) {
  n = BigInt(n);
  const o = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && !(b & 0x40)) || (n === -1n && b & 0x40)) return [...o, b];
    o.push(b | 0x80);
  }
}
const str = (s) => {
  const b = [...Buffer.from(s)];
  return [...uleb(b.length), ...b];
};
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const op = {
  i32: (n) => [0x41, ...sleb(n)],
  i64: (n) => [0x42, ...sleb(n)],
  f32bits: (u) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(u >>> 0);
    return [0x43, ...b];
  },
  f64bits: (u) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(u)));
    return [0x44, ...b];
  },
  get: (i) => [0x20, ...uleb(i)],
  set: (i) => [0x21, ...uleb(i)],
  call: (i) => [0x10, ...uleb(i)],
  unreachable: [0x00],
  drop: [0x1a],
  i32_div_s: [0x6d],
  i32_add: [0x6a],
  i32_eqz: [0x45],
  i32_load: [0x28, 0x02, 0x00],
  if_void: [0x04, 0x40],
  end: [0x0b],
};
// { types: [[params], [results]][], imports: [{module, name, type}], funcs: [{type, locals, body}],
//   memory: pages, exports: [{name, func} | {name, memory}], start: func, data: [{offset, bytes}] }
function wasm(m) {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  out.push(...section(1, vec((m.types ?? []).map(([p, r]) => [0x60, ...vec(p.map((t) => [T[t]])), ...vec(r.map((t) => [T[t]]))]))));
  if (m.imports?.length) out.push(...section(2, vec(m.imports.map((i) => [...str(i.module), ...str(i.name), 0x00, ...uleb(i.type)]))));
  out.push(...section(3, vec((m.funcs ?? []).map((f) => uleb(f.type)))));
  if (m.memory !== undefined) out.push(...section(5, vec([[0x00, ...uleb(m.memory)]])));
  out.push(...section(7, vec((m.exports ?? []).map((e) => [...str(e.name), ...('memory' in e ? [0x02, ...uleb(e.memory)] : [0x00, ...uleb(e.func)])]))));
  if (m.start !== undefined) out.push(...section(8, uleb(m.start)));
  out.push(
    ...section(
      10,
      vec(
        (m.funcs ?? []).map((f) => {
          const body = [...vec((f.locals ?? []).map((t) => [1, T[t]])), ...f.body, 0x0b];
          return [...uleb(body.length), ...body];
        }),
      ),
    ),
  );
  if (m.data?.length) out.push(...section(11, vec(m.data.map((d) => [0x00, ...op.i32(d.offset), 0x0b, ...vec([...d.bytes].map((b) => [b]))]))));
  return Buffer.from(out);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
function file(name, bytes) {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, bytes);
  return p;
}

// Values and identity functions of every type, constants with NaN payloads, traps, two results.
const VALUES = file(
  'values.wasm',
  wasm({
    types: [[['i32'], ['i32']], [['i64'], ['i64']], [['f32'], ['f32']], [['f64'], ['f64']], [[], ['f32']], [[], ['f64']], [[], []], [['i32', 'i32'], ['i32']], [['i32', 'i64'], ['i32', 'i64']], [[], ['i32']]],
    funcs: [
      { type: 0, body: op.get(0) }, // 0 id_i32
      { type: 1, body: op.get(0) }, // 1 id_i64
      { type: 2, body: op.get(0) }, // 2 id_f32
      { type: 3, body: op.get(0) }, // 3 id_f64
      { type: 4, body: op.f32bits(0x7fc00001) }, // 4 qnan32: a quiet NaN with a payload
      { type: 5, body: op.f64bits(0x7ff8000000000001n) }, // 5 qnan64
      { type: 5, body: op.f64bits(0x7ff4000000000001n) }, // 6 snan64: a signalling NaN
      { type: 6, body: op.unreachable }, // 7 trap
      { type: 7, body: [...op.get(0), ...op.get(1), ...op.i32_div_s] }, // 8 div
      { type: 8, body: [...op.get(0), ...op.get(1)] }, // 9 pair (multi-value)
      { type: 6, body: [] }, // 10 nothing
      { type: 9, body: [...op.i32(1), ...op.call(11), ...op.i32_add] }, // 11 recurse forever: stack overflow
    ],
    exports: [
      ['id_i32', 0], ['id_i64', 1], ['id_f32', 2], ['id_f64', 3], ['qnan32', 4], ['qnan64', 5], ['snan64', 6],
      ['trap', 7], ['div', 8], ['pair', 9], ['nothing', 10], ['overflow', 11],
    ].map(([name, func]) => ({ name, func })),
  }),
);
// A start function that traps.
const START_TRAP = file('start-trap.wasm', wasm({ types: [[[], []]], funcs: [{ type: 0, body: op.unreachable }], exports: [], start: 0 }));

// WASI test commands: _start + memory. With `bench` (a list of 'start'/'end' calls) the module
// imports bench.start and bench.end and calls them in that order; then an optional fd_write
// of "hello\n" to stdout, then proc_exit(exit) (or a plain return when exit is null).
function wasiCommand({ bench = null, write = false, exit = null } = {}) {
  const types = [[[], []], [['i32'], []], [['i32', 'i32', 'i32', 'i32'], ['i32']]];
  const imports = [
    { module: 'wasi_snapshot_preview1', name: 'proc_exit', type: 1 },
    { module: 'wasi_snapshot_preview1', name: 'fd_write', type: 2 },
  ];
  if (bench) imports.push({ module: 'bench', name: 'start', type: 0 }, { module: 'bench', name: 'end', type: 0 });
  const body = [];
  for (const b of bench ?? []) body.push(...op.call(b === 'start' ? 2 : 3));
  if (write) body.push(...op.i32(1), ...op.i32(16), ...op.i32(1), ...op.i32(32), ...op.call(1), ...op.drop);
  if (exit !== null) body.push(...op.i32(exit), ...op.call(0));
  return wasm({
    types,
    imports,
    funcs: [{ type: 0, body }],
    memory: 1,
    exports: [{ name: '_start', func: imports.length }, { name: 'memory', memory: 0 }],
    data: [
      { offset: 0, bytes: Buffer.from('hello\n') },
      { offset: 16, bytes: Buffer.from([0, 0, 0, 0, 6, 0, 0, 0]) }, // iovec {buf 0, len 6}
    ],
  });
}

// ---------------------------------------------------------------------------------------

const f64hex = (x) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString('hex');
};
const i32 = (n) => ({ i32: n });

for (const [config, flags] of Object.entries(CONFIGS)) {
  describe(`${config}: node ${flags.join(' ')}`, () => {
    let h;
    before(() => {
      h = startHarness(flags);
    });
    after(async () => {
      const { code } = await h.stop();
      assert.equal(code, 0, `exit code; stderr ${h.stderr()}`);
      assert.deepEqual(h.stray, [], 'nothing but responses on stdout');
    });

    test('hello reports node, V8 and the flags', async () => {
      const r = await h.ok({ op: 'hello' });
      assert.equal(r.node, process.version);
      assert.equal(r.v8, process.versions.v8);
      assert.deepEqual(r.flags, flags);
    });

    test('samples: compile, instantiate, execute, jit give the expected results', async () => {
      const samples = [
        ['add-one', 41, i32(42)],
        ['fibonacci', 20, i32(10946)],
        ['nbody', 1000, { f64: f64hex(-0.169087605234606) }],
        ['mruby-script', 1000, i32(78773)],
      ];
      let id = 100;
      for (const [name, arg, expected] of samples) {
        id++;
        const big = name === 'mruby-script';
        const l = await h.ok({ op: 'load', module: id, path: path.join(SAMPLES, `${name}.wasm`) });
        assert.equal(l.bytes, fs.statSync(path.join(SAMPLES, `${name}.wasm`)).size);
        const c = await h.ok({ op: 'compile', module: id, iters: big ? 1 : 3 });
        assert.match(c.ns, /^[0-9]+$/);
        assert.ok(BigInt(c.ns) > 0n && BigInt(c.min_ns) <= BigInt(c.max_ns));
        const t = Object.keys(expected)[0];
        await h.ok({ op: 'instantiate', module: id, export: 'run', params: ['i32'], results: [t], iters: 3 });
        const e = await h.ok({ op: 'execute', module: id, export: 'run', args: [i32(arg)], expected, iters: big ? 1 : 5 });
        assert.deepEqual(e.result, expected, name);
        assert.ok(BigInt(e.ns) > 0n);
        if (!big) {
          const j = await h.ok({ op: 'jit', module: id, export: 'run', args: [i32(arg)], expected, iters: 2 });
          assert.deepEqual(j.result, expected, name);
        }
        await h.ok({ op: 'unload', module: id });
      }
    });

    test('execute without compile compiles untimed; load drops the previous state', async () => {
      await h.ok({ op: 'load', module: 1, path: path.join(SAMPLES, 'add-one.wasm') });
      const r = await h.ok({ op: 'execute', module: 1, export: 'run', args: [i32(41)], expected: i32(42), iters: 1000 });
      assert.deepEqual(r.result, i32(42));
      await h.ok({ op: 'load', module: 1, path: path.join(SAMPLES, 'fibonacci.wasm') });
      const f = await h.ok({ op: 'execute', module: 1, export: 'run', args: [i32(10)], expected: i32(89), iters: 1 });
      assert.deepEqual(f.result, i32(89));
    });

    test('value encodings are bit-exact: i32, i64, f32, f64, NaN payloads, -0', async () => {
      await h.ok({ op: 'load', module: 2, path: VALUES });
      const id = async (fn, v) => (await h.ok({ op: 'execute', module: 2, export: fn, args: [v], expected: v, iters: 3 })).result;
      for (const n of [0, 1, -1, 2147483647, -2147483648]) assert.deepEqual(await id('id_i32', i32(n)), i32(n));
      // an unsigned spelling of an i32 is accepted and comes back signed
      assert.deepEqual((await h.ok({ op: 'execute', module: 2, export: 'id_i32', args: [i32(0xffffffff)], expected: i32(-1), iters: 1 })).result, i32(-1));
      for (const s of ['0', '1', '-1', '9223372036854775807', '-9223372036854775808', '1234567890123456789']) {
        assert.deepEqual(await id('id_i64', { i64: s }), { i64: s });
      }
      assert.deepEqual((await h.ok({ op: 'execute', module: 2, export: 'id_i64', args: [{ i64: '18446744073709551615' }], expected: { i64: '-1' }, iters: 1 })).result, { i64: '-1' });
      for (const bits of ['00000000', '80000000', '3f800000', '7f800000', 'ff800000', '7fc00000', '7fc00001', 'ffc12345', '00000001']) {
        assert.deepEqual(await id('id_f32', { f32: bits }), { f32: bits });
      }
      for (const bits of ['0000000000000000', '8000000000000000', '3ff0000000000000', '7ff0000000000000', '7ff8000000000001', 'fff8123456789abc', '7ff4000000000001', '0000000000000001']) {
        assert.deepEqual(await id('id_f64', { f64: bits }), { f64: bits });
      }
      // The one exception: JS numbers are f64, and f32 -> f64 conversion quiets a signalling
      // f32 NaN (the quiet bit, 0x00400000, gets set) on the way in and out.
      const sn = await h.ok({ op: 'execute', module: 2, export: 'id_f32', args: [{ f32: '7fa00001' }], expected: null, results: ['f32'], iters: 1 });
      assert.deepEqual(sn.result, { f32: '7fe00001' });
      const konst = async (fn, v) => (await h.ok({ op: 'execute', module: 2, export: fn, args: [], expected: v, iters: 2 })).result;
      assert.deepEqual(await konst('qnan32', { f32: '7fc00001' }), { f32: '7fc00001' });
      assert.deepEqual(await konst('qnan64', { f64: '7ff8000000000001' }), { f64: '7ff8000000000001' });
      assert.deepEqual(await konst('snan64', { f64: '7ff4000000000001' }), { f64: '7ff4000000000001' });
      // -0 is not +0, and one NaN payload is not another
      await h.err({ op: 'execute', module: 2, export: 'id_f64', args: [{ f64: '8000000000000000' }], expected: { f64: '0000000000000000' }, iters: 1 }, /^wrong result: got \{"f64":"8000000000000000"\}, expected \{"f64":"0000000000000000"\}/);
      await h.err({ op: 'execute', module: 2, export: 'qnan32', args: [], expected: { f32: '7fc00000' }, iters: 1 }, /^wrong result: got \{"f32":"7fc00001"\}/);
      // hex digits in either case
      assert.deepEqual(await konst('qnan64', { f64: '7FF8000000000001' }), { f64: '7ff8000000000001' });
    });

    test('results: none, several, and a number of unknown type', async () => {
      await h.ok({ op: 'load', module: 2, path: VALUES });
      const n = await h.ok({ op: 'execute', module: 2, export: 'nothing', args: [], expected: null, iters: 5 });
      assert.equal(n.result, null);
      const p = await h.ok({ op: 'execute', module: 2, export: 'pair', args: [i32(7), { i64: '-8' }], expected: [i32(7), { i64: '-8' }], iters: 5 });
      assert.deepEqual(p.result, [i32(7), { i64: '-8' }]);
      const q = await h.ok({ op: 'execute', module: 2, export: 'pair', args: [i32(7), { i64: '-8' }], expected: null, results: ['i32', 'i64'], iters: 1 });
      assert.deepEqual(q.result, [i32(7), { i64: '-8' }]);
      await h.err({ op: 'execute', module: 2, export: 'pair', args: [i32(7), { i64: '-8' }], expected: [i32(7), { i64: '8' }], iters: 1 }, /^wrong result: got \[\{"i32":7\},\{"i64":"-8"\}\], expected/);
      await h.err({ op: 'execute', module: 2, export: 'id_i32', args: [i32(1)], expected: null, iters: 1 }, /give "results"/);
      const big = await h.ok({ op: 'execute', module: 2, export: 'id_i64', args: [{ i64: '5' }], expected: null, iters: 1 });
      assert.deepEqual(big.result, { i64: '5' });
      await h.err({ op: 'execute', module: 2, export: 'id_i32', args: [i32(1)], expected: i32(1), results: ['i64'], iters: 1 }, /"expected" has types \[i32\] but "results" says \[i64\]/);
    });

    test('a wrong expected value fails at the first mismatching iteration', async () => {
      await h.ok({ op: 'load', module: 3, path: path.join(SAMPLES, 'add-one.wasm') });
      const r = await h.err({ op: 'execute', module: 3, export: 'run', args: [i32(41)], expected: i32(43), iters: 100 }, /^wrong result: got \{"i32":42\}, expected \{"i32":43\} at iteration 0$/);
      assert.equal(r.detail, undefined);
      await h.err({ op: 'jit', module: 3, export: 'run', args: [i32(41)], expected: i32(43), iters: 2 }, /^wrong result: got \{"i32":42\}, expected \{"i32":43\} at iteration 0$/);
    });

    test('traps are errors with the trap message', async () => {
      await h.ok({ op: 'load', module: 4, path: VALUES });
      await h.err({ op: 'execute', module: 4, export: 'trap', args: [], expected: null, iters: 10 }, /^trap: RuntimeError: unreachable/);
      await h.err({ op: 'execute', module: 4, export: 'div', args: [i32(1), i32(0)], expected: i32(0), iters: 10 }, /^trap: RuntimeError: divide by zero/);
      await h.err({ op: 'execute', module: 4, export: 'overflow', args: [], expected: i32(0), iters: 1 }, /^trap: RangeError: Maximum call stack size exceeded/);
      await h.err({ op: 'jit', module: 4, export: 'trap', args: [], expected: null, iters: 2 }, /^trap: RuntimeError: unreachable at iteration 0/);
      // the same instance still works after a trap
      const ok = await h.ok({ op: 'execute', module: 4, export: 'div', args: [i32(7), i32(2)], expected: i32(3), iters: 10 });
      assert.deepEqual(ok.result, i32(3));
      await h.ok({ op: 'load', module: 5, path: START_TRAP });
      await h.err({ op: 'instantiate', module: 5, export: 'run', params: [], iters: 1 }, /^trap during instantiation \(start function\): RuntimeError: unreachable/);
    });

    test('bad modules, exports and arities', async () => {
      const truncated = file('truncated.wasm', fs.readFileSync(path.join(SAMPLES, 'nbody.wasm')).subarray(0, 1000));
      await h.ok({ op: 'load', module: 6, path: truncated });
      await h.err({ op: 'compile', module: 6, iters: 1 }, /^compile failed: CompileError: WebAssembly.Module\(\)/);
      await h.err({ op: 'execute', module: 6, export: 'run', args: [], expected: null, iters: 1 }, /^compile failed: CompileError/);
      await h.err({ op: 'jit', module: 6, export: 'run', args: [], expected: null, iters: 1 }, /^compile failed: CompileError/);
      await h.err({ op: 'load', module: 6, path: '/nonexistent/x.wasm' }, /^cannot read \/nonexistent\/x.wasm: ENOENT/);
      await h.err({ op: 'compile', module: 6, iters: 1 }, /^module 6 is not loaded/); // a failed load drops the old state too
      await h.ok({ op: 'load', module: 7, path: path.join(SAMPLES, 'add-one.wasm') });
      await h.err({ op: 'instantiate', module: 7, export: 'nope', params: ['i32'], iters: 1 }, /^no export "nope" \(exports: memory, run/);
      await h.err({ op: 'instantiate', module: 7, export: 'memory', params: [], iters: 1 }, /^export "memory" is not a function/);
      await h.err({ op: 'instantiate', module: 7, export: 'run', params: [], iters: 1 }, /^export "run" takes 1 parameters, not 0/);
      await h.err({ op: 'execute', module: 7, export: 'run', args: [], expected: i32(1), iters: 1 }, /^export "run" takes 1 parameters, not 0/);
      await h.err({ op: 'execute', module: 7, export: 'nope', args: [], expected: null, iters: 1 }, /^no export "nope"/);
      await h.err({ op: 'jit', module: 7, export: 'run', args: [i32(1), i32(2)], expected: null, iters: 1 }, /^export "run" takes 1 parameters, not 2/);
      await h.ok({ op: 'load', module: 8, path: path.join(WASI_DIR, 'wordfreq.wasm') });
      await h.err({ op: 'instantiate', module: 8, export: '_start', params: [], iters: 1 }, /^instantiate failed: TypeError: WebAssembly.Instance\(\): Import #0 module="wasi_snapshot_preview1"/);
    });

    test('bad requests are errors, never a crash', async () => {
      await h.err({ op: 'nope' }, /^bad request: unknown op "nope"/);
      await h.err({}, /^bad request: unknown op/);
      await h.err({ op: '__proto__' }, /^bad request: unknown op/);
      assert.match((await h.raw('not json')).error, /^bad request: not JSON/);
      assert.match((await h.raw('[1,2]')).error, /^bad request: a request is a JSON object/);
      assert.match((await h.raw('null')).error, /^bad request: a request is a JSON object/);
      assert.match((await h.raw('')).error, /^bad request: an empty line/);
      await h.err({ op: 'compile', module: 'x', iters: 1 }, /^bad request: "module" must be an integer/);
      await h.err({ op: 'compile', module: 999, iters: 1 }, /^module 999 is not loaded/);
      await h.ok({ op: 'load', module: 9, path: VALUES });
      await h.err({ op: 'compile', module: 9, iters: 0 }, /^bad request: "iters" must be an integer >= 1/);
      await h.err({ op: 'compile', module: 9 }, /^bad request: "iters"/);
      await h.err({ op: 'noop', iters: 1.5 }, /^bad request: "iters"/);
      const ex = (args, expected = null) => ({ op: 'execute', module: 9, export: 'id_i32', args, expected, results: ['i32'], iters: 1 });
      await h.err(ex([{ i32: 1.5 }]), /^bad request: args\[0\]: i32 must be an integer/);
      await h.err(ex([{ i32: 2 ** 32 }]), /^bad request: args\[0\]: i32 must be an integer/);
      await h.err(ex([{ i64: 5 }]), /^bad request: args\[0\]: i64 must be a decimal string/);
      await h.err(ex([{ i64: '99999999999999999999' }]), /^bad request: args\[0\]: i64 99999999999999999999 is out of range/);
      await h.err(ex([{ f32: '7fc0' }]), /^bad request: args\[0\]: f32 must be 8 hex digits/);
      await h.err(ex([{ f64: 1.5 }]), /^bad request: args\[0\]: f64 must be 16 hex digits/);
      await h.err(ex([{ x32: 1 }]), /^bad request: args\[0\]: a value has exactly one key/);
      await h.err(ex([{ i32: 1, i64: '1' }]), /^bad request: args\[0\]: a value has exactly one key/);
      await h.err(ex([1]), /^bad request: args\[0\]: a value is an object/);
      await h.err(ex('1'), /^bad request: "args" must be an array/);
      await h.err(ex([i32(1)], { i32: 'x' }), /^bad request: expected: i32 must be an integer/);
      await h.err({ op: 'instantiate', module: 9, export: 'id_i32', params: ['u32'], iters: 1 }, /^bad request: params\[0\]: unknown value type "u32"/);
      await h.err({ op: 'load', module: 9 }, /^bad request: "path" must be a path/);
      // a value of the wrong JS type for the parameter: the call itself throws
      await h.err({ op: 'execute', module: 9, export: 'id_i64', args: [i32(1)], expected: null, iters: 1 }, /^the call threw TypeError: Cannot convert 1 to a BigInt/);
      // still alive and in step
      assert.equal((await h.ok({ op: 'hello' })).node, process.version);
    });

    test('noop times the empty loop', async () => {
      const r = await h.ok({ op: 'noop', iters: 100000 });
      assert.match(r.ns, /^[0-9]+$/);
      assert.ok(Number(r.ns) / 100000 < 1000, `noop per iteration ${Number(r.ns) / 100000} ns`);
    });

    describe('wasi', () => {
      const expectedStdout = path.join(WASI_DIR, 'wordfreq.stdout');
      const wordfreq = (args, extra = {}) => ({
        op: 'wasi',
        module: 20,
        args: ['wordfreq', ...args],
        preopen: path.join(WASI_DIR, 'wordfreq'),
        guest: '/input',
        expected_stdout_path: null,
        mode: 'run',
        iters: 1,
        ...extra,
      });
      before(async () => {
        await h.ok({ op: 'load', module: 20, path: path.join(WASI_DIR, 'wordfreq.wasm') });
      });

      test('wordfreq end to end and run print the expected stdout', async () => {
        for (const mode of ['end_to_end', 'run']) {
          const r = await h.ok(wordfreq(['/input/licenses.txt'], { mode, iters: 2, expected_stdout_path: expectedStdout }));
          assert.equal(r.exit_code, 0);
          assert.deepEqual(Buffer.from(r.stdout, 'base64'), fs.readFileSync(expectedStdout));
          assert.equal(r.stderr, '');
          assert.equal(r.bench_ns, undefined);
          assert.ok(BigInt(r.ns) > 0n);
        }
      });

      test('the guest sees no environment', async () => {
        const r = await h.ok(wordfreq(['--environment']));
        assert.equal(r.stdout, '');
      });

      test('the guest cannot read outside its preopened directory', async () => {
        assert.ok(fs.existsSync(path.join(WASI_DIR, 'wordfreq', '../wordfreq.stdout')));
        for (const p of ['/etc/hostname', '../wordfreq.stdout', '/input/../wordfreq.stdout', '/input/../../../../../etc/hostname']) {
          const r = await h.err(wordfreq([p]), /^wrong output: exit code 1, stderr "wordfreq: cannot read /);
          assert.equal(r.exit_code, 1);
          assert.equal(r.stdout, '');
          assert.ok(Buffer.from(r.stderr, 'base64').toString().includes(`cannot read ${p}`), p);
        }
      });

      test('a symlink out of the preopened directory is refused', async () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'sym-'));
        fs.symlinkSync('/etc/hostname', path.join(dir, 'abs'));
        fs.symlinkSync('../../../../../../etc/hostname', path.join(dir, 'rel'));
        for (const name of ['abs', 'rel']) {
          const r = await h.err(wordfreq([`/input/${name}`], { preopen: dir }), /cannot read/);
          assert.match(Buffer.from(r.stderr, 'base64').toString(), /Capabilities insufficient/);
        }
      });

      test('a wrong output is an error: exit code, stderr, stdout', async () => {
        await h.err(wordfreq(['/input/missing.txt']), /^wrong output: exit code 1, stderr "wordfreq: cannot read \/input\/missing.txt: No such file or directory \(os error 44\)" at iteration 0$/);
        await h.err(wordfreq([]), /^wrong output: exit code 2, stderr "usage: wordfreq PATH/);
        const other = file('other.stdout', 'something else\n');
        await h.err(wordfreq(['/input/licenses.txt'], { expected_stdout_path: other }), /^wrong output: stdout \(297 bytes\) differs from .*other.stdout \(15 bytes\) at iteration 0$/);
        await h.ok({ op: 'load', module: 21, path: file('exit3.wasm', wasiCommand({ exit: 3 })) });
        await h.err({ ...wordfreq([]), module: 21 }, /^wrong output: exit code 3 at iteration 0$/);
      });

      test('bad WASI requests', async () => {
        await h.err(wordfreq([], { preopen: '/nonexistent' }), /^preopen \/nonexistent: ENOENT/);
        await h.err(wordfreq([], { preopen: expectedStdout }), /is not a directory/);
        await h.err(wordfreq([], { expected_stdout_path: '/nonexistent' }), /^cannot read \/nonexistent/);
        await h.err(wordfreq([], { mode: 'fast' }), /^bad request: "mode"/);
        await h.err({ ...wordfreq([]), args: [] }, /^bad request: "args"/);
        await h.ok({ op: 'load', module: 22, path: path.join(SAMPLES, 'add-one.wasm') });
        await h.err({ ...wordfreq([]), module: 22 }, /^the WASI run failed: TypeError: .*_start/);
        const truncated = file('wordfreq-truncated.wasm', fs.readFileSync(path.join(WASI_DIR, 'wordfreq.wasm')).subarray(0, 40000));
        await h.ok({ op: 'load', module: 23, path: truncated });
        await h.err({ ...wordfreq([]), module: 23, mode: 'end_to_end' }, /^compile failed: CompileError/);
        await h.err({ ...wordfreq([]), module: 23, mode: 'run' }, /^compile failed: CompileError/);
      });

      test('stdout is captured in memory, not written to the harness stdout', async () => {
        await h.ok({ op: 'load', module: 24, path: file('hello.wasm', wasiCommand({ write: true })) });
        const out = file('hello.stdout', 'hello\n');
        const r = await h.ok({ ...wordfreq([]), module: 24, expected_stdout_path: out, iters: 3 });
        assert.equal(Buffer.from(r.stdout, 'base64').toString(), 'hello\n');
        assert.equal(r.stdout_bytes, 6);
      });

      test('no descriptor leaks over many runs', async () => {
        const pid = h.child.pid;
        const count = () => fs.readdirSync(`/proc/${pid}/fd`).length;
        await h.ok(wordfreq(['/input/licenses.txt'], { iters: 3 }));
        const before = count();
        await h.ok(wordfreq(['/input/licenses.txt'], { iters: 150 }));
        assert.ok(count() <= before + 1, `descriptors ${before} -> ${count()}`);
      });

      test('bench.start / bench.end', async () => {
        const load = async (id, spec) => h.ok({ op: 'load', module: id, path: file(`bench${id}.wasm`, wasiCommand(spec)) });
        await load(30, { bench: ['start', 'end'] });
        const r = await h.ok({ ...wordfreq([]), module: 30, iters: 5, mode: 'end_to_end' });
        assert.match(r.bench_ns, /^[0-9]+$/);
        assert.ok(BigInt(r.bench_ns) > 0n && BigInt(r.bench_ns) <= BigInt(r.ns));
        await load(31, { bench: ['start', 'end'], exit: 0 });
        assert.match((await h.ok({ ...wordfreq([]), module: 31, iters: 2 })).bench_ns, /^[0-9]+$/);
        await load(32, { bench: ['start', 'start', 'end'] });
        await h.err({ ...wordfreq([]), module: 32 }, /^bench.start called twice/);
        await load(33, { bench: ['end'] });
        await h.err({ ...wordfreq([]), module: 33 }, /^bench.end called without bench.start/);
        await load(34, { bench: [] });
        await h.err({ ...wordfreq([]), module: 34 }, /^the module imports bench.start\/bench.end but the run called neither/);
        await load(35, { bench: ['start'] });
        await h.err({ ...wordfreq([]), module: 35 }, /^bench.start without bench.end/);
        await load(36, { bench: ['start', 'end', 'start', 'end'] });
        await h.err({ ...wordfreq([]), module: 36 }, /^bench.start called again after bench.end/);
      });
    });

    test('exit ends the harness with 0', async () => {
      const other = startHarness(flags);
      assert.equal((await other.ok({ op: 'hello' })).ok, true);
      const r = await other.send({ op: 'exit' });
      assert.deepEqual(r, { ok: true });
      assert.deepEqual(await other.exited, { code: 0, signal: null });
      assert.deepEqual(other.stray, []);
    });
  });
}

describe('flag-dependent ops', () => {
  test('wasi refuses to run without --no-turbo-fast-api-calls (Node 20 crashes otherwise)', async () => {
    const h = startHarness(['--no-wasm-native-module-cache-enabled']);
    await h.ok({ op: 'load', module: 1, path: path.join(WASI_DIR, 'wordfreq.wasm') });
    await h.err({ op: 'wasi', module: 1, args: ['wordfreq', '--environment'], preopen: WASI_DIR, mode: 'run', iters: 1 }, /^wasi needs node --no-turbo-fast-api-calls/);
    assert.equal((await h.stop()).code, 0);
  });

  test('aot: serialize TurboFan code to a file and load it in another process', async () => {
    const turbofan = ['--no-liftoff', '--no-wasm-lazy-compilation', ...COMMON];
    const code = path.join(tmp, 'nbody.v8code');
    const expected = { f64: f64hex(-0.169087605234606) };
    const a = startHarness(['--allow-natives-syntax', ...turbofan]);
    await a.ok({ op: 'load', module: 1, path: path.join(SAMPLES, 'nbody.wasm') });
    const c = await a.ok({ op: 'aot_compile', module: 1, path: code, iters: 2 });
    assert.ok(c.bytes > 0);
    assert.equal((await a.stop()).code, 0);

    const b = startHarness(['--allow-natives-syntax', ...turbofan]);
    await b.ok({ op: 'load', module: 1, path: path.join(SAMPLES, 'nbody.wasm') });
    await b.ok({ op: 'aot_load', module: 1, path: code, iters: 3 });
    assert.deepEqual((await b.ok({ op: 'execute', module: 1, export: 'run', args: [i32(1000)], expected, iters: 2 })).result, expected);
    // another module's bytes, a truncated file, a file that is not ours
    await b.ok({ op: 'load', module: 2, path: path.join(SAMPLES, 'fibonacci.wasm') });
    await b.err({ op: 'aot_load', module: 2, path: code, iters: 1 }, /does not fit this module and process: wire_sha256 differ/);
    fs.writeFileSync(path.join(tmp, 'cut.v8code'), fs.readFileSync(code).subarray(0, 3000));
    await b.err({ op: 'aot_load', module: 1, path: path.join(tmp, 'cut.v8code'), iters: 1 }, /does not fit this module and process: code_bytes, code_sha256 differ/);
    await b.err({ op: 'aot_load', module: 1, path: VALUES, iters: 1 }, /is not a file of aot_compile/);
    assert.equal((await b.stop()).code, 0);

    const other = startHarness(['--allow-natives-syntax', ...turbofan, '--no-turbo-use-mid-tier-regalloc-for-huge-functions']);
    await other.ok({ op: 'load', module: 1, path: path.join(SAMPLES, 'nbody.wasm') });
    await other.err({ op: 'aot_load', module: 1, path: code, iters: 1 }, /flags differ/);
    assert.equal((await other.stop()).code, 0);
  });

  test('aot is refused where V8 would abort: no natives syntax, or Liftoff/lazy code', async () => {
    for (const flags of [['--no-liftoff', '--no-wasm-lazy-compilation'], ['--allow-natives-syntax', '--liftoff-only', '--no-wasm-lazy-compilation'], ['--allow-natives-syntax']]) {
      const h = startHarness(flags);
      await h.ok({ op: 'load', module: 1, path: path.join(SAMPLES, 'add-one.wasm') });
      await h.err({ op: 'aot_compile', module: 1, path: path.join(tmp, 'x'), iters: 1 }, /^aot needs/);
      assert.equal((await h.stop()).code, 0);
    }
  });
});
