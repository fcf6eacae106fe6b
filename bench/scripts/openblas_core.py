#!/usr/bin/env python3
"""Prints which OpenBLAS kernel numpy uses on this machine (moe4j; for docs/performance.md):
numpy's bundled OpenBLAS picks a kernel per CPU, and OPENBLAS_CORETYPE overrides the choice."""
import ctypes, glob, os
import numpy as np
libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*")) + \
       glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "scipy_openblas*", "lib", "*openblas*"))
for path in libs:
    lib = ctypes.CDLL(path)
    for name in ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"):
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.restype = ctypes.c_char_p
            print(f"OpenBLAS core: {fn().decode()} ({os.path.basename(path)}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')})")
            raise SystemExit(0)
print("OpenBLAS core: unknown (no corename symbol found)")
