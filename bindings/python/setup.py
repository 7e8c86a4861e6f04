"""Builds the allcore package: the native library, built by cargo, inside a
Python package that loads it with ctypes.

The package holds no Python extension module, so one wheel serves every
CPython: it is tagged ``py3-none-<platform>``. The Rust crate is the
repository root in a checkout; an sdist carries a copy of it under ``rust/``
(its ``Cargo.toml`` without the workspace's test and benchmark members), so
it builds alone.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent
SDIST_CRATE = "rust"
# What building the library needs, relative to the crate's root.
CRATE_FILES = ["Cargo.toml", "Cargo.lock", "build.rs", "README.md", "LICENSE-MIT", "LICENSE-APACHE"]
CRATE_DIRS = ["src"]

if sys.platform == "darwin":
    LIBRARY = "liballcore.dylib"
elif sys.platform == "win32":
    LIBRARY = "allcore.dll"
else:
    LIBRARY = "liballcore.so"


def crate_root():
    for candidate in (HERE / SDIST_CRATE, HERE.parents[1]):
        if (candidate / "Cargo.toml").is_file() and (candidate / "src" / "lib.rs").is_file():
            return candidate
    raise RuntimeError("the allcore Rust crate is neither in rust/ (an sdist) nor two levels up")


def standalone_manifest(text):
    """The crate's Cargo.toml without the tables naming files an sdist lacks."""
    kept = []
    skipping = False
    for line in text.splitlines():
        table = re.match(r"\s*\[\[?([^\]]+)\]\]?\s*$", line)
        if table:
            skipping = table.group(1).strip() in ("workspace", "bench", "dev-dependencies")
        if not skipping:
            kept.append(line)
    return "\n".join(kept) + "\n"


class BuildWithLibrary(build_py):
    """``build_py`` plus the native library, built by cargo, in the package."""

    def run(self):
        super().run()
        root = crate_root()
        cargo = os.environ.get("CARGO", "cargo")
        subprocess.run(
            [cargo, "build", "--release", "--lib", "--manifest-path", str(root / "Cargo.toml")],
            check=True,
        )
        target = Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
        built = target / "release" / LIBRARY
        destination = Path(self.build_lib) / "allcore" / LIBRARY
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, destination)
        destination.chmod(0o755)


class SdistWithCrate(sdist):
    """``sdist`` plus a copy of the Rust crate under ``rust/``."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        root = crate_root()
        crate = Path(base_dir) / SDIST_CRATE
        if crate.exists():
            shutil.rmtree(crate)
        crate.mkdir()
        for name in CRATE_FILES:
            shutil.copyfile(root / name, crate / name)
        for name in CRATE_DIRS:
            shutil.copytree(root / name, crate / name)
        manifest = crate / "Cargo.toml"
        manifest.write_text(standalone_manifest(manifest.read_text()))


class AnyPythonWheel(bdist_wheel):
    """A platform wheel for every CPython 3: the library does not link Python."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    """Tells setuptools the package carries a platform-specific file."""

    def has_ext_modules(self):
        return True


setup(
    cmdclass={"build_py": BuildWithLibrary, "sdist": SdistWithCrate, "bdist_wheel": AnyPythonWheel},
    distclass=BinaryDistribution,
)
