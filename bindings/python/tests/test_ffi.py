import ctypes
import importlib.util
import re
from pathlib import Path

import allcore
from allcore import _ffi

PYTHON_ROOT = Path(__file__).resolve().parent.parent
HEADER = PYTHON_ROOT.parent.parent / "include" / "allcore.h"


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_ffi", PYTHON_ROOT / "tools" / "gen_ffi.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ffi_module_is_fresh():
    generated = load_generator().generate(HEADER.read_text(encoding="utf-8"))
    current = (PYTHON_ROOT / "src" / "allcore" / "_ffi.py").read_text(encoding="utf-8")
    assert generated == current, "run: python bindings/python/tools/gen_ffi.py"


def test_every_header_function_is_declared():
    names = re.findall(r"^[\w\s\*]+?\b(ac_\w+)\(.*\);$", HEADER.read_text(), flags=re.MULTILINE)
    assert names
    for name in names:
        function = getattr(_ffi, name)
        assert isinstance(function, ctypes._CFuncPtr)
        assert (function.restype, function.argtypes) == _ffi.PROTOTYPES[name]
        assert _ffi.function(name, keep_gil=True).argtypes == function.argtypes


def test_generator_understands_every_declaration_kind():
    header = """
#define AC_ANSWER 42
enum ac_color
 {
  AC_RED = 0,
  AC_BLUE = 1,
};
typedef int32_t ac_color;
typedef struct ac_thing ac_thing;
typedef struct {
  size_t count;
  const char *name;
} ac_record;
typedef void (*ac_visit_fn)(void *context, const ac_record *record);
ac_color ac_thing_paint(const ac_thing *const *things, ac_visit_fn visit, bool all);
"""
    source = load_generator().generate(header)
    assert "AC_ANSWER = 42" in source
    assert "class Color(enum.IntEnum):" in source
    assert "ac_color = ctypes.c_int32" in source
    assert '("name", ctypes.c_char_p),' in source
    assert "ac_visit_fn = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(ac_record))" in (
        source
    )
    # A function takes every pointer but a C string as an address.
    assert (
        '"ac_thing_paint": (\n        ac_color,\n        (\n            ctypes.c_void_p,\n'
        in source
    )
    assert "            ac_visit_fn,\n            ctypes.c_bool,\n" in source
    assert 'ac_thing_paint = function("ac_thing_paint")' in source


def test_library_is_loaded_with_cdll_and_versions_match():
    assert not isinstance(_ffi.library, ctypes.PyDLL)
    assert allcore.version() == (
        _ffi.AC_VERSION_MAJOR,
        _ffi.AC_VERSION_MINOR,
        _ffi.AC_VERSION_PATCH,
    )


def test_status_names_come_from_the_library():
    for status in _ffi.Status:
        assert _ffi.ac_status_str(status).decode() == status.name
