"""Build the cffi (API mode) extension `native._stylecut_native` over the C runtime.

Run by .ci/setup after `make -C native lib`:

    .venv/bin/python native/build_ffi.py          # rebuild only if the header, library or this file changed
    .venv/bin/python native/build_ffi.py --force

The declarations come from native/include/stylecut.h itself (comments and preprocessor lines
stripped), so the binding cannot drift from the header. The extension links the static library
native/build/libstylecut.a, so the module carries the exact kernels the C tests checked.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HEADER = os.path.join(HERE, "include", "stylecut.h")
LIBRARY = os.path.join(HERE, "build", "libstylecut.a")
STAMP = os.path.join(HERE, "build", "ffi.stamp")
MODULE = "native._stylecut_native"


def cdef_from_header(text: str) -> str:
    """The header as cffi's cdef parser accepts it: no comments, no preprocessor lines,
    no `extern "C"` wrapper."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or stripped in ('extern "C" {', "}") or not stripped:
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def fingerprint() -> str:
    h = hashlib.sha256()
    for path in (HEADER, LIBRARY, os.path.abspath(__file__)):
        with open(path, "rb") as f:
            h.update(f.read())
    h.update(sys.version.encode())
    return h.hexdigest()


def built_module() -> str | None:
    found = glob.glob(os.path.join(HERE, "_stylecut_native*.so")) + \
        glob.glob(os.path.join(HERE, "_stylecut_native*.pyd"))
    return found[0] if found else None


def make_builder():
    from cffi import FFI

    ffibuilder = FFI()
    with open(HEADER, encoding="utf-8") as f:
        ffibuilder.cdef(cdef_from_header(f.read()))
    ffibuilder.set_source(
        MODULE,
        '#include "stylecut.h"\n',
        include_dirs=[os.path.join(HERE, "include")],
        extra_objects=[LIBRARY],
        libraries=["m", "pthread"],
        extra_compile_args=["-O2"],
    )
    return ffibuilder


def build(force: bool = False) -> str:
    if not os.path.isfile(LIBRARY):
        subprocess.run(["make", "-s", "-C", HERE, "lib"], check=True)
    want = fingerprint()
    have = open(STAMP).read().strip() if os.path.isfile(STAMP) else ""
    module = built_module()
    if not force and module and have == want:
        print(f"build_ffi: {os.path.relpath(module, ROOT)} is up to date")
        return module
    builder = make_builder()
    tmp = os.path.join(HERE, "build", "ffi")
    os.makedirs(tmp, exist_ok=True)
    out = builder.compile(tmpdir=tmp, verbose=False)
    # cffi writes the module under tmpdir/<package>/; put it beside this file
    target = os.path.join(HERE, os.path.basename(out))
    for old in glob.glob(os.path.join(HERE, "_stylecut_native*.so")):
        os.remove(old)
    os.replace(out, target)
    with open(STAMP, "w") as f:
        f.write(want + "\n")
    print(f"build_ffi: built {os.path.relpath(target, ROOT)}")
    return target


if __name__ == "__main__":
    build(force="--force" in sys.argv[1:])
