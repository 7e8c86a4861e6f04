"""Generate ``src/allcore/_ffi.py`` from the C header ``include/allcore.h``.

The header is written by cbindgen and is regular: one prototype per line,
``#define AC_NAME value`` constants, C enums with ``AC_NAME = value,``
members, opaque ``typedef struct ac_x ac_x;`` handles, ``typedef struct {
... } ac_x;`` records, scalar typedefs and function-pointer typedefs. Every
one of them becomes a ctypes declaration, so the Python binding cannot drift
from the C ABI; a test regenerates the module in memory and compares.

Regenerate after the header changes::

    python bindings/python/tools/gen_ffi.py

``--check`` exits with status 1 instead of writing when the module is stale.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

PYTHON_ROOT = Path(__file__).resolve().parent.parent
HEADER = PYTHON_ROOT.parent.parent / "include" / "allcore.h"
OUTPUT = PYTHON_ROOT / "src" / "allcore" / "_ffi.py"

# C scalar types and the ctypes type each one maps to.
SCALARS = {
    "void": None,
    "bool": "ctypes.c_bool",
    "char": "ctypes.c_char",
    "int8_t": "ctypes.c_int8",
    "int16_t": "ctypes.c_int16",
    "int32_t": "ctypes.c_int32",
    "int64_t": "ctypes.c_int64",
    "uint8_t": "ctypes.c_uint8",
    "uint16_t": "ctypes.c_uint16",
    "uint32_t": "ctypes.c_uint32",
    "uint64_t": "ctypes.c_uint64",
    "size_t": "ctypes.c_size_t",
    "int": "ctypes.c_int",
    "unsigned int": "ctypes.c_uint",
    "float": "ctypes.c_float",
    "double": "ctypes.c_double",
}

DEFINE = re.compile(r"#define\s+(AC_\w+)\s+(-?\w+)\s*$")
ENUM_START = re.compile(r"enum\s+(ac_\w+)\s*$")
ENUM_MEMBER = re.compile(r"(AC_\w+)\s*=\s*(-?\w+),?\s*$")
OPAQUE = re.compile(r"typedef\s+struct\s+(ac_\w+)\s+(ac_\w+);$")
STRUCT_START = re.compile(r"typedef\s+struct\s*\{$")
STRUCT_END = re.compile(r"\}\s*(ac_\w+);$")
FIELD = re.compile(r"([\w\s\*]+?)\s*\b(\w+);$")
CALLBACK = re.compile(r"typedef\s+(.+?)\s*\(\*(ac_\w+)\)\((.*)\);$")
SCALAR_TYPEDEF = re.compile(r"typedef\s+(\w+)\s+(ac_\w+);$")
PROTOTYPE = re.compile(r"^([\w\s\*]+?)\s*\b(ac_\w+)\((.*)\);$")


class Header:
    """The declarations of the header, in the order they appear."""

    def __init__(self) -> None:
        self.constants: list[tuple[str, str]] = []
        self.enums: list[tuple[str, list[tuple[str, str]]]] = []
        self.opaque: list[str] = []
        self.structs: list[tuple[str, list[tuple[str, str]]]] = []
        self.callbacks: list[tuple[str, str, list[str]]] = []
        self.aliases: dict[str, str] = {}
        self.functions: list[tuple[str, str, list[str]]] = []

    def type_names(self) -> set[str]:
        """Every ``ac_*`` type the header declares."""
        return {
            *self.aliases,
            *self.opaque,
            *(name for name, _ in self.enums),
            *(name for name, _ in self.structs),
            *(name for name, _, _ in self.callbacks),
        }


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"//[^\n]*", "", text)


def parse(text: str) -> Header:
    """Parse cbindgen's output into a :class:`Header`."""
    header = Header()
    lines = [line.strip() for line in strip_comments(text).splitlines()]
    lines = [line for line in lines if line]
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if match := DEFINE.match(line):
            if not match.group(1).endswith("_H"):
                header.constants.append((match.group(1), match.group(2)))
        elif line.startswith("#"):
            continue
        elif match := ENUM_START.match(line):
            members = []
            while not lines[index].startswith("};"):
                if member := ENUM_MEMBER.match(lines[index]):
                    members.append((member.group(1), member.group(2)))
                index += 1
            index += 1
            header.enums.append((match.group(1), members))
        elif match := OPAQUE.match(line):
            header.opaque.append(match.group(2))
        elif STRUCT_START.match(line):
            fields = []
            while not (end := STRUCT_END.match(lines[index])):
                field = FIELD.match(lines[index])
                if field is None:
                    raise ValueError(f"cannot parse struct field: {lines[index]!r}")
                fields.append((field.group(2), field.group(1)))
                index += 1
            index += 1
            header.structs.append((end.group(1), fields))
        elif match := CALLBACK.match(line):
            header.callbacks.append(
                (match.group(2), match.group(1), split_parameters(match.group(3)))
            )
        elif match := SCALAR_TYPEDEF.match(line):
            # cbindgen writes `typedef enum ac_x ac_x;` for C23 and
            # `typedef int32_t ac_x;` otherwise: the fixed-width one is the ABI.
            header.aliases[match.group(2)] = match.group(1)
        elif match := PROTOTYPE.match(line):
            header.functions.append(
                (match.group(2), match.group(1), split_parameters(match.group(3)))
            )
    clashes = header.type_names() & {name for name, _, _ in header.functions}
    if clashes:
        raise ValueError(f"names used for both a type and a function: {sorted(clashes)}")
    return header


def split_parameters(text: str) -> list[str]:
    """The parameter types of a C parameter list, names dropped."""
    if text.strip() in ("", "void"):
        return []
    types = []
    for parameter in text.split(","):
        parameter = parameter.strip()
        match = re.match(r"^(.*?[\s\*])(\w+)$", parameter)
        if match is None:
            raise ValueError(f"cannot parse parameter: {parameter!r}")
        types.append(match.group(1).strip())
    return types


def ctype(c_type: str, header: Header) -> str:
    """The ctypes expression for a C type such as ``const ac_pool *const *``."""
    stars = c_type.count("*")
    base = " ".join(word for word in c_type.replace("*", " ").split() if word != "const")
    if base == "char" and stars == 1:
        return "ctypes.c_char_p"
    if base == "void" and stars >= 1:
        expression, stars = "ctypes.c_void_p", stars - 1
    elif base in SCALARS:
        expression = SCALARS[base]
    elif base in header.type_names():
        expression = base
    else:
        raise ValueError(f"unknown C type: {c_type!r}")
    for _ in range(stars):
        expression = f"ctypes.POINTER({expression})"
    return "None" if expression is None else expression


def parameter_ctype(c_type: str, header: Header) -> str:
    """The ctypes type a function takes or returns for a C type: as
    :func:`ctype`, except that every pointer other than a C string is an
    address (``ctypes.c_void_p``). Handles then travel as ready ``c_void_p``
    objects, the cheapest argument ctypes passes, and a buffer or an
    out-parameter is any of ``bytes``, a ctypes array or ``ctypes.byref(x)``.
    """
    expression = ctype(c_type, header)
    if expression.startswith("ctypes.POINTER("):
        return "ctypes.c_void_p"
    return expression


def class_name(c_name: str) -> str:
    """``ac_future_state`` -> ``FutureState``."""
    return "".join(part.title() for part in c_name.split("_")[1:])


def generate(text: str) -> str:
    """The source of ``_ffi.py`` for the header ``text``."""
    header = parse(text)
    out = [
        '"""ctypes declarations for every type, constant and function of allcore.h.',
        "",
        "Generated by tools/gen_ffi.py from include/allcore.h: do not edit. After the",
        "header changes, regenerate with ``python bindings/python/tools/gen_ffi.py``.",
        '"""',
        "",
        "import ctypes",
        "import enum",
        "",
        "from ._lib import library, quick_library",
        "",
        "# Constants (#define).",
    ]
    out += [f"{name} = {value}" for name, value in header.constants]
    enum_names = {name for name, _ in header.enums}
    for name, members in header.enums:
        out += [
            "",
            "",
            f"class {class_name(name)}(enum.IntEnum):",
            f'    """C enum ``{name}``."""',
            "",
        ]
        out += [f"    {member} = {value}" for member, value in members]
        out += ["", ""]
        out += [f"{member} = {class_name(name)}.{member}" for member, _ in members]
    out += ["", "", "# Scalar types (typedef)."]
    for name, target in header.aliases.items():
        if name in enum_names and target == name:
            continue
        out.append(f"{name} = {ctype(target, header)}")
    for name in sorted(enum_names - header.aliases.keys()):
        out.append(f"{name} = ctypes.c_int32")
    for name, fields in header.structs:
        out += [
            "",
            "",
            f"class {name}(ctypes.Structure):",
            f'    """C struct ``{name}``."""',
            "",
            "    _fields_ = [",
        ]
        out += [f'        ("{field}", {ctype(c_type, header)}),' for field, c_type in fields]
        out += ["    ]"]
    out += ["", "", "# Callback types (function-pointer typedefs)."]
    for name, result, parameters in header.callbacks:
        arguments = ", ".join([ctype(result, header)] + [ctype(p, header) for p in parameters])
        out.append(f"{name} = ctypes.CFUNCTYPE({arguments})")
    out += [
        "",
        "",
        "# Every function's prototype: name -> (restype, argtypes).",
        "PROTOTYPES = {",
    ]
    for name, result, parameters in header.functions:
        out += [f'    "{name}": (', f"        {parameter_ctype(result, header)},"]
        arguments = [parameter_ctype(p, header) for p in parameters]
        if len(arguments) == 1:
            out += [f"        ({arguments[0]},),"]
        elif arguments:
            out += ["        ("] + [f"            {argument}," for argument in arguments]
            out += ["        ),"]
        else:
            out += ["        (),"]
        out += ["    ),"]
    out += [
        "}",
        "",
        "",
        "def function(name, keep_gil=False):",
        '    """A private function object for ``name`` with its prototype (other users',
        "    of the library keep theirs). Calls through ``library`` (CDLL) release the",
        "    GIL; with ``keep_gil``, through ``quick_library`` (PyDLL), they keep it.",
        '    """',
        "    lib = quick_library if keep_gil else library",
        "    pointer = lib._FuncPtr((name, lib))",
        "    pointer.__name__ = name",
        "    pointer.restype, pointer.argtypes = PROTOTYPES[name]",
        "    return pointer",
        "",
        "",
        "# Functions, each releasing the GIL while it runs.",
    ]
    out += [f'{name} = function("{name}")' for name, _, _ in header.functions]
    out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--header", type=Path, default=HEADER, help="the C header to read")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the module to write")
    parser.add_argument("--check", action="store_true", help="fail if the module is stale")
    options = parser.parse_args(argv)
    source = generate(options.header.read_text(encoding="utf-8"))
    if options.check:
        current = options.output.read_text(encoding="utf-8") if options.output.exists() else ""
        if current != source:
            print(f"{options.output} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    options.output.write_text(source, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
