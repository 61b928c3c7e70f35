"""WeasyPrint's native libraries, found without a compiler.

WeasyPrint loads pango, harfbuzz and friends by trying several names for each. Every name
that does not load makes cffi call `ctypes.util.find_library`, which on Linux runs
`ldconfig -p`, then gcc and ld: about 15 programs and a second of waiting on each import,
in every process that starts (each app process, CLI command and renderer). While WeasyPrint
is imported, `find_library` reads the linker cache once instead, so the same libraries load
with none of those programs run."""
from __future__ import annotations

import contextlib
import ctypes.util
import functools
import re
import subprocess


@functools.cache
def _linker_cache() -> str:
    for ldconfig in ("/sbin/ldconfig", "ldconfig"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            return subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=10).stdout
    return ""


def _from_linker_cache(name: str) -> str | None:
    """The soname `ctypes.util.find_library` would give from the linker cache, or None."""
    found = re.search(rf"\s(lib{re.escape(name)}\.[^\s]+)\s+\(", _linker_cache())
    return found.group(1) if found else None


@contextlib.contextmanager
def found_from_linker_cache():
    """Within the block, ctypes.util.find_library reads the linker cache only."""
    original = ctypes.util.find_library
    ctypes.util.find_library = _from_linker_cache
    try:
        yield
    finally:
        ctypes.util.find_library = original


with found_from_linker_cache():
    import weasyprint  # noqa: F401  (loads the native libraries, once per process)
