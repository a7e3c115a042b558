// The V8 side of wasm-runtime-bench: `node <v8 flags> harness.mjs`, one JSON request per
// line on stdin, one JSON response per line on stdout, in order. Nothing else goes to
// stdout (diagnostics go to stderr). Every step is timed inside this process with
// process.hrtime.bigint() around exactly the step; the pipe round trip is never timed.
// The protocol, the V8 flag sets and the facts behind them are in PROTOCOL.md.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import crypto from 'node:crypto';
import { WASI } from 'node:wasi';

const PROTOCOL_VERSION = 1;
const OUTPUT_LIMIT = 1 << 20; // stdout/stderr returned to the caller, base64, at most 1 MB each
const now = process.hrtime.bigint;

// stdout is the protocol channel: anything that would print there goes to stderr instead.
console.log = console.error;
console.info = console.error;
console.debug = console.error;
// node:wasi is "experimental" in Node 20 and says so once on stderr; that is harmless, but quiet.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'ExperimentalWarning') process.stderr.write(`harness: ${w.name}: ${w.message}\n`);
});

// ---------------------------------------------------------------------------------------
// Requests and errors

class RequestError extends Error {}
const fail = (message) => {
  throw new RequestError(message);
};

function field(req, name, check, what) {
  const v = req[name];
  if (!check(v)) fail(`bad request: "${name}" must be ${what}, got ${JSON.stringify(v) ?? 'nothing'}`);
  return v;
}
const isStr = (v) => typeof v === 'string';
const moduleId = (req) => field(req, 'module', Number.isSafeInteger, 'an integer');
const iters = (req) => field(req, 'iters', (v) => Number.isSafeInteger(v) && v >= 1, 'an integer >= 1');
const exportName = (req) => field(req, 'export', isStr, 'a string');

function firstLine(s) {
  return String(s).split('\n')[0];
}
function describe(e) {
  if (e instanceof Error) return `${e.name}: ${firstLine(e.message)}`;
  return `thrown ${typeof e}: ${firstLine(e)}`;
}
function isTrap(e) {
  // Wasm traps are WebAssembly.RuntimeError; a wasm stack overflow is a RangeError.
  return e instanceof WebAssembly.RuntimeError || (e instanceof RangeError && /call stack/.test(e.message));
}

// ---------------------------------------------------------------------------------------
// Values: {"i32": n}, {"i64": "decimal"}, {"f32": "8 hex digits"}, {"f64": "16 hex digits"}

const TYPES = ['i32', 'i64', 'f32', 'f64'];
const scratch = new DataView(new ArrayBuffer(8));
const f64s = new Float64Array(1);
const f32s = new Float32Array(1);
const w64 = new Uint32Array(f64s.buffer); // [low, high] on little-endian x86-64 and arm64
const w32 = new Uint32Array(f32s.buffer);
const I64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;

function checkType(t, where) {
  if (!TYPES.includes(t)) fail(`bad request: ${where}: unknown value type ${JSON.stringify(t)} (one of ${TYPES.join(', ')})`);
  return t;
}

/** A request value -> { type, js } (the JS value a wasm function of that type takes or returns). */
function decodeValue(v, where) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(`bad request: ${where}: a value is an object like {"i32": 1}, got ${JSON.stringify(v)}`);
  const keys = Object.keys(v);
  if (keys.length !== 1 || !TYPES.includes(keys[0])) fail(`bad request: ${where}: a value has exactly one key of ${TYPES.join(', ')}, got ${JSON.stringify(v)}`);
  const type = keys[0];
  const x = v[type];
  switch (type) {
    case 'i32':
      if (!Number.isInteger(x) || x < -(2 ** 31) || x > 2 ** 32 - 1) fail(`bad request: ${where}: i32 must be an integer in [-2^31, 2^32), got ${JSON.stringify(x)}`);
      return { type, js: x | 0 };
    case 'i64': {
      if (!isStr(x) || !/^-?[0-9]+$/.test(x)) fail(`bad request: ${where}: i64 must be a decimal string, got ${JSON.stringify(x)}`);
      const b = BigInt(x);
      if (b < I64_MIN || b > U64_MAX) fail(`bad request: ${where}: i64 ${x} is out of range`);
      return { type, js: BigInt.asIntN(64, b) };
    }
    case 'f32':
      if (!isStr(x) || !/^[0-9a-fA-F]{8}$/.test(x)) fail(`bad request: ${where}: f32 must be 8 hex digits (the bits), got ${JSON.stringify(x)}`);
      scratch.setUint32(0, parseInt(x, 16));
      return { type, js: scratch.getFloat32(0) };
    case 'f64':
      if (!isStr(x) || !/^[0-9a-fA-F]{16}$/.test(x)) fail(`bad request: ${where}: f64 must be 16 hex digits (the bits), got ${JSON.stringify(x)}`);
      scratch.setBigUint64(0, BigInt(`0x${x}`));
      return { type, js: scratch.getFloat64(0) };
  }
}

/** A JS value returned by wasm -> the encoding of `type`. */
function encodeValue(type, js) {
  switch (type) {
    case 'i32':
      if (typeof js !== 'number') break;
      return { i32: js | 0 };
    case 'i64':
      if (typeof js !== 'bigint') break;
      return { i64: BigInt.asIntN(64, js).toString() };
    case 'f32':
      if (typeof js !== 'number') break;
      scratch.setFloat32(0, js);
      return { f32: scratch.getUint32(0).toString(16).padStart(8, '0') };
    case 'f64':
      if (typeof js !== 'number') break;
      scratch.setFloat64(0, js);
      return { f64: scratch.getBigUint64(0).toString(16).padStart(16, '0') };
  }
  return { [type]: `(not a ${type}: ${typeof js} ${String(js)})` };
}

/** Encodes a call's result: null for no result, a value, or an array for multiple results. */
function encodeResult(types, r) {
  if (types.length === 0) return r === undefined ? null : { unexpected: String(r) };
  if (types.length === 1) return encodeValue(types[0], r);
  if (!Array.isArray(r)) return { unexpected: String(r) };
  return types.map((t, i) => encodeValue(t, r[i]));
}

/** A cheap, bit-exact test of one JS value against an expected one of `type`. */
function matcher(type, e) {
  switch (type) {
    case 'i32':
    case 'i64':
      return (r) => r === e; // numbers are i32 here; BigInts compare by value
    case 'f64': {
      f64s[0] = e;
      const lo = w64[0], hi = w64[1];
      return (r) => {
        if (typeof r !== 'number') return false;
        f64s[0] = r;
        return w64[0] === lo && w64[1] === hi;
      };
    }
    case 'f32': {
      f32s[0] = e;
      const bits = w32[0];
      return (r) => {
        if (typeof r !== 'number') return false;
        f32s[0] = r;
        return w32[0] === bits;
      };
    }
  }
}

/**
 * What a call must return: from `expected` (a value, an array of values for multiple
 * results, or null for no check) and the optional `results` (the result types).
 * Returns { types, check } where check(r) is true when r matches.
 */
function expectation(req) {
  let types = null;
  if (req.results !== undefined) {
    const rs = field(req, 'results', Array.isArray, 'an array of value types');
    types = rs.map((t, i) => checkType(t, `results[${i}]`));
  }
  const exp = req.expected;
  if (exp === undefined || exp === null) {
    return { types, check: null };
  }
  const values = Array.isArray(exp) ? exp.map((v, i) => decodeValue(v, `expected[${i}]`)) : [decodeValue(exp, 'expected')];
  const etypes = values.map((v) => v.type);
  if (types && (types.length !== etypes.length || types.some((t, i) => t !== etypes[i]))) {
    fail(`bad request: "expected" has types [${etypes}] but "results" says [${types}]`);
  }
  types = etypes;
  if (values.length === 1) return { types, check: matcher(values[0].type, values[0].js) };
  const checks = values.map((v) => matcher(v.type, v.js));
  return {
    types,
    check: (r) => Array.isArray(r) && r.length === checks.length && checks.every((c, i) => c(r[i])),
  };
}

function resultTypes(types, r) {
  if (types) return types;
  if (r === undefined) return [];
  if (typeof r === 'bigint') return ['i64'];
  // A number could be i32, f32 or f64: the caller must say which.
  return null;
}
function encodeResultOrFail(types, r) {
  const t = resultTypes(types, r);
  if (!t) fail(`the call returned a number; give "results" (or "expected") to say its type`);
  return encodeResult(t, r);
}
const showValue = (types, r) => {
  const t = resultTypes(types, r);
  return t ? JSON.stringify(encodeResult(t, r)) : String(r);
};

function decodeArgs(req) {
  const args = field(req, 'args', Array.isArray, 'an array of values');
  // An array of generic elements: V8 silences (quiets) signalling NaNs stored into an array
  // of doubles, which an array of only f64 arguments would become.
  const out = new Array(args.length).fill(null);
  args.forEach((v, i) => {
    out[i] = decodeValue(v, `args[${i}]`).js;
  });
  return out;
}

// ---------------------------------------------------------------------------------------
// The timed loops. Each (module, export) gets its own freshly generated loop function, so
// the JS JIT's feedback for one export's call site is never shared with another's.

function makeBatchLoop(arity) {
  const as = Array.from({ length: arity }, (_, i) => `a${i}`).join(', ');
  // The clock is read outside the generated loop function: with now() inside it, V8 11.3
  // deoptimized the loop on every request once it had been optimized on the stack (OSR)
  // during a long batch: at the now() after the loop, ~6 us inside the timed region each
  // time (see PROTOCOL.md). The arguments arrive as parameters, not destructured.
  const src = `
    let r, bad = -1, badValue;
    if (check === null) {
      for (let i = 0; i < k; i++) r = fn(${as});
    } else {
      for (let i = 0; i < k; i++) {
        r = fn(${as});
        if (!check(r) && bad < 0) { bad = i; badValue = r; }
      }
    }
    out.r = r; out.bad = bad; out.badValue = badValue;`;
  const loop = new Function('out', 'fn', 'check', 'k', ...Array.from({ length: arity }, (_, i) => `a${i}`), src);
  return (fn, args, check, k) => {
    const out = { r: undefined, bad: -1, badValue: undefined };
    let t0, t1;
    switch (arity) {
      case 0: t0 = now(); loop(out, fn, check, k); t1 = now(); break;
      case 1: { const [a0] = args; t0 = now(); loop(out, fn, check, k, a0); t1 = now(); break; }
      case 2: { const [a0, a1] = args; t0 = now(); loop(out, fn, check, k, a0, a1); t1 = now(); break; }
      default: { const all = [out, fn, check, k, ...args]; t0 = now(); loop.apply(null, all); t1 = now(); }
    }
    return { ns: t1 - t0, r: out.r, bad: out.bad, badValue: out.badValue };
  };
}

/** Runs a batch; a trap stops it (the clock with it) and becomes an error. */
function runBatch(loop, fn, args, check, k) {
  try {
    return loop(fn, args, check, k);
  } catch (e) {
    if (isTrap(e)) throw new RequestError(`trap: ${describe(e)}`, { cause: e });
    throw new RequestError(`the call threw ${describe(e)}`, { cause: e });
  }
}

/** Per-iteration times: the total (what Criterion gets) and the fastest and slowest iteration. */
class Times {
  constructor() {
    this.total = 0n;
    this.min = null;
    this.max = null;
  }
  add(ns) {
    this.total += ns;
    if (this.min === null || ns < this.min) this.min = ns;
    if (this.max === null || ns > this.max) this.max = ns;
  }
  json() {
    return { ns: this.total.toString(), min_ns: String(this.min ?? 0n), max_ns: String(this.max ?? 0n) };
  }
}

// ---------------------------------------------------------------------------------------
// Modules

const modules = new Map(); // id -> { path, bytes, module, instances: Map(export -> {instance, fn, loop}) }

function getModule(req) {
  const id = moduleId(req);
  const m = modules.get(id);
  if (!m) fail(`module ${id} is not loaded (send "load" first)`);
  return m;
}

function compileBytes(bytes) {
  try {
    return new WebAssembly.Module(bytes);
  } catch (e) {
    throw new RequestError(`compile failed: ${describe(e)}`, { cause: e });
  }
}

/** M's compiled module; compiled once, untimed, when there is none yet. */
function compiled(m) {
  if (!m.module) m.module = compileBytes(m.bytes);
  return m.module;
}

function instantiateError(e) {
  if (isTrap(e)) return new RequestError(`trap during instantiation (start function): ${describe(e)}`, { cause: e });
  return new RequestError(`instantiate failed: ${describe(e)}`, { cause: e });
}

function instantiate(module, imports) {
  try {
    return new WebAssembly.Instance(module, imports);
  } catch (e) {
    throw instantiateError(e);
  }
}

function exportedFunction(instance, name, arity) {
  const fn = instance.exports[name];
  if (fn === undefined) fail(`no export "${name}" (exports: ${Object.keys(instance.exports).join(', ') || 'none'})`);
  if (typeof fn !== 'function') fail(`export "${name}" is not a function`);
  if (arity !== undefined && fn.length !== arity) fail(`export "${name}" takes ${fn.length} parameters, not ${arity}`);
  return fn;
}

function cachedInstance(m, name, arity) {
  let c = m.instances.get(name);
  if (!c) {
    const instance = instantiate(compiled(m), {});
    c = { instance, fn: exportedFunction(instance, name), loop: null };
    m.instances.set(name, c);
  }
  if (c.fn.length !== arity) fail(`export "${name}" takes ${c.fn.length} parameters, not ${arity}`);
  if (!c.loop || c.loop.arity !== arity) c.loop = Object.assign(makeBatchLoop(arity), { arity });
  return c;
}

function wrongResult(types, got, expected, i) {
  return new RequestError(`wrong result: got ${showValue(types, got)}, expected ${JSON.stringify(expected)} at iteration ${i}`);
}

const ops = {
  hello: () => ({
    node: process.version,
    v8: process.versions.v8,
    uvwasi: process.versions.uvwasi,
    flags: process.execArgv,
    protocol: PROTOCOL_VERSION,
    pid: process.pid,
  }),

  load(req) {
    const id = moduleId(req);
    const p = field(req, 'path', isStr, 'a path');
    modules.delete(id);
    let bytes;
    try {
      bytes = new Uint8Array(fs.readFileSync(p));
    } catch (e) {
      fail(`cannot read ${p}: ${e.message}`);
    }
    modules.set(id, { path: p, bytes, module: null, instances: new Map() });
    return { bytes: bytes.length };
  },

  unload(req) {
    modules.delete(moduleId(req));
    return {};
  },

  compile(req) {
    const m = getModule(req);
    const k = iters(req);
    const times = new Times();
    let module = null;
    for (let i = 0; i < k; i++) {
      module = null; // the previous one may be collected; not the last
      let failure = null;
      const t0 = now();
      try {
        module = new WebAssembly.Module(m.bytes);
      } catch (e) {
        failure = e;
      }
      times.add(now() - t0);
      if (failure) throw new RequestError(`compile failed: ${describe(failure)}`, { cause: failure });
    }
    m.module = module;
    m.instances.clear();
    return times.json();
  },

  instantiate(req) {
    const m = getModule(req);
    const name = exportName(req);
    const params = field(req, 'params', Array.isArray, 'an array of value types').map((t, i) => checkType(t, `params[${i}]`));
    if (req.results !== undefined) field(req, 'results', Array.isArray, 'an array of value types').forEach((t, i) => checkType(t, `results[${i}]`));
    const k = iters(req);
    const module = compiled(m);
    const times = new Times();
    let instance = null, fn = null;
    for (let i = 0; i < k; i++) {
      instance = fn = null; // the previous instance is dropped outside the clock
      let failure = null;
      const t0 = now();
      try {
        instance = new WebAssembly.Instance(module, {});
        fn = instance.exports[name];
      } catch (e) {
        failure = e;
      }
      times.add(now() - t0);
      if (failure) throw instantiateError(failure);
      if (typeof fn !== 'function') exportedFunction(instance, name); // throws the reason
    }
    if (fn.length !== params.length) fail(`export "${name}" takes ${fn.length} parameters, not ${params.length}`);
    return times.json();
  },

  execute(req) {
    const m = getModule(req);
    const name = exportName(req);
    const args = decodeArgs(req);
    const { types, check } = expectation(req);
    const k = iters(req);
    const c = cachedInstance(m, name, args.length);
    const { ns, r, bad, badValue } = runBatch(c.loop, c.fn, args, check, k);
    if (bad >= 0) throw wrongResult(types, badValue, req.expected, bad);
    return { ns: ns.toString(), result: encodeResultOrFail(types, r) };
  },

  jit(req) {
    const m = getModule(req);
    const name = exportName(req);
    const args = decodeArgs(req);
    const { types, check } = expectation(req);
    const k = iters(req);
    const times = new Times();
    let r;
    for (let i = 0; i < k; i++) {
      let module = null, instance = null, fn = null, failure = null;
      const t0 = now();
      try {
        module = new WebAssembly.Module(m.bytes);
        instance = new WebAssembly.Instance(module, {});
        fn = instance.exports[name];
        r = fn(...args);
      } catch (e) {
        failure = e;
      }
      times.add(now() - t0);
      if (failure) {
        if (!module) throw new RequestError(`compile failed: ${describe(failure)}`, { cause: failure });
        if (!instance) throw instantiateError(failure);
        exportedFunction(instance, name, args.length); // throws if that was the problem
        if (isTrap(failure)) throw new RequestError(`trap: ${describe(failure)} at iteration ${i}`, { cause: failure });
        throw new RequestError(`the call threw ${describe(failure)}`, { cause: failure });
      }
      if (i === 0) exportedFunction(instance, name, args.length);
      if (check && !check(r)) throw wrongResult(types, r, req.expected, i);
    }
    return { ...times.json(), result: encodeResultOrFail(types, r) };
  },

  noop(req) {
    const k = iters(req);
    // The execute loop around a JS function returning 0, checked against 0 like an i32 result.
    const noop = () => 0;
    const { ns, bad } = makeBatchLoop(0)(noop, [], (r) => r === 0, k);
    if (bad >= 0) fail('noop returned something else');
    return { ns: ns.toString() };
  },

  wasi: runWasi,
  aot_compile: aotCompile,
  aot_load: aotLoad,

  exit() {
    respond({ ok: true }); // synchronous: stdout is a pipe or a file
    process.exit(0);
  },
};

// ---------------------------------------------------------------------------------------
// WASI (node:wasi, preview 1)

let tmpDir = null;
function tmp() {
  if (!tmpDir) {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'v8-harness-'));
    process.on('exit', () => fs.rmSync(tmpDir, { recursive: true, force: true }));
  }
  return tmpDir;
}

/** Open descriptors: fd -> link target. */
function openFds() {
  const fds = new Map();
  for (const name of fs.readdirSync('/proc/self/fd')) {
    try {
      fds.set(Number(name), fs.readlinkSync(`/proc/self/fd/${name}`));
    } catch {
      // the descriptor readdir itself used
    }
  }
  return fds;
}

/**
 * node:wasi (uvwasi 0.0.x) never closes the descriptor it opens for each preopened
 * directory, nor the files a guest leaves open at exit: one leaked descriptor per run
 * would exhaust the process's limit. After a run (outside the clock) close every
 * descriptor opened since `baseline` that points into the preopened directory.
 */
function closeLeakedFds(baseline, hostDir) {
  const inside = hostDir.endsWith('/') ? hostDir : `${hostDir}/`;
  for (const [fd, target] of openFds()) {
    if (baseline.has(fd)) continue;
    if (target === hostDir || target.startsWith(inside)) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
}

function closeQuietly(fd) {
  try {
    fs.closeSync(fd);
  } catch {
    // a guest may have closed its stdout (fd_close(1) closes the host descriptor)
  }
}

function base64(buf) {
  return buf.subarray(0, OUTPUT_LIMIT).toString('base64');
}

function importsBench(module) {
  return WebAssembly.Module.imports(module).some((i) => i.module === 'bench' && (i.name === 'start' || i.name === 'end'));
}

function runWasi(req) {
  if (v8Flag('turbo-fast-api-calls') !== false) {
    // node:wasi's syscalls are V8 fast API calls; in Node 20 they can trigger a GC in the
    // middle of the call and corrupt the heap: the process aborts or segfaults after a
    // few hundred runs (nodejs/node issues 46777, 52402, 53087). See PROTOCOL.md.
    fail('wasi needs node --no-turbo-fast-api-calls (node:wasi fast calls crash Node 20 after a few hundred runs)');
  }
  const m = getModule(req);
  const args = field(req, 'args', (v) => Array.isArray(v) && v.length >= 1 && v.every(isStr), 'an array of strings, the program name first');
  const preopen = field(req, 'preopen', isStr, 'a host directory');
  const guest = req.guest === undefined ? '/input' : field(req, 'guest', isStr, 'a guest path');
  const expectedPath = req.expected_stdout_path ?? null;
  if (expectedPath !== null && !isStr(expectedPath)) fail('bad request: "expected_stdout_path" must be a path or null');
  const mode = field(req, 'mode', (v) => v === 'end_to_end' || v === 'run' || v === 'instantiate', '"end_to_end", "run" or "instantiate"');
  const k = iters(req);

  let hostDir;
  try {
    hostDir = fs.realpathSync(preopen);
    if (!fs.statSync(hostDir).isDirectory()) fail(`preopen ${preopen} is not a directory`);
  } catch (e) {
    if (e instanceof RequestError) throw e;
    fail(`preopen ${preopen}: ${e.message}`);
  }
  let expected = null;
  if (expectedPath !== null) {
    try {
      expected = fs.readFileSync(expectedPath);
    } catch (e) {
      fail(`cannot read ${expectedPath}: ${e.message}`);
    }
  }
  const module0 = mode === 'end_to_end' ? null : compiled(m);
  let usesBench = module0 ? importsBench(module0) : null;

  // bench.start / bench.end (Sightglass): the time between them, measured inside them.
  let benchStart = null, benchTotal = 0n, benchRuns = 0, benchMisuse = null;
  const bench = {
    start() {
      const t = now();
      if (benchStart !== null) {
        benchMisuse = 'bench.start called twice (without bench.end between)';
        throw new Error(benchMisuse);
      }
      if (benchRuns > 0) {
        benchMisuse = 'bench.start called again after bench.end (one measured region per run)';
        throw new Error(benchMisuse);
      }
      benchStart = t;
    },
    end() {
      const t = now();
      if (benchStart === null) {
        benchMisuse = 'bench.end called without bench.start';
        throw new Error(benchMisuse);
      }
      benchTotal += t - benchStart;
      benchStart = null;
      benchRuns++;
    },
  };

  const dir = tmp();
  const outPath = path.join(dir, 'stdout'), errPath = path.join(dir, 'stderr');
  const stdin = fs.openSync('/dev/null', 'r');
  const baseline = openFds();
  const times = new Times();
  let benchNs = 0n, code = null, out = Buffer.alloc(0), err = Buffer.alloc(0);
  try {
    for (let i = 0; i < k; i++) {
      const stdout = fs.openSync(outPath, 'w+');
      const stderr = fs.openSync(errPath, 'w+');
      benchStart = null;
      benchTotal = 0n;
      benchRuns = 0;
      benchMisuse = null;
      code = null;
      let module = module0, failure = null;
      const t0 = now();
      try {
        if (mode === 'end_to_end') module = new WebAssembly.Module(m.bytes);
        const wasi = new WASI({
          version: 'preview1',
          args,
          env: {},
          preopens: { [guest]: hostDir },
          returnOnExit: true,
          stdin,
          stdout,
          stderr,
        });
        const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport, bench });
        // `instantiate`: the WASI context and the instance, not started.
        if (mode !== 'instantiate') code = wasi.start(instance);
      } catch (e) {
        failure = e;
      }
      times.add(now() - t0);
      closeQuietly(stdout);
      closeQuietly(stderr);
      closeLeakedFds(baseline, hostDir);
      out = fs.readFileSync(outPath);
      err = fs.readFileSync(errPath);
      const outputs = () => ({ iteration: i, exit_code: code, stdout: base64(out), stderr: base64(err) });
      if (failure) {
        const e = failure;
        let msg;
        if (benchMisuse) msg = `${benchMisuse}`;
        else if (mode === 'end_to_end' && !module) msg = `compile failed: ${describe(e)}`;
        else if (isTrap(e)) msg = `trap: ${describe(e)}`;
        else msg = `the WASI run failed: ${describe(e)}`;
        const r = new RequestError(`${msg} at iteration ${i}`, { cause: e });
        r.extra = { ...outputs(), exit_code: null };
        throw r;
      }
      if (mode === 'instantiate') continue;
      if (usesBench === null) usesBench = importsBench(module);
      const problem = (msg) => Object.assign(new RequestError(`${msg} at iteration ${i}`), { extra: outputs() });
      if (code !== 0) throw problem(`wrong output: exit code ${code}${err.length ? `, stderr ${JSON.stringify(firstLine(err.subarray(0, 500).toString()))}` : ''}`);
      if (err.length) throw problem(`wrong output: stderr is not empty: ${JSON.stringify(firstLine(err.subarray(0, 500).toString()))}`);
      if (expected && !out.equals(expected)) throw problem(`wrong output: stdout (${out.length} bytes) differs from ${expectedPath} (${expected.length} bytes)`);
      if (usesBench) {
        if (benchStart !== null) throw problem('bench.start without bench.end');
        if (benchRuns === 0) throw problem('the module imports bench.start/bench.end but the run called neither');
        benchNs += benchTotal;
      }
    }
  } finally {
    closeQuietly(stdin);
  }
  const res = {
    ...times.json(),
    exit_code: code,
    stdout: base64(out),
    stderr: base64(err),
    stdout_bytes: out.length,
    stderr_bytes: err.length,
  };
  if (usesBench) res.bench_ns = benchNs.toString();
  return res;
}

// ---------------------------------------------------------------------------------------
// AOT (experimental): V8's serialized native modules, through the test-only intrinsics
// %SerializeWasmModule / %DeserializeWasmModule. Needs --allow-natives-syntax, and only
// TurboFan code can be serialized (--no-liftoff --no-wasm-lazy-compilation): with Liftoff or
// lazy code V8 aborts the process. V8 does not check that the wire bytes match the code,
// and aborts on a truncated file, so the file carries a header that is checked first.

const AOT_MAGIC = 'wasm-runtime-bench v8 aot 1\n';

function v8Flag(name) {
  // The last mention of --name / --no-name / --name=bool in execArgv (dashes or underscores).
  let value;
  for (const a of process.execArgv) {
    const f = a.replace(/_/g, '-');
    if (f === `--${name}` || f === `--${name}=true`) value = true;
    else if (f === `--no-${name}` || f === `--${name}=false`) value = false;
  }
  return value;
}

let natives = null;
function aotIntrinsics() {
  if (v8Flag('allow-natives-syntax') !== true) fail('aot needs node --allow-natives-syntax (V8 has no public API to store compiled code)');
  if (v8Flag('liftoff') !== false || v8Flag('wasm-lazy-compilation') !== false || v8Flag('liftoff-only') === true) {
    fail('aot needs --no-liftoff --no-wasm-lazy-compilation: V8 serializes only TurboFan code and aborts otherwise');
  }
  if (!natives) {
    natives = {
      serialize: new Function('m', 'return %SerializeWasmModule(m)'),
      deserialize: new Function('code', 'wire', 'return %DeserializeWasmModule(code, wire)'),
    };
  }
  return natives;
}

function aotHeader(wireBytes, code) {
  const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
  return JSON.stringify({
    node: process.version,
    v8: process.versions.v8,
    flags: process.execArgv,
    wire_sha256: sha(wireBytes),
    code_bytes: code.length,
    code_sha256: sha(code),
  });
}

function aotCompile(req) {
  const m = getModule(req);
  const out = field(req, 'path', isStr, 'a path to write');
  const k = iters(req);
  const { serialize } = aotIntrinsics();
  const times = new Times();
  let code = null, module = null;
  for (let i = 0; i < k; i++) {
    module = code = null;
    let failure = null;
    const t0 = now();
    try {
      module = new WebAssembly.Module(m.bytes);
      code = serialize(module);
    } catch (e) {
      failure = e;
    }
    times.add(now() - t0);
    if (failure) throw new RequestError(`${module ? 'serialize' : 'compile'} failed: ${describe(failure)}`, { cause: failure });
  }
  const bytes = Buffer.from(code);
  const header = Buffer.from(`${AOT_MAGIC}${aotHeader(m.bytes, bytes)}\n`);
  try {
    fs.writeFileSync(out, Buffer.concat([header, bytes]));
  } catch (e) {
    fail(`cannot write ${out}: ${e.message}`);
  }
  return { ...times.json(), bytes: bytes.length };
}

function aotLoad(req) {
  const m = getModule(req);
  const from = field(req, 'path', isStr, 'a path to read');
  const k = iters(req);
  const { deserialize } = aotIntrinsics();
  let file;
  try {
    file = fs.readFileSync(from);
  } catch (e) {
    fail(`cannot read ${from}: ${e.message}`);
  }
  const magic = Buffer.from(AOT_MAGIC);
  const nl = file.indexOf(10, magic.length);
  if (!file.subarray(0, magic.length).equals(magic) || nl < 0) fail(`${from} is not a file of aot_compile`);
  const code = file.subarray(nl + 1);
  const header = file.subarray(magic.length, nl).toString();
  const want = aotHeader(m.bytes, code);
  if (header !== want) {
    const h = JSON.parse(header), w = JSON.parse(want);
    const diff = Object.keys(w).filter((key) => JSON.stringify(h[key]) !== JSON.stringify(w[key]));
    fail(`${from} does not fit this module and process: ${diff.join(', ')} differ`);
  }
  const buffer = new Uint8Array(code).buffer; // a copy: V8 reads it, and may not see it move
  const times = new Times();
  let module = null;
  for (let i = 0; i < k; i++) {
    module = null;
    const t0 = now();
    module = deserialize(buffer, m.bytes);
    times.add(now() - t0);
    if (!(module instanceof WebAssembly.Module)) fail('V8 rejected the serialized module (a V8 version or flag mismatch)');
  }
  m.module = module;
  m.instances.clear();
  return times.json();
}

// ---------------------------------------------------------------------------------------
// The request loop

function respond(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function handle(line) {
  let req;
  try {
    req = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: `bad request: not JSON: ${firstLine(e.message)}` };
  }
  try {
    if (req === null || typeof req !== 'object' || Array.isArray(req)) fail('bad request: a request is a JSON object');
    if (!isStr(req.op) || !Object.hasOwn(ops, req.op)) fail(`bad request: unknown op ${JSON.stringify(req.op)}`);
    const res = ops[req.op](req);
    return { ok: true, ...res };
  } catch (e) {
    const res = { ok: false, error: e instanceof RequestError ? firstLine(e.message) : `harness error: ${describe(e)}` };
    const cause = e instanceof RequestError ? e.cause : e;
    if (cause instanceof Error && cause.stack) res.detail = cause.stack;
    else if (!(e instanceof RequestError) && e?.stack) res.detail = e.stack;
    if (e?.extra) Object.assign(res, e.extra);
    return res;
  }
}

process.on('uncaughtException', (e) => {
  process.stderr.write(`harness: uncaught ${e?.stack ?? e}\n`);
});

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
for await (const line of rl) {
  respond(line.trim() === '' ? { ok: false, error: 'bad request: an empty line' } : handle(line));
}
process.exit(0);
