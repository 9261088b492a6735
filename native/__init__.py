"""StyleCut's native runtime: the C library (include/, src/) and its Python side.

`native.runtime` wraps the compiled library (built by native/build_ffi.py);
`native.convert` turns ONNX networks into the library's model files.
"""
