#!/usr/bin/env bash
# Installs the system packages building and testing allcore needs beyond
# Rust, Go, Python 3 and a C compiler: libclang (for bindgen in the ABI
# tests), pkg-config and valgrind (memcheck over the C examples and the ABI
# tests); OpenMP's runtime headers come with gcc. The Python
# tools go into the project's own environments (scripts/python-env.sh).
# Safe to run repeatedly.
set -euo pipefail

have_libclang() {
    # libclang itself (libclang.so, libclang-14.so.1), not libclang-cpp, which
    # machines often have without it.
    ldconfig -p 2>/dev/null | grep -E 'libclang(-[0-9.]+)?\.so' >/dev/null ||
        compgen -G '/usr/lib/llvm-*/lib/libclang.so*' >/dev/null ||
        compgen -G '/usr/lib/llvm-*/lib/libclang-[0-9]*.so*' >/dev/null
}

# The interpreter the make targets build their virtual environments from.
python=${1:-python3}

packages=()
have_libclang || packages+=(libclang-dev)
# Debian's interpreter makes environments only with python3-venv's ensurepip.
"$python" -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3-venv)
command -v pkg-config >/dev/null || packages+=(pkg-config) # `make install`'s allcore.pc, tested
command -v valgrind >/dev/null || packages+=(valgrind)     # `make check-valgrind`
if [ ${#packages[@]} -gt 0 ]; then
    echo "installing ${packages[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${packages[@]}" >/dev/null
fi
