#!/usr/bin/env python3
"""Smoke test of libwrb_lucet.so through dlopen(RTLD_NOW | RTLD_GLOBAL), the
way the benchmark host loads it. Proves that the lucet_vmctx_* symbols the
compiled modules import resolve against the cdylib.

Usage: python3 tests/dlopen_smoke.py [path/to/libwrb_lucet.so]
"""
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LIB = os.path.join(HERE, "..", "target", "release", "libwrb_lucet.so")


class WrbValue(ctypes.Structure):
    _fields_ = [("tag", ctypes.c_uint32), ("bits", ctypes.c_uint64)]


I32 = 0


def section(sid, payload):
    assert len(payload) < 128
    return bytes([sid, len(payload)]) + payload


def fib_wasm():
    """Hand-encoded binary module: `run` = recursive fib (run(0)=run(1)=1),
    `trap` = unreachable; both (i32) -> i32."""
    types = bytes([1, 0x60, 1, 0x7F, 1, 0x7F])
    funcs = bytes([2, 0, 0])
    exports = bytes([2, 3]) + b"run" + bytes([0, 0]) + bytes([4]) + b"trap" + bytes([0, 1])
    fib = bytes([
        0,                    # no locals
        0x20, 0, 0x41, 2, 0x48,  # local.get 0; i32.const 2; i32.lt_s
        0x04, 0x7F,           # if (result i32)
        0x41, 1,              #   i32.const 1
        0x05,                 # else
        0x20, 0, 0x41, 1, 0x6B, 0x10, 0,  # fib(n-1)
        0x20, 0, 0x41, 2, 0x6B, 0x10, 0,  # fib(n-2)
        0x6A,                 #   i32.add
        0x0B,                 # end
        0x0B,                 # end
    ])
    trap = bytes([0, 0x00, 0x0B])
    code = bytes([2, len(fib)]) + fib + bytes([len(trap)]) + trap
    return (b"\0asm" + bytes([1, 0, 0, 0]) + section(1, types) + section(3, funcs)
            + section(7, exports) + section(10, code))


def open_lib(path, mode):
    lib = ctypes.CDLL(path, mode=mode)
    lib.wrb_lucet_version.restype = ctypes.c_char_p
    lib.wrb_lucet_version.argtypes = []
    for name in ("wrb_lucet_compile", "wrb_lucet_load", "wrb_lucet_instantiate", "wrb_lucet_call"):
        getattr(lib, name).restype = ctypes.c_void_p  # char* we must free ourselves
    lib.wrb_lucet_compile.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]
    lib.wrb_lucet_load.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.wrb_lucet_instantiate.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.wrb_lucet_call.argtypes = [ctypes.c_void_p, ctypes.c_char_p, WrbValue, ctypes.c_uint32,
                                   ctypes.POINTER(WrbValue)]
    lib.wrb_lucet_noop.restype = ctypes.c_uint32
    lib.wrb_lucet_noop.argtypes = [ctypes.c_void_p]
    lib.wrb_lucet_free_instance.argtypes = [ctypes.c_void_p]
    lib.wrb_lucet_free_module.argtypes = [ctypes.c_void_p]
    lib.wrb_lucet_free_error.argtypes = [ctypes.c_void_p]
    lib.wrb_lucet_free_instance.restype = None
    lib.wrb_lucet_free_module.restype = None
    lib.wrb_lucet_free_error.restype = None
    return lib


def err(lib, p):
    if not p:
        return None
    s = ctypes.string_at(p).decode()
    lib.wrb_lucet_free_error(p)
    return s


def main(path, mode_name):
    mode = os.RTLD_NOW | (os.RTLD_GLOBAL if mode_name == "global" else os.RTLD_LOCAL)
    lib = open_lib(path, mode)
    print("version:", lib.wrb_lucet_version().decode())

    tmp = tempfile.mkdtemp(prefix="wrb_lucet_py_")
    so = os.path.join(tmp, "fib.so").encode()
    wasm = fib_wasm()
    t = time.perf_counter()
    e = err(lib, lib.wrb_lucet_compile(wasm, len(wasm), so))
    assert e is None, e
    print("compile: %.2f ms, .so %d bytes" % ((time.perf_counter() - t) * 1e3, os.path.getsize(so)))

    bad = b"\0asm\x01\0\0\0\x01\x05\x01\x60\x01"
    e = err(lib, lib.wrb_lucet_compile(bad, len(bad), os.path.join(tmp, "bad.so").encode()))
    assert e is not None
    print("malformed wasm error:", e)

    module = ctypes.c_void_p()
    e = err(lib, lib.wrb_lucet_load(so, ctypes.byref(module)))
    if mode_name != "global":
        print("load with RTLD_LOCAL:", e)
        assert e is not None and "lucet_vmctx" in e
        shutil.rmtree(tmp)
        return
    assert e is None, e

    a, b = ctypes.c_void_p(), ctypes.c_void_p()
    assert err(lib, lib.wrb_lucet_instantiate(module, ctypes.byref(a))) is None
    assert err(lib, lib.wrb_lucet_instantiate(module, ctypes.byref(b))) is None

    out = WrbValue()
    for inst in (a, b):
        e = err(lib, lib.wrb_lucet_call(inst, b"run", WrbValue(I32, 20), I32, ctypes.byref(out)))
        assert e is None, e
        assert (out.tag, out.bits) == (I32, 10946), (out.tag, out.bits)
    print("run(20) on two instances:", out.bits)

    e = err(lib, lib.wrb_lucet_call(a, b"trap", WrbValue(I32, 1), I32, ctypes.byref(out)))
    assert e is not None and "Unreachable" in e, e
    print("trap error:", e)
    e = err(lib, lib.wrb_lucet_call(a, b"run", WrbValue(I32, 20), I32, ctypes.byref(out)))
    assert e is None and out.bits == 10946, (e, out.bits)
    print("run(20) after trap:", out.bits)

    e = err(lib, lib.wrb_lucet_call(a, b"nope", WrbValue(I32, 1), I32, ctypes.byref(out)))
    assert e is not None and "nope" in e, e
    print("missing export error:", e)

    assert lib.wrb_lucet_noop(a) == 0
    lib.wrb_lucet_free_instance(a)
    lib.wrb_lucet_free_instance(b)
    lib.wrb_lucet_free_module(module)
    shutil.rmtree(tmp)
    print("OK (RTLD_NOW | RTLD_GLOBAL)")


if __name__ == "__main__":
    if len(sys.argv) > 2:  # child: python3 dlopen_smoke.py LIB local
        main(sys.argv[1], sys.argv[2])
        sys.exit(0)
    lib_path = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_LIB)
    main(lib_path, "global")
    # Negative control in a child process: without RTLD_GLOBAL the module .so
    # cannot resolve lucet_vmctx_*; loading must fail with a message, not crash.
    r = subprocess.run([sys.executable, os.path.abspath(__file__), lib_path, "local"],
                       capture_output=True, text=True)
    print(r.stdout.strip())
    assert r.returncode == 0, r.stderr
    print("OK (RTLD_LOCAL negative control fails cleanly)")
