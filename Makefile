# allcore: `make demo` runs the demo, `make test` runs every test and check.
# Both install what they need first (scripts/install-deps.sh for the system,
# scripts/python-env.sh for the Python tools, in the project's own virtual
# environments under .venv/: nothing goes into an interpreter's site-packages).

CARGO ?= cargo
PYTHON ?= python3
GO ?= go
DEV_REQUIREMENTS := bindings/python/requirements-dev.txt
DEMO_REQUIREMENTS := bindings/python/requirements-demo.txt
BENCH_REQUIREMENTS := bindings/python/requirements-bench.txt
# The project's environment for $(PYTHON), where lint, demo and benchmarks run.
VENV_PYTHON = $(shell bash scripts/python-env.sh --path $(PYTHON))
# Every CPython 3.10-3.13 the machine has (those it lacks are named when the
# list is made): the Python suite runs on each.
TEST_PYTHONS ?= $(or $(shell bash scripts/python-versions.sh),$(PYTHON))
LIB_DIR := $(CURDIR)/target/release
export PYTHONPATH := $(CURDIR)/bindings/python/src

# `make install`: where the header, the libraries and allcore.pc go
# (cargo-c's layout; DESTDIR stages the whole tree for packaging).
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
VERSION_MAJOR := $(word 1,$(subst ., ,$(VERSION)))
VERSION_MINOR := $(word 2,$(subst ., ,$(VERSION)))
# The SONAME's version, as build.rs sets it: 0.<minor> while the ABI is 0.x.
SOVERSION := $(if $(filter 0,$(VERSION_MAJOR)),0.$(VERSION_MINOR),$(VERSION_MAJOR))
# What a static link needs besides liballcore.a (rustc --print native-static-libs).
LIBS_PRIVATE := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
# allcore.pc links the shared library; allcore-static.pc names the archive
# itself (what the Go module links by default). Arguments: prefix, libdir,
# includedir, output directory.
pkg_config_files = \
	sed -e 's|@PREFIX@|$(1)|' -e 's|@LIBDIR@|$(2)|' -e 's|@INCLUDEDIR@|$(3)|' \
		-e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|' \
		allcore.pc.in > $(4)/allcore.pc && \
	sed -e 's|@PREFIX@|$(1)|' -e 's|@LIBDIR@|$(2)|' -e 's|@INCLUDEDIR@|$(3)|' \
		-e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|' \
		allcore-static.pc.in > $(4)/allcore-static.pc
export PKG_CONFIG_PATH := $(LIB_DIR)/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))

.PHONY: all deps build header python-ffi lint install test test-rust test-c check-valgrind test-install test-python test-package test-go check-shm demo bench clean

all: build

deps:
	bash scripts/install-deps.sh $(PYTHON)
	bash scripts/python-env.sh $(PYTHON) $(DEV_REQUIREMENTS) >/dev/null

# Besides cargo's output: the SONAME link that programs linked in the tree
# against target/release ask for (liballcore.so.$(SOVERSION)), and pkg-config
# files for the tree itself (PKG_CONFIG_PATH above), which is how the Go
# module finds allcore here as it finds an installed one.
build:
	$(CARGO) build --release -p allcore
	ln -sf liballcore.so $(LIB_DIR)/liballcore.so.$(SOVERSION)
	mkdir -p $(LIB_DIR)/pkgconfig
	$(call pkg_config_files,$(CURDIR),$(LIB_DIR),$(CURDIR)/include,$(LIB_DIR)/pkgconfig)

install: build
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/allcore.h $(DESTDIR)$(INCLUDEDIR)/allcore.h
	install -m 755 $(LIB_DIR)/liballcore.so $(DESTDIR)$(LIBDIR)/liballcore.so.$(VERSION)
	ln -sf liballcore.so.$(VERSION) $(DESTDIR)$(LIBDIR)/liballcore.so.$(SOVERSION)
	ln -sf liballcore.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/liballcore.so
	install -m 644 $(LIB_DIR)/liballcore.a $(DESTDIR)$(LIBDIR)/liballcore.a
	$(call pkg_config_files,$(PREFIX),$(LIBDIR),$(INCLUDEDIR),$(DESTDIR)$(LIBDIR)/pkgconfig)

# Regenerate include/allcore.h from src/ffi (the test suite fails when it is stale).
header:
	ALLCORE_WRITE_HEADER=1 $(CARGO) test -q -p allcore --test header header_is_fresh

# Regenerate bindings/python/src/allcore/_ffi.py from include/allcore.h.
python-ffi:
	$(VENV_PYTHON) bindings/python/tools/gen_ffi.py

lint: build
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(VENV_PYTHON) -m ruff check bindings/python
	$(VENV_PYTHON) -m ruff format --check bindings/python
	test -z "$$(gofmt -l bindings/go)" || { gofmt -l bindings/go; exit 1; }
	cd bindings/go && $(GO) vet ./...

test-rust: build
	$(CARGO) test --workspace

test-c: build
	$(MAKE) -C c_examples check

# valgrind memcheck: no error and no definite leak in the C examples (built by
# test-c) or the ABI tests (built by test-rust), one test thread at a time.
# Forking tests are left out: their children exit holding the parent's
# threads' state on purpose.
check-valgrind: build
	bash scripts/check-valgrind.sh

# `make install` into a scratch prefix, then the README's C quick start built
# with pkg-config, shared and static, and run.
test-install: build
	bash scripts/test-install.sh

test-python: build
	@for python in $(TEST_PYTHONS); do \
		env_python=$$(bash scripts/python-env.sh $$python $(DEV_REQUIREMENTS)) || exit 1; \
		echo "== the Python suite on $$($$env_python -c 'import sys; print("CPython", sys.version.split()[0])')"; \
		$$env_python -m pytest -q bindings/python/tests || exit 1; \
	done

# The sdist, the wheel built from it, installed on every CPython in TEST_PYTHONS.
test-package: deps
	bash scripts/test-python-package.sh $(VENV_PYTHON) $(TEST_PYTHONS)

test-go: build
	cd bindings/go && $(GO) test -count=1 ./...

# Nothing of ours may stay in /dev/shm after the suites (shared-memory
# objects go with their last user or their unlink).
check-shm:
	@left=$$(ls /dev/shm 2>/dev/null | grep '^allcore-' || true); \
	if [ -n "$$left" ]; then echo "left in /dev/shm: $$left" >&2; exit 1; fi; \
	echo "/dev/shm: nothing left behind"

test: deps lint test-rust test-c check-valgrind test-install test-python test-package test-go check-shm
	@echo "all checks passed"

demo: build
	bash scripts/install-deps.sh $(PYTHON)
	bash scripts/python-env.sh $(PYTHON) $(DEMO_REQUIREMENTS) >/dev/null
	$(VENV_PYTHON) bindings/python/examples/demo.py --plot allcore-demo.png

# Every benchmark, each comparing allcore with what a user would otherwise use
# (the figures in BENCHMARKS.md come from this).
bench: deps build
	bash scripts/python-env.sh $(PYTHON) $(BENCH_REQUIREMENTS) >/dev/null
	$(MAKE) -C benches all
	$(CARGO) bench -q -p allcore --bench queue_mpmc
	$(VENV_PYTHON) bindings/python/benchmarks/gil_escape.py
	$(VENV_PYTHON) bindings/python/benchmarks/lock.py
	$(VENV_PYTHON) bindings/python/benchmarks/queue_bench.py
	$(VENV_PYTHON) bindings/python/benchmarks/timer_bench.py
	$(VENV_PYTHON) bindings/python/benchmarks/parallel_for.py
	$(VENV_PYTHON) bindings/python/benchmarks/shm_queue.py
	cd bindings/go && $(GO) test -run '^$$' -bench . -count 5 .

clean:
	$(CARGO) clean
	$(MAKE) -C c_examples clean
