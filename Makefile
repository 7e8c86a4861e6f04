# allcore: `make demo` runs the demo, `make test` runs every test and check.
# Both install what they need first (scripts/install-deps.sh).

CARGO ?= cargo
PYTHON ?= python3
GO ?= go
LIB_DIR := $(CURDIR)/target/release
export PYTHONPATH := $(CURDIR)/bindings/python/src

.PHONY: all deps build header python-ffi lint test test-rust test-c test-python test-go demo bench clean

all: build

deps:
	bash scripts/install-deps.sh

build:
	$(CARGO) build --release -p allcore

# Regenerate include/allcore.h from src/ffi (the test suite fails when it is stale).
header:
	ALLCORE_WRITE_HEADER=1 $(CARGO) test -q -p allcore --test header header_is_fresh

# Regenerate bindings/python/src/allcore/_ffi.py from include/allcore.h.
python-ffi:
	$(PYTHON) bindings/python/tools/gen_ffi.py

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(PYTHON) -m ruff check bindings/python
	$(PYTHON) -m ruff format --check bindings/python
	test -z "$$(gofmt -l bindings/go)" || { gofmt -l bindings/go; exit 1; }
	cd bindings/go && $(GO) vet ./...

test-rust: build
	$(CARGO) test --workspace

test-c: build
	$(MAKE) -C c_examples check

test-python: build
	$(PYTHON) -m pytest -q bindings/python/tests

test-go: build
	cd bindings/go && $(GO) test -count=1 ./...

test: deps lint test-rust test-c test-python test-go
	@echo "all checks passed"

demo: deps build
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r bindings/python/requirements-demo.txt
	$(PYTHON) bindings/python/examples/demo.py --plot allcore-demo.png

# Every benchmark, each comparing allcore with what a user would otherwise use
# (the figures in BENCHMARKS.md come from this).
bench: deps build
	$(MAKE) -C benches all
	$(CARGO) bench -q -p allcore --bench queue_mpmc
	$(PYTHON) bindings/python/benchmarks/gil_escape.py
	$(PYTHON) bindings/python/benchmarks/lock.py
	$(PYTHON) bindings/python/benchmarks/queue_bench.py
	$(PYTHON) bindings/python/benchmarks/parallel_for.py
	cd bindings/go && $(GO) test -run '^$$' -bench . -count 5 .

clean:
	$(CARGO) clean
	$(MAKE) -C c_examples clean
